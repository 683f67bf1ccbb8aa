"""`revcycle x12 validate|parse` when stdout fails, is interrupted or a command breaks, on
both paths: the plain run of the console script (`revcycle.entry`, no Typer) and Typer's.

A write error on stdout is not a read error of FILE: `parse --json FILE | head -1` ends
quietly with Typer's exit status 1 (it printed "FILE: cannot read: Broken pipe", exit 2);
other write errors name stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revcycle.cli import app
from revcycle.commands.x12_plain import run_plain

from .factories import remittance_835

PLAIN = "from revcycle.entry import main; main()"
TYPER = "from revcycle.cli import app; app()"
COMMANDS = [
    ["parse", "--json"],
    ["parse", "--jsonl"],
    ["parse"],
    ["validate"],
    ["validate", "--json"],
]


def _file(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "ok.835"
    path.write_text(remittance_835() if text is None else text, newline="")
    return path


def _run(entry: str, argv: list[str], stdout: int, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | env
    return subprocess.run(
        [sys.executable, "-c", entry, *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        timeout=60,
    )


# Each command with stdout buffered (a pipe, a file), and two with PYTHONUNBUFFERED=1.
SHAPES = [(c, {}) for c in COMMANDS] + [
    (c, {"PYTHONUNBUFFERED": "1"}) for c in (["parse", "--json"], ["validate"])
]


@pytest.mark.parametrize("entry", [PLAIN, TYPER], ids=["plain", "typer"])
@pytest.mark.parametrize(("command", "unbuffered"), SHAPES, ids=str)
def test_a_closed_pipe_ends_quietly_with_status_1(
    command: list[str], unbuffered: dict[str, str], entry: str, tmp_path: Path
) -> None:
    path = _file(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` that has already exited
    try:
        done = _run(entry, ["x12", *command, str(path)], write_end, **unbuffered)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, "")


@pytest.mark.parametrize("entry", [PLAIN, TYPER], ids=["plain", "typer"])
@pytest.mark.parametrize(("command", "unbuffered"), SHAPES, ids=str)
def test_another_write_error_names_stdout_not_the_file(
    command: list[str], unbuffered: dict[str, str], entry: str, tmp_path: Path
) -> None:
    """/dev/full: every write fails with ENOSPC. Said once (nothing more at exit)."""
    path = _file(tmp_path)
    with open("/dev/full", "w") as full:
        done = _run(entry, ["x12", *command, str(path)], full.fileno(), **unbuffered)
    assert done.returncode == 2
    assert done.stderr == "error: stdout: cannot write: No space left on device\n"


def test_a_read_error_still_names_the_file(tmp_path: Path) -> None:
    """The write wrapper leaves read errors as they were."""
    missing = tmp_path / "gone.835"
    for entry in (PLAIN, TYPER):
        done = _run(entry, ["x12", "parse", "--json", str(missing)], subprocess.DEVNULL)
        assert (done.returncode, done.stderr) == (2, f"error: {missing}: no such file\n")


@pytest.mark.parametrize(("command", "body"), [("validate", "validate_stream"), ("parse", "")])
def test_ctrl_c_exits_130_on_both_paths(
    command: str, body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.x12.json_stream
    import shared.x12.validation

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(shared.x12.validation, "validate_stream", interrupted)
    monkeypatch.setattr(shared.x12.json_stream, "write_json", interrupted)
    argv = ["x12", command, *([] if body else ["--json"]), str(_file(tmp_path))]
    typer_run = CliRunner().invoke(app, argv)
    with pytest.raises(SystemExit) as plain:
        run_plain(argv)
    assert plain.value.code == typer_run.exit_code == 130


BROKEN = """
import sys
import shared.x12.validation as validation

def broken(path, strict, sink):
    held = "PAT" + "IENT-NAME-7"  # a local a traceback with locals would print
    raise RuntimeError("checks broke " + str(len(held)))

validation.validate_stream = broken
"""


def test_an_unexpected_error_is_shown_by_typers_hook_with_locals_hidden(tmp_path: Path) -> None:
    path = str(_file(tmp_path))
    argv = ["x12", "validate", path]
    plain = _run(BROKEN + PLAIN, argv, subprocess.DEVNULL, COLUMNS="200")
    typer_run = _run(BROKEN + TYPER, argv, subprocess.DEVNULL, COLUMNS="200")
    for done in (plain, typer_run):
        assert done.returncode == 1
        assert done.stderr.rstrip().endswith("RuntimeError: checks broke 14")
        assert "PATIENT-NAME-7" not in done.stderr
    # The same hook: rich's box when Typer shows it with rich, a plain traceback otherwise.
    assert ("Traceback" in plain.stderr) and ("Traceback" in typer_run.stderr)
    assert ("╭" in plain.stderr) == ("╭" in typer_run.stderr)


def test_the_plain_run_imports_no_typer_click_pydantic_or_yaml(tmp_path: Path) -> None:
    """Typer and click (~80 ms) and Typer's pydantic adapters (~0.2 s) are the start-up a
    plain `x12 validate|parse` no longer pays; nor yaml (~15 ms) once the codes cache holds
    the packaged sources.yaml (the first run here fills it)."""
    path = _file(tmp_path)
    cache = {"REVCYCLE_CODES_CACHE_DIR": str(tmp_path / "codes-cache")}
    warm_up = _run(PLAIN, ["x12", "validate", str(path)], subprocess.DEVNULL, **cache)
    assert warm_up.returncode == 0, warm_up.stderr
    heavy = ("typer", "typer._click", "click", "pydantic", "rich", "yaml")
    for command in (["validate"], ["parse", "--json"], ["parse"]):
        script = (
            "import sys\n"
            f"sys.argv = ['revcycle', 'x12', *{command!r}, {str(path)!r}]\n"
            "from revcycle.entry import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as exc:\n"
            "    code = exc.code\n"
            f"print('LOADED:' + ','.join(m for m in {heavy!r} if m in sys.modules), code)\n"
        )
        done = _run(script, [], subprocess.PIPE, **cache)
        assert done.returncode == 0, done.stderr
        assert done.stdout.rsplit("LOADED:", 1)[1].split() == ["0"], command
