"""`revcycle x12 parse|validate`: exit codes, positions in messages, JSON output, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from revcycle.cli import app
from shared.x12.reader import iter_parse

from .factories import claim_837p, remittance_835

runner = CliRunner()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


def test_validate_valid_file_exits_0(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["x12", "validate", str(write(tmp_path, "ok.835", remittance_835()))]
    )
    assert result.exit_code == 0, result.output
    assert "valid (0 error(s)" in result.output


def test_validate_invalid_file_exits_1_and_lists_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.835", remittance_835(se02="0002", bpr_amount="99.00"))
    result = runner.invoke(app, ["x12", "validate", str(path)])
    assert result.exit_code == 1
    assert "element SE02" in result.output and "(SE)" in result.output
    assert "element BPR02" in result.output


def test_validate_json_lists_issues(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.835", remittance_835(iea02="000000999"))
    result = runner.invoke(app, ["x12", "validate", "--json", str(path)])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False
    assert doc["issues"][0]["segment_id"] == "IEA" and doc["issues"][0]["element"] == 2


def test_parse_json_is_the_typed_model(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["x12", "parse", "--json", str(write(tmp_path, "c.837", claim_837p()))]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (t,) = doc["transactions"]
    assert t["kind"] == "837P"
    claim = t["model"]["billing_providers"][0]["subscribers"][0]["claims"][0]
    assert claim["loop"] == "2300" and claim["clm"]["total_charge"] == "150.00"


def test_parse_summary_has_counts_but_no_patient_names(tmp_path: Path) -> None:
    result = runner.invoke(app, ["x12", "parse", str(write(tmp_path, "r.835", remittance_835()))])
    assert result.exit_code == 0
    assert "2 claim(s)" in result.output and "payment 80.00" in result.output
    assert "DOE" not in result.output


def test_garbage_and_missing_files_give_errors_not_tracebacks(tmp_path: Path) -> None:
    garbage = write(tmp_path, "g.txt", "\x00\x01 not edi at all")
    for args in (
        ["parse", str(garbage)],
        ["parse", str(tmp_path / "nope")],
        ["validate", str(tmp_path)],
    ):
        result = runner.invoke(app, ["x12", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    result = runner.invoke(app, ["x12", "validate", str(garbage)])
    assert result.exit_code == 1 and "not an X12 document" in result.output


def test_iter_parse_streams_typed_transactions_from_chunks() -> None:
    text = remittance_835() + remittance_835(
        isa13="000000102", iea02="000000102", st02="0002", se02="0002"
    )
    chunks = (text[i : i + 50] for i in range(0, len(text), 50))
    issues: list = []
    parsed = iter_parse(chunks, issues)
    first = next(parsed)
    assert first.kind == "835" and first.envelope.control_number == "0001"
    assert len(list(first.model.claims())) == 2  # type: ignore[union-attr]
    rest = list(parsed)
    assert [t.envelope.control_number for t in rest] == ["0002"]
    assert issues == []


def _modules_loaded_by(args: list[str], tmp_path: Path) -> set[str]:
    """Run `revcycle ARGS` in a fresh interpreter; the heavy modules it imported."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from revcycle.cli import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('fastapi', 'sqlalchemy', 'pydantic_settings', 'kafka', 'shared.x12.validation')\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.rsplit("LOADED:", 1)[1].strip()
    return set(filter(None, last.split(",")))


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("demo", "events", "infra", "projections", "relay", "scrub", "serve", "x12"):
        assert name in result.output
    assert _modules_loaded_by(["--help"], tmp_path) == set()


def test_x12_validate_loads_the_x12_toolkit_but_no_server_or_database(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.835", remittance_835())
    loaded = _modules_loaded_by(["x12", "validate", str(path)], tmp_path)
    assert loaded == {"shared.x12.validation"}


def test_parse_summary_never_counts_a_missing_claim_charge_as_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "c.837", claim_837p(clm02=""))
    result = runner.invoke(app, ["x12", "parse", str(path)])
    assert result.exit_code == 0, result.output
    assert "total charge 0 (1 claim(s) without CLM02)" in result.output


def test_validate_strict_fails_on_layout_the_default_only_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "r.835", remittance_835().replace("~TRN*", "~  TRN*"))
    tolerant = runner.invoke(app, ["x12", "validate", str(path)])
    strict = runner.invoke(app, ["x12", "validate", "--strict", str(path)])
    assert tolerant.exit_code == 0 and "leading_whitespace" in tolerant.output
    assert strict.exit_code == 1 and "error: segment" in strict.output


def test_parse_jsonl_prints_one_claim_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, "r.835", remittance_835())
    result = runner.invoke(app, ["x12", "parse", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["record"] for r in records].count("claim") == 2
