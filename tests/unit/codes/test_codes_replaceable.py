"""A billing office replaces a code-set file with a newer one, without a code change; bad files
are refused naming the file and the line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shared.codes import CodeFileError, load_code_sets
from shared.codes.sets import DEFAULT_DATA_DIR

NEW_CARC = "999,Newly published adjustment reason for this test\n"


def _order_line(number: int, code: str, billable: bool, description: str) -> str:
    # CMS icd10cm_order layout: order(5) sp code(7) sp flag(1) sp short(60) sp long
    return f"{number:05d} {code:<7} {int(billable)} {description[:60]:<60} {description}\n"


def test_replaced_carc_file_makes_a_new_code_known(office_dir: Path) -> None:
    original = (DEFAULT_DATA_DIR / "carc.csv").read_text()
    (office_dir / "carc.csv").write_text(original + NEW_CARC)
    (office_dir / "sources.yaml").write_text(
        "carc:\n  file: carc.csv\n  source: X12 CARC full list, office copy\n"
        "  as_of: 2026-03-01\n  version: '2026-03'\n"
    )
    default = load_code_sets()
    replaced = load_code_sets(office_dir)
    assert "999" not in default.carc
    assert replaced.carc["999"] == "Newly published adjustment reason for this test"
    assert replaced.sources["carc"].as_of == date(2026, 3, 1)
    assert replaced.sources["carc"].path == office_dir / "carc.csv"
    # Sets the office did not replace still come from the packaged files.
    assert replaced.sources["rarc"].path == DEFAULT_DATA_DIR / "rarc.csv"
    assert replaced.rarc == default.rarc


def test_codes_dir_named_by_environment_variable(
    office_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (office_dir / "place_of_service.csv").write_text(
        "# source: CMS POS code set, 2027 update\n# as_of: 2027-01-01\ncode,name\n"
        "11,Office\n98,Hypothetical New Place of Service\n"
    )
    monkeypatch.setenv("REVCYCLE_CODES_DIR", str(office_dir))
    replaced = load_code_sets()
    assert replaced.place_of_service["98"] == "Hypothetical New Place of Service"
    assert replaced.sources["place_of_service"].as_of == date(2027, 1, 1)
    assert replaced.sources["place_of_service"].source == "CMS POS code set, 2027 update"


def test_loaded_sets_are_cached_per_directory(office_dir: Path) -> None:
    assert load_code_sets(office_dir) is load_code_sets(office_dir)
    assert load_code_sets(office_dir) is not load_code_sets()


def test_replaced_file_without_source_or_as_of_is_refused(office_dir: Path) -> None:
    (office_dir / "rarc.csv").write_text("code,description\nN999,Something new\n")
    with pytest.raises(CodeFileError, match="needs 'source' and 'as_of'") as raised:
        load_code_sets(office_dir)
    assert raised.value.path == office_dir / "rarc.csv"


def test_bad_code_in_a_list_is_refused_naming_file_and_line(office_dir: Path) -> None:
    (office_dir / "modifiers.csv").write_text(
        "# source: office\n# as_of: 2026-01-01\ncode,description,kind\n"
        "25,Significant separately identifiable E/M,ncci\n"
        "5X9,Not a modifier,ncci\n"
    )
    with pytest.raises(CodeFileError) as raised:
        load_code_sets(office_dir)
    assert raised.value.path == office_dir / "modifiers.csv"
    assert raised.value.line == 5
    assert str(raised.value).startswith(f"{office_dir / 'modifiers.csv'}:5: '5X9' is not a valid")


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("code,description\n1,Deductible\n1,Deductible again\n", 5, "already listed on line 4"),
        ("code,description\n1,Deductible\n2\n", 5, "expected 2 columns"),
        ("code,desc\n1,Deductible\n", 3, "header must be code,description"),
        ("code,description\n1,\n", 4, "empty description"),
    ],
)
def test_malformed_list_rows(office_dir: Path, content: str, line: int, reason: str) -> None:
    (office_dir / "carc.csv").write_text("# source: office\n# as_of: 2026-01-01\n" + content)
    with pytest.raises(CodeFileError, match=reason) as raised:
        load_code_sets(office_dir)
    assert raised.value.line == line


def test_malformed_sex_age_rule_is_refused_naming_the_line(office_dir: Path) -> None:
    (office_dir / "icd10cm_sex_age.csv").write_text(
        "# source: office\n# as_of: 2026-01-01\n"
        "first,last,sex,age_min,age_max,category,note\n"
        "N40,N53,M,,,male,ok\n"
        "O00,O9A,F,64,9,maternity,ages backwards\n"
    )
    with pytest.raises(CodeFileError, match="age_min 64 is above age_max 9") as raised:
        load_code_sets(office_dir)
    assert raised.value.line == 5


def test_broken_sources_yaml_is_refused_naming_the_line(office_dir: Path) -> None:
    (office_dir / "sources.yaml").write_text("carc:\n  source: x\n as_of: [unclosed\n")
    with pytest.raises(CodeFileError, match="not valid YAML") as raised:
        load_code_sets(office_dir)
    assert raised.value.path == office_dir / "sources.yaml"
    assert raised.value.line is not None


def test_replaced_sex_age_file_changes_the_flags(office_dir: Path) -> None:
    (office_dir / "icd10cm_sex_age.csv").write_text(
        "# source: payer policy\n# as_of: 2026-02-01\n"
        "first,last,sex,age_min,age_max,category,note\n"
        "E119,E119,,18,,adult,payer-specific example\n"
    )
    replaced = load_code_sets(office_dir)
    found = replaced.icd10.lookup("E11.9")
    assert found is not None and (found.age_min, found.age_max) == (18, None)
    prostate = replaced.icd10.lookup("C61")
    assert prostate is not None and prostate.sex is None


def test_cms_icd10_order_file_replaces_the_packaged_list(
    office_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVCYCLE_CODES_CACHE_DIR", str(tmp_path / "cache"))
    (office_dir / "icd10cm_order_2027.txt").write_text(
        _order_line(1, "E11", False, "Type 2 diabetes mellitus")
        + _order_line(2, "E119", True, "Type 2 diabetes mellitus without complications")
        + _order_line(3, "E1199", True, "Type 2 diabetes mellitus, new FY2027 test code")
        + _order_line(4, "G63", True, "Polyneuropathy in diseases classified elsewhere")
    )
    replaced = load_code_sets(office_dir)
    new = replaced.icd10.lookup("E11.99")
    assert new is not None and new.billable and new.chapter == "4"
    assert replaced.icd10.lookup("G63") is not None
    assert replaced.icd10.lookup("G63").manifestation  # type: ignore[union-attr]
    assert replaced.icd10.lookup("A000") is None
    assert len(replaced.icd10) == 4
    source = replaced.sources["icd10cm"]
    assert (source.version, source.effective_from) == ("FY2027", date(2026, 10, 1))
    assert list((tmp_path / "cache").glob("icd10cm-*.marshal"))


def test_malformed_icd10_order_file_names_the_line(
    office_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVCYCLE_CODES_CACHE_DIR", str(tmp_path / "cache"))
    (office_dir / "icd10cm_order_2027.txt").write_text(
        _order_line(1, "E11", False, "Type 2 diabetes mellitus")
        + _order_line(2, "E119", True, "ok").replace(" 1 ", " 7 ", 1)
    )
    with pytest.raises(CodeFileError, match="header flag must be 0 or 1") as raised:
        load_code_sets(office_dir)
    assert raised.value.line == 2


def test_office_ncci_files_replace_the_demo_tables(office_dir: Path) -> None:
    ncci = office_dir / "ncci"
    ncci.mkdir()
    (ncci / "ccipra-v321r0-f1.txt").write_text(
        "CPT only copyright American Medical Association\n"
        "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\t"
        "Modifier\tPTP Edit Rationale\n"
        "29881\t29880\t\t20260101\t*\t0\tMutually exclusive procedures\n"
    )
    replaced = load_code_sets(office_dir)
    assert replaced.ncci.ptp("29880", "29881", date(2026, 1, 2)) is not None
    assert replaced.ncci.ptp("80053", "82947", date(2026, 1, 2)) is None
    assert replaced.sources["ncci"].as_of == date(2026, 1, 1)
    assert "ccipra-v321r0-f1.txt" in replaced.sources["ncci"].source


def test_missing_codes_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CodeFileError, match="codes directory does not exist"):
        load_code_sets(tmp_path / "nowhere")


def test_sources_yaml_naming_an_unknown_set_is_refused(office_dir: Path) -> None:
    (office_dir / "sources.yaml").write_text("cark:\n  source: x\n  as_of: 2026-01-01\n")
    with pytest.raises(CodeFileError, match="unknown code set\\(s\\) cark") as raised:
        load_code_sets(office_dir)
    assert raised.value.path == office_dir / "sources.yaml"


def test_sources_yaml_naming_a_missing_file_is_refused(office_dir: Path) -> None:
    (office_dir / "sources.yaml").write_text(
        "carc:\n  file: carc_2026.csv\n  source: x\n  as_of: 2026-01-01\n"
    )
    with pytest.raises(CodeFileError, match="carc: file carc_2026.csv is not in"):
        load_code_sets(office_dir)


def test_replaced_file_under_another_name_is_used(office_dir: Path) -> None:
    (office_dir / "carc_2026.csv").write_text("code,description\n1,Deductible amount\n")
    (office_dir / "sources.yaml").write_text(
        "carc:\n  file: carc_2026.csv\n  source: X12 CARC 2026\n  as_of: 2026-03-01\n"
    )
    replaced = load_code_sets(office_dir)
    assert replaced.carc == {"1": "Deductible amount"}
    assert replaced.sources["carc"].path == office_dir / "carc_2026.csv"


def test_history_rows_from_two_order_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.codes.history import main as history_main

    old, new = tmp_path / "icd10cm_order_2026.txt", tmp_path / "icd10cm_order_2027.txt"
    old.write_text(
        _order_line(1, "E78", False, "Disorders of lipoprotein metabolism")
        + _order_line(2, "E7801", True, "Familial hypercholesterolemia")
        + _order_line(3, "S301XXA", True, "Contusion of abdominal wall, initial encounter")
        + _order_line(4, "E119", True, "Type 2 diabetes mellitus without complications")
    )
    new.write_text(
        _order_line(1, "E78", False, "Disorders of lipoprotein metabolism")
        + _order_line(2, "E7801", False, "Familial hypercholesterolemia")
        + _order_line(3, "E78010", True, "Homozygous familial hypercholesterolemia")
        + _order_line(4, "E119", True, "Type 2 diabetes mellitus without complications")
    )
    assert history_main([str(old), str(new), "--effective", "2026-10-01", "--header"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "code,change,valid_from,valid_to,description",
        "E7801,expanded,,2026-09-30,Familial hypercholesterolemia",
        "E78010,added,2026-10-01,,Homozygous familial hypercholesterolemia",
        'S301XXA,deleted,,2026-09-30,"Contusion of abdominal wall, initial encounter"',
    ]


def test_summary_command_lists_sources_or_the_file_error(
    office_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.codes.__main__ import main as summary_main

    assert summary_main([]) == 0
    out = capsys.readouterr().out
    assert "icd10cm " in out and "FY2026" in out and "place_of_service" in out
    (office_dir / "carc.csv").write_text(
        "# source: x\n# as_of: 2026-01-01\ncode,description\n!,x\n"
    )
    assert summary_main([str(office_dir)]) == 1
    assert f"{office_dir / 'carc.csv'}:4:" in capsys.readouterr().err


def test_empty_office_ncci_directory_means_no_ncci_edits(office_dir: Path) -> None:
    (office_dir / "ncci").mkdir()
    replaced = load_code_sets(office_dir)
    assert replaced.ncci.ptp_count == 0 and replaced.ncci.mue_count == 0
    assert replaced.ncci.ptp("80053", "82947", date(2026, 1, 2)) is None
    assert "no NCCI edits applied" in replaced.sources["ncci"].source
    assert load_code_sets().ncci.ptp("80053", "82947", date(2026, 1, 2)) is not None
