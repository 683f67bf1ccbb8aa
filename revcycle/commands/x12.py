"""`revcycle x12 parse|validate`: read X12 files into typed models and check them strictly.

The Typer commands here declare the interface (arguments, flags, help); their bodies are in
`revcycle.commands.x12_plain`, which also runs the usual shapes of both commands (`x12
validate|parse [flags] FILE`) without Typer (`run_plain`, called first by the `revcycle`
console script and `revcycle.cli.main`). Both call the same bodies, so output and exit
codes are the same; any other shape (help, an unknown or misspelt option, no file, two
files) is answered by Typer here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revcycle.commands import x12_plain
from revcycle.commands.x12_plain import PLAIN_FLAGS, plain_call, run_plain

__all__ = ["app", "PLAIN_FLAGS", "plain_call", "run_plain"]

app = typer.Typer(no_args_is_help=True, help="Parse and validate X12 005010 files.")

FileArg = Annotated[Path, typer.Argument(help="X12 file to read", show_default=False)]


@app.command("parse")
def parse_command(
    file: FileArg,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the typed model as one JSON document (streamed)"),
    ] = False,
    as_jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help="Print JSON Lines: one claim (or level, transaction header) per line, "
            "issues last; memory stays flat for any file size",
        ),
    ] = False,
) -> None:
    """Parse FILE (tolerant reading) and print the typed model (--json, --jsonl) or a summary."""
    raise typer.Exit(x12_plain.parse(file, as_json=as_json, as_jsonl=as_jsonl))


@app.command("validate")
def validate_command(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the issues as JSON")] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Also fail on layout the guides tolerate: spaces before a segment, a "
            "separator after the last element (warnings otherwise)",
        ),
    ] = False,
) -> None:
    """Validate FILE (WEDI SNIP 1-5): exit 0 when valid, 1 when invalid, errors with positions.

    Layout problems (leading spaces, trailing separators) are warnings unless --strict.
    """
    raise typer.Exit(x12_plain.validate(file, as_json=as_json, strict=strict))
