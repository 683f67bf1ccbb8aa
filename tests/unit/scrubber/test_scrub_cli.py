"""`revcycle scrub FILE`: tables or JSON, exit 0 clean / 1 held / 2 unreadable input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from revcycle.cli import app
from testsupport.claims import institutional_claim, professional_claim

runner = CliRunner()
TODAY = ["--today", "2026-06-01"]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _claim_json(**overrides: object) -> str:
    return professional_claim(**overrides).model_dump_json()


def test_clean_claim_exits_zero(tmp_path: Path) -> None:
    path = _write(tmp_path, "claim.json", _claim_json())
    result = runner.invoke(app, ["scrub", str(path), *TODAY])
    assert result.exit_code == 0, result.output
    assert "no edits" in result.output and "1 claim(s): 0 held" in result.output


def test_held_claim_prints_the_edit_and_exits_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "claim.json", _claim_json(diagnoses=("E11",)))
    result = runner.invoke(app, ["scrub", str(path), *TODAY])
    assert result.exit_code == 1, result.output
    assert "DX004" in result.output and "HELD" in result.output


def test_list_of_claims_as_json_for_programs(tmp_path: Path) -> None:
    claims = [
        json.loads(_claim_json()),
        json.loads(institutional_claim(type_of_bill=None).model_dump_json()),
    ]
    path = _write(tmp_path, "claims.json", json.dumps(claims))
    result = runner.invoke(app, ["scrub", str(path), "--json", *TODAY])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert [item["held"] for item in payload] == [False, True]
    assert payload[1]["edits"][0] == {
        "code": "IN001",
        "severity": "error",
        "field": "type_of_bill",
        "message": "type of bill is missing",
        "fix": "Enter the type of bill, e.g. 011 hospital inpatient, 013 hospital outpatient.",
    }


def test_warnings_only_exit_zero(tmp_path: Path) -> None:
    path = _write(tmp_path, "claim.json", _claim_json(diagnoses=("E119", "I10")))
    result = runner.invoke(app, ["scrub", str(path), "--json", *TODAY])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["edits"][0]["code"] == "DX012"


def test_today_pins_the_timely_filing_judgment(tmp_path: Path) -> None:
    path = _write(tmp_path, "claim.json", _claim_json())
    result = runner.invoke(app, ["scrub", str(path), "--json", "--today", "2027-06-01"])
    assert result.exit_code == 1
    assert "DT004" in {e["code"] for e in json.loads(result.stdout)[0]["edits"]}


def test_rules_option_uses_the_office_file(tmp_path: Path) -> None:
    rules = _write(
        tmp_path, "office.yaml", "rules:\n  - id: hold-all\n    action: hold\n    message: stop\n"
    )
    path = _write(tmp_path, "claim.json", _claim_json())
    result = runner.invoke(app, ["scrub", str(path), "--rules", str(rules), "--json", *TODAY])
    assert result.exit_code == 1
    edit = json.loads(result.stdout)[0]["edits"][0]
    assert (edit["code"], edit["rule_id"], edit["message"]) == ("PR001", "hold-all", "stop")


def test_broken_rules_file_exits_two_with_the_line(tmp_path: Path) -> None:
    rules = _write(tmp_path, "office.yaml", "rules:\n  - id: a\n    action: block\n")
    path = _write(tmp_path, "claim.json", _claim_json())
    result = runner.invoke(app, ["scrub", str(path), "--rules", str(rules), *TODAY])
    assert result.exit_code == 2
    assert "line 3" in result.output and "action" in result.output


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "claim.json", '{\n  "patient_control_number": "A",\n  oops\n}')
    result = runner.invoke(app, ["scrub", str(path)])
    assert result.exit_code == 2
    assert "line 3, column 3" in result.output


def test_claim_failing_the_model_names_the_field_not_the_value(tmp_path: Path) -> None:
    data = json.loads(_claim_json())
    data["lines"][0]["charge"] = "twelve"
    data["subscriber"]["member_id"] = None
    path = _write(tmp_path, "claim.json", json.dumps([data]))
    result = runner.invoke(app, ["scrub", str(path)])
    assert result.exit_code == 2
    assert "claim 1" in result.output
    assert "lines.0.charge" in result.output and "subscriber.member_id" in result.output
    assert "twelve" not in result.output


def test_missing_file_and_empty_file_exit_two(tmp_path: Path) -> None:
    assert runner.invoke(app, ["scrub", str(tmp_path / "none.json")]).exit_code == 2
    empty = _write(tmp_path, "empty.json", "  \n")
    result = runner.invoke(app, ["scrub", str(empty)])
    assert result.exit_code == 2 and "empty" in result.output


def test_bad_today_exits_two(tmp_path: Path) -> None:
    path = _write(tmp_path, "claim.json", _claim_json())
    assert runner.invoke(app, ["scrub", str(path), "--today", "June"]).exit_code == 2


def test_scrub_docs_check_passes_on_the_checked_in_file() -> None:
    assert runner.invoke(app, ["scrub-docs", "--check"]).exit_code == 0


def test_broken_code_set_file_exits_two_naming_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared.codes.errors import CodeFileError

    def broken(data_dir: Path | None = None) -> None:
        raise CodeFileError(tmp_path / "modifiers.csv", 7, "expected 3 columns")

    monkeypatch.setattr("shared.codes.load_code_sets", broken)
    path = _write(tmp_path, "claim.json", _claim_json())
    result = runner.invoke(app, ["scrub", str(path), *TODAY])
    assert result.exit_code == 2
    assert "modifiers.csv:7: expected 3 columns" in result.output
