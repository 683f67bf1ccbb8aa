"""Start-up of `revcycle x12 validate|parse` (issue 9 point 8): what a run costs before the
file's size counts. Speed itself is measured by bench/x12_commands_bench.py; these tests pin
the pieces that make it: bytecode written by scripts/setup, no Typer on the plain path."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]


def _fake_checkout(root: Path) -> Path:
    """A checkout whose .venv is already installed (the stamp matches pyproject.toml), with
    one source module; setup's pip step must not run."""
    (root / "scripts").mkdir(parents=True)
    setup = root / "scripts" / "setup"
    setup.write_bytes((REPO / "scripts" / "setup").read_bytes())
    setup.chmod(0o755)
    pyproject = root / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'fake'\n")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "revcycle").write_text("#!/bin/sh\n")
    (bin_dir / "revcycle").chmod(0o755)
    stamp = hashlib.sha256(pyproject.read_bytes()).hexdigest()
    (root / ".venv" / ".revcycle-installed").write_text(stamp + "\n")
    (root / "shared").mkdir()
    source = root / "shared" / "mod.py"
    source.write_text("X = 1\n")
    return source


def _pyc_source_size(source: Path) -> int | None:
    """The source size a module's .pyc was compiled from (its header), None without one."""
    pyc = source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc"
    if not pyc.exists():
        return None
    return int.from_bytes(pyc.read_bytes()[12:16], "little")


def test_setup_writes_bytecode_for_changed_sources_even_when_installed(tmp_path: Path) -> None:
    """Under PYTHONDONTWRITEBYTECODE=1 Python never writes __pycache__ for the editable
    install, so every run compiled every module (~85 ms per command): setup writes it, on
    every run (a source changed since the install is compiled again), not only on install."""
    source = _fake_checkout(tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    setup = [str(tmp_path / "scripts" / "setup")]
    subprocess.run(setup, check=True, env=env, capture_output=True, timeout=60)
    assert _pyc_source_size(source) == len("X = 1\n")
    source.write_text("X = 12345\n")
    # compileall compares whole seconds of mtime: an edit is later than the last setup.
    later = source.stat().st_mtime + 5
    os.utime(source, (later, later))
    subprocess.run(setup, check=True, env=env, capture_output=True, timeout=60)
    assert _pyc_source_size(source) == len("X = 12345\n")


def test_pycache_is_ignored_by_git() -> None:
    ignored = (REPO / ".gitignore").read_text().split()
    assert "__pycache__/" in ignored and "*.pyc" in ignored


def _fresh_table(guide: str) -> Any:
    """A table built now (guide_table's are cached per process, some already used)."""
    import json

    from shared.x12 import guides

    return guides.GuideTable(json.loads((guides.HERE / f"{guide}.json").read_text()))


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call of the guide tables' `_compile` (the element specs it was given)."""
    from shared.x12 import guides

    calls: list[object] = []
    real = guides._compile

    def counting(specs: Any) -> Any:
        calls.append(specs)
        return real(specs)

    monkeypatch.setattr(guides, "_compile", counting)
    return calls


def test_segment_checks_are_compiled_on_first_use_only(compiled: list[object]) -> None:
    """A table compiles nothing when built (a one-claim 835 meets 18 of its 53 definitions,
    an 837P ~20 of 214: compiling all was ~30 ms of each 835 validated); a definition's
    check is compiled when first called, once."""

    table = _fresh_table("005010X221A1")
    assert compiled == []
    (lx,) = table.loops["2000"].segments["LX"]
    first = lx.fast
    assert lx.fast(["1"], ":") is True
    assert lx.fast is not first  # the compiled function took the stub's place
    assert lx.fast(["x"], ":") is False and lx.fast([], ":") is False
    assert len(compiled) == 1


def test_definitions_of_one_shape_share_code_but_keep_their_own_code_lists() -> None:
    """Same-shape definitions (2100 DTM 036 and DTM 050) compile to one source, bound to
    each definition's codes: each still refuses the other's qualifier."""
    table = _fresh_table("005010X221A1")
    by_code = {s.match_codes: s for s in table.loops["2100"].segments["DTM"]}
    expiration, received = by_code[frozenset({"036"})], by_code[frozenset({"050"})]
    assert expiration.fast(["036", "20260101"], ":") is True
    assert received.fast(["050", "20260101"], ":") is True
    assert expiration.fast(["050", "20260101"], ":") is False
    assert received.fast(["036", "20260101"], ":") is False
    assert expiration.fast.__code__ is received.fast.__code__


def test_loop_checks_compile_each_definition_once_however_many_loops(
    compiled: list[object],
) -> None:
    """check_loop's per-loop plans must reach each definition's check through the
    definition (never keep the stub): 50 claims compile what one claim does."""
    from shared.x12.reader import parse

    from .factories import remittance_835

    table = _fresh_table("005010X221A1")
    (transaction,) = parse(remittance_835()).transactions
    assert transaction.model is not None
    loops = list(transaction.model.walk())

    def check(times: int) -> None:
        for _ in range(times):
            for loop in loops:
                table.check_loop(loop, ":", "^", {}, [])

    check(1)
    once = len(compiled)
    assert once > 5
    check(50)
    assert len(compiled) == once
