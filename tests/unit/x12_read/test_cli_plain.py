"""`revcycle x12 validate|parse` run without Typer's parameter machinery (issue 9 point 8).

`revcycle.cli.main` runs the plain shapes of both commands through
`revcycle.commands.x12.run_plain`; these tests pin that the output (stdout and stderr) and
exit codes are exactly Typer's for every shape it takes, that the shapes it leaves alone
still reach Typer, and that its flag table is the Typer commands' own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from revcycle import cli
from revcycle.cli import app
from revcycle.commands.x12 import PLAIN_FLAGS, plain_call

from .factories import claim_837p, remittance_835

runner = CliRunner()


def _files(tmp_path: Path) -> dict[str, Path]:
    texts = {
        "ok.835": remittance_835(),
        "bad.835": remittance_835(se02="0002", bpr_amount="99.00"),
        "layout.835": remittance_835().replace("~TRN*", "~  TRN*"),
        "c.837": claim_837p(),
        "g.txt": "\x00\x01 not edi at all",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text, newline="")
    paths["missing"] = tmp_path / "nope"
    paths["dir"] = tmp_path
    return paths


# (command and flags, file): every flag combination of both commands, on valid, invalid,
# garbage, missing and directory paths.
CASES = [
    (["validate"], "ok.835"),
    (["validate"], "bad.835"),
    (["validate", "--json"], "bad.835"),
    (["validate", "--json"], "ok.835"),
    (["validate"], "layout.835"),
    (["validate", "--strict"], "layout.835"),
    (["validate", "--json", "--strict"], "layout.835"),
    (["validate"], "g.txt"),
    (["validate"], "missing"),
    (["validate", "--json"], "dir"),
    (["parse"], "ok.835"),
    (["parse"], "c.837"),
    (["parse", "--json"], "ok.835"),
    (["parse", "--json"], "c.837"),
    (["parse", "--jsonl"], "ok.835"),
    (["parse", "--json", "--jsonl"], "c.837"),
    (["parse"], "g.txt"),
    (["parse", "--json"], "g.txt"),
    (["parse"], "missing"),
    (["parse", "--jsonl"], "dir"),
]


def _plain(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """`revcycle ARGV` through `cli.main`, failing if it reached Typer."""

    def typer_app(*_: Any) -> None:
        raise AssertionError(f"{argv} went to Typer")

    monkeypatch.setattr(sys, "argv", ["revcycle", *argv])
    monkeypatch.setattr(cli, "app", typer_app)
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.mark.parametrize(("args", "name"), CASES)
def test_plain_run_prints_and_exits_exactly_as_typer(
    args: list[str],
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = str(_files(tmp_path)[name])
    # Flags after the file as well as before it: Click takes both.
    for argv in (["x12", *args, path], ["x12", args[0], path, *args[1:]]):
        typer_run = runner.invoke(app, argv)
        assert typer_run.exception is None or isinstance(typer_run.exception, SystemExit)
        code, out, err = _plain(argv, capsys, monkeypatch)
        assert (code, out, err) == (typer_run.exit_code, typer_run.stdout, typer_run.stderr)
    assert code in (0, 1, 2)


@pytest.mark.parametrize(
    "argv",
    [
        ["x12", "validate"],
        ["x12", "validate", "--help"],
        ["x12", "parse", "-h"],
        ["x12", "validate", "--jsonl", "f.835"],
        ["x12", "parse", "--strict", "f.835"],
        ["x12", "parse", "--json=1", "f.835"],
        ["x12", "validate", "a.835", "b.835"],
        ["x12", "validate", "--", "f.835"],
        ["x12", "validate", "-"],
        ["x12", "validate", ""],
        ["x12", "ack", "f.835"],
        ["x12"],
        ["x12", "--help"],
        ["scrub", "f.835"],
    ],
)
def test_other_shapes_are_left_to_typer(argv: list[str]) -> None:
    assert plain_call(argv) is None


def test_a_completion_request_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert plain_call(["x12", "validate", "f.835"]) is not None
    monkeypatch.setenv("_REVCYCLE_COMPLETE", "bash_complete")
    assert plain_call(["x12", "validate", "f.835"]) is None


def test_plain_flags_are_the_typer_commands_flags() -> None:
    from typer import _click as click
    from typer.core import TyperArgument, TyperGroup, TyperOption

    group = cli._load("x12")
    assert isinstance(group, TyperGroup)
    ctx = click.Context(group)
    for name, flags in PLAIN_FLAGS.items():
        command = group.get_command(ctx, name)
        assert command is not None
        options = [p for p in command.params if isinstance(p, TyperOption)]
        declared = {
            opt: p.name for p in options for opt in (*p.opts, *p.secondary_opts) if p.name != "help"
        }
        assert declared == flags, name
        assert all(p.is_flag for p in options if p.name != "help")
        arguments = [p.name for p in command.params if isinstance(p, TyperArgument)]
        assert arguments == ["file"]


@pytest.mark.parametrize("command", ["validate", "parse --json"])
def test_plain_run_loads_neither_pydantic_nor_the_icd10_loader(
    command: str, tmp_path: Path
) -> None:
    """What the plain run saves: Typer's pydantic adapters (about 0.2 s CPU per run); and
    an 835's checks need the CARC/RARC lists, not the ICD-10-CM and NCCI loaders (0.1 s)."""
    path = tmp_path / "ok.835"
    path.write_text(remittance_835(), newline="")
    script = (
        "import sys\n"
        f"sys.argv = ['revcycle', 'x12', *{command.split()!r}, {str(path)!r}]\n"
        "from revcycle.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = ('pydantic', 'typer._adapters', 'shared.codes.icd10', 'shared.codes.ncci')\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules), code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rsplit("LOADED:", 1)[1].split() == ["0"]
