"""`revcycle x12 parse|validate`: read X12 files into typed models and check them strictly.

`run_plain` runs the usual shapes of both commands (`x12 validate|parse [flags] FILE`)
without Typer's parameter machinery, which builds pydantic adapters for every parameter
(about 0.2 s of CPU per run, as much as validating 1,000 claims); `revcycle.cli.main`
calls it first. It calls the same command functions below, so output and exit codes are
the same; any other shape (help, an unknown or misspelt option, no file, two files) is
left to Typer, which answers it as before.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TextIO, cast

import typer

from shared.x12.errors import Issue, X12Error

app = typer.Typer(no_args_is_help=True, help="Parse and validate X12 005010 files.")

FileArg = Annotated[Path, typer.Argument(help="X12 file to read", show_default=False)]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise _fail(f"{path}: no such file")
    if not path.is_file():
        raise _fail(f"{path}: not a regular file")


def _issue_line(issue: Issue) -> str:
    return f"  {issue}"


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
    _check_file(file)
    if as_json or as_jsonl:
        import sys

        from shared.x12.json_stream import write_json, write_jsonl

        writer = write_jsonl if as_jsonl else write_json
        try:
            writer(file, sys.stdout)
        except X12Error as exc:
            raise _fail(f"{file}: {exc.issue.where()}: {exc.message}") from None
        except OSError as exc:
            raise _fail(f"{file}: cannot read: {exc.strerror}") from None
        return
    from shared.x12.reader import parse

    try:
        result = parse(file)
    except X12Error as exc:
        raise _fail(f"{file}: {exc.issue.where()}: {exc.message}") from None
    except OSError as exc:
        raise _fail(f"{file}: cannot read: {exc.strerror}") from None
    d = result.document.delimiters
    typer.echo(
        f"{file}: {len(result.document.interchanges)} interchange(s), "
        f"{len(result.transactions)} transaction set(s); delimiters element {d.element!r} "
        f"component {d.component!r} repetition {d.repetition!r} segment {d.segment!r}"
    )
    for ta1 in result.ta1:
        typer.echo(
            f"  TA1 for interchange {ta1.control_number}: "
            f"{_code(ta1.acknowledgment)} note {_code(ta1.note)}"
        )
    for t in result.transactions:
        typer.echo(
            f"  ST {t.envelope.id} #{t.envelope.control_number} "
            f"({t.envelope.implementation or 'no guide id'}) "
            f"read as {t.kind}: {_summary(t.kind, t.model)}"
        )
    if result.issues:
        typer.echo(
            f"{len(result.issues)} issue(s) while reading "
            "(run `revcycle x12 validate` for all checks):"
        )
        for issue in result.issues:
            typer.echo(_issue_line(issue))


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _summary(kind: str, model: Any) -> str:
    """One line per transaction: counts and totals, no patient data."""
    if model is None:
        return "not supported"
    if kind == "835":
        claims = list(model.claims())
        paid = model.bpr.total_payment if model.bpr else None
        lines = sum(len(c.services) for c in claims)
        plb = len(model.provider_adjustments)
        return f"{len(claims)} claim(s), {lines} service line(s), payment {paid}, {plb} PLB"
    if kind in ("837P", "837I"):
        claims = list(model.claims())
        charges = [c.claim.clm.total_charge for c in claims]
        known = sum((c for c in charges if c is not None), Decimal("0"))
        lines = sum(len(c.claim.service_lines) for c in claims)
        missing = sum(c is None for c in charges)
        # A claim without CLM02 is counted as such, never as a zero charge.
        total = f"{known}" + (f" ({missing} claim(s) without CLM02)" if missing else "")
        return f"{len(claims)} claim(s), {lines} service line(s), total charge {total}"
    if kind in ("270", "271"):
        return f"{len(list(model.subscribers()))} subscriber level(s)"
    if kind in ("276", "277", "277CA"):
        return f"{len(list(model.claims()))} claim-level loop(s)"
    if kind == "999":
        acks = [_code(r.ik5.acknowledgment) if r.ik5 else "?" for r in model.transaction_responses]
        group = _code(model.ak9.acknowledgment) if model.ak9 else "?"
        return f"group {group}, {len(acks)} transaction response(s) {''.join(acks)}"
    return ""


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
    from shared.x12.validation import validate, validate_stream

    _check_file(file)
    if not as_json:
        # Issues are printed as each transaction set ends (a large file is never held),
        # then the verdict.
        counts = {"error": 0, "warning": 0}

        def show(issue: Issue) -> None:
            counts[issue.severity.value] += 1
            typer.echo(_issue_line(issue))

        try:
            validate_stream(file, strict=strict, sink=show)
        except OSError as exc:
            raise _fail(f"{file}: cannot read: {exc.strerror}") from None
        valid = counts["error"] == 0
        typer.echo(
            f"{file}: {'valid' if valid else 'INVALID'} "
            f"({counts['error']} error(s), {counts['warning']} warning(s))"
        )
        raise typer.Exit(0 if valid else 1)
    try:  # --json: one document listing every issue
        report = validate(file, strict=strict)
    except OSError as exc:
        raise _fail(f"{file}: cannot read: {exc.strerror}") from None
    typer.echo(
        json.dumps(
            {
                "file": str(file),
                "valid": report.ok,
                "issues": [i.to_plain() for i in report.issues],
            },
            indent=2,
        )
    )
    raise typer.Exit(0 if report.ok else 1)


# Flags of the commands `run_plain` runs, and the keyword each sets to True in the command
# function (tests/unit/x12_read/test_cli_plain.py checks this against the Typer commands).
PLAIN_FLAGS: dict[str, dict[str, str]] = {
    "validate": {"--json": "as_json", "--strict": "strict"},
    "parse": {"--json": "as_json", "--jsonl": "as_jsonl"},
}
_COMMANDS: dict[str, Callable[..., None]] = {
    "validate": validate_command,
    "parse": parse_command,
}


def plain_call(argv: list[str]) -> tuple[Callable[..., None], dict[str, Any]] | None:
    """The command function and its arguments when `argv` (after `revcycle`) is a plain
    `x12 validate|parse [flags] FILE`; None for anything Typer should answer."""
    if len(argv) < 3 or argv[0] != "x12" or argv[1] not in PLAIN_FLAGS:
        return None
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # a shell-completion request: Typer's
    flags = PLAIN_FLAGS[argv[1]]
    kwargs: dict[str, Any] = {}
    files: list[str] = []
    for arg in argv[2:]:
        if arg in flags:
            kwargs[flags[arg]] = True
        elif not arg or arg.startswith("-"):
            return None  # help, another option, "--", "-", an empty name: Typer's
        else:
            files.append(arg)
    if len(files) != 1:
        return None
    kwargs["file"] = Path(files[0])
    return _COMMANDS[argv[1]], kwargs


def run_plain(argv: list[str]) -> None:
    """Run a plain `x12 validate|parse` (see `plain_call`) and exit as Typer would;
    return without doing anything when `argv` is another shape."""
    found = plain_call(argv)
    if found is None:
        return
    command, kwargs = found
    from typer import _click as click
    from typer.main import _typer_developer_exception_attr_name, except_hook
    from typer.models import DeveloperExceptionConfig

    # What Typer's standalone mode does around a command (typer.core._main, Typer.__call__);
    # the commands read no input, so Typer's EOF / Abort branch has no counterpart here.
    try:
        try:
            command(**kwargs)
        except KeyboardInterrupt as exc:
            raise typer.Exit(130) from exc
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            sys.stdout = cast(TextIO, click.utils.PacifyFlushWrapper(sys.stdout))
            sys.stderr = cast(TextIO, click.utils.PacifyFlushWrapper(sys.stderr))
            sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Shown by Typer's hook as any command's error is (locals hidden: patient data).
        sys.excepthook = except_hook
        setattr(
            exc,
            _typer_developer_exception_attr_name,
            DeveloperExceptionConfig(pretty_exceptions_show_locals=False),
        )
        raise
    sys.exit(0)
