"""NCCI PTP and MUE: CMS file layouts, effective/deletion dates, modifier indicators, quarters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shared.codes import CodeFileError, CodeSets, ncci
from shared.codes.ncci import PtpEdit, detect_kind, load_ncci_dir, read_mue_file, read_ptp_file

ON = date(2026, 2, 10)

PTP_HEADER = (
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\t"
    "Deletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\t"
    "PTP Edit Rationale\n"
)


def test_pair_with_indicator_zero_found_in_either_order_as_published(code_sets: CodeSets) -> None:
    edit = code_sets.ncci.ptp("82947", "80053", ON)
    assert edit is not None
    assert (edit.column1, edit.column2) == ("80053", "82947")
    assert edit.modifier_indicator == "0"
    assert not edit.modifier_allowed
    assert code_sets.ncci.ptp("80053", "82947", ON) == edit


def test_pair_with_indicator_one_allows_a_modifier(code_sets: CodeSets) -> None:
    edit = code_sets.ncci.ptp("99213", "96372", ON)
    assert edit is not None
    assert edit.modifier_indicator == "1"
    assert edit.modifier_allowed


def test_pair_with_indicator_nine_is_reported_as_not_applicable(code_sets: CodeSets) -> None:
    edit = code_sets.ncci.ptp("99211", "36415", date(2025, 1, 1))
    assert edit is not None
    assert edit.modifier_indicator == "9"


def test_deleted_pair_applies_through_its_deletion_date_only(code_sets: CodeSets) -> None:
    assert code_sets.ncci.ptp("11042", "97597", date(2023, 12, 31)) is not None
    assert code_sets.ncci.ptp("11042", "97597", date(2024, 1, 1)) is None
    history = code_sets.ncci.ptp_history("97597", "11042")
    assert [e.deletion for e in history] == [date(2023, 12, 31)]


def test_pair_applies_from_its_effective_date(code_sets: CodeSets) -> None:
    assert code_sets.ncci.ptp("97161", "97110", date(2026, 3, 31)) is None
    assert code_sets.ncci.ptp("97161", "97110", date(2026, 4, 1)) is not None


def test_prior_1996_marker_is_read(code_sets: CodeSets) -> None:
    edit = code_sets.ncci.ptp("97110", "97530", ON)
    assert edit is not None and edit.prior_1996


def test_unrelated_codes_have_no_edit(code_sets: CodeSets) -> None:
    assert code_sets.ncci.ptp("99213", "80053", ON) is None


def test_mue_units_and_adjudication_indicator(code_sets: CodeSets) -> None:
    mue = code_sets.ncci.mue("36415", ON)
    assert mue is not None
    assert (mue.units, mue.adjudication_indicator) == (2, "2")
    assert mue.adjudication_description == "Date of Service Edit: Policy"
    assert mue.per_date_of_service
    line_edit = code_sets.ncci.mue("20610", ON)
    assert line_edit is not None and line_edit.adjudication_indicator == "1"
    assert not line_edit.per_date_of_service
    assert code_sets.ncci.mue("99999", ON) is None


def test_mue_comes_from_the_quarter_in_effect_on_the_date_of_service(code_sets: CodeSets) -> None:
    january = code_sets.ncci.mue("97110", date(2026, 3, 31))
    april = code_sets.ncci.mue("97110", date(2026, 4, 1))
    assert january is not None and april is not None
    assert (january.units, april.units) == (6, 8)
    assert code_sets.ncci.mue("97110", date(2025, 12, 31)) is None


def test_cms_csv_ptp_layout_with_two_header_rows(tmp_path: Path) -> None:
    path = tmp_path / "ccioph-v321r0-f1.csv"
    path.write_text(
        '"CPT only copyright 2025 American Medical Association, All rights reserved."\n'
        '"Column 1","Column 2","*=in existence prior to 1996","Effective Date","Deletion Date",'
        '"Modifier","PTP Edit Rationale"\n'
        '"","","","","*=no data","0=not allowed 1=allowed 9=not applicable",""\n'
        '"10021","76942","","20190101","*","1","Standards of medical / surgical services"\n'
        '"G0471","36415","","20200101","20201231","9","HCPCS/CPT procedure code definition"\n'
    )
    edits = read_ptp_file(path)
    assert [(e.column1, e.column2, e.modifier_indicator) for e in edits] == [
        ("10021", "76942", "1"),
        ("G0471", "36415", "9"),
    ]
    assert edits[1].deletion == date(2020, 12, 31)


def test_mue_file_effective_date_from_cms_file_name(tmp_path: Path) -> None:
    (tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv").write_text(
        '"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator",'
        '"MUE Rationale"\n"99213","1","2 Date of Service Edit: Policy","Nature of Service"\n'
    )
    tables = load_ncci_dir(tmp_path)
    assert tables.mue("99213", date(2026, 6, 30)) is None
    mue = tables.mue("99213", date(2026, 7, 1))
    assert mue is not None and mue.service_type == "Practitioner Services"


def test_mue_file_without_an_effective_date_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_text('"HCPCS/CPT Code","Practitioner Services MUE Values","MAI"\n"99213","1","2"\n')
    with pytest.raises(CodeFileError, match="no effective date") as raised:
        load_ncci_dir(tmp_path)
    assert raised.value.path == path


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("80053\t82947\t\t20260101\t*\t2\tx\n", "modifier indicator must be 0, 1 or 9"),
        ("80053\t82947\t\t2026-01-01\t*\t1\tx\n", "effective date must be YYYYMMDD"),
        ("80053\t82947\t\t20261301\t*\t1\tx\n", "not a calendar date"),
        ("80053\t82947\t\t20260101\t20250101\t1\tx\n", "before effective date"),
        ("80053\t8294\t\t20260101\t*\t1\tx\n", "column 2 '8294' is not a CPT/HCPCS code"),
        ("80053\t82947\t\t20260101\n", "at least 6 columns"),
    ],
)
def test_malformed_ptp_row_is_refused_with_file_and_line(
    tmp_path: Path, row: str, reason: str
) -> None:
    path = tmp_path / "ptp.txt"
    good = "80048\t82947\t\t20000101\t*\t0\tCPT Manual\n"
    path.write_text("DEMO\n" + PTP_HEADER + good + row)
    with pytest.raises(CodeFileError, match=reason) as raised:
        read_ptp_file(path)
    assert raised.value.line == 4
    assert f"{path}:4:" in str(raised.value)


def test_malformed_mue_units_are_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_text(
        '"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator"\n'
        '"99213","1","2 Date of Service Edit: Policy"\n'
        '"99214","one","2 Date of Service Edit: Policy"\n'
    )
    with pytest.raises(CodeFileError, match="whole number of units") as raised:
        read_mue_file(path)
    assert raised.value.line == 3


def test_file_that_is_neither_ptp_nor_mue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("CPT codes, descriptions and other data, copyright AMA, MUE\n")
    assert detect_kind(path) is None
    with pytest.raises(CodeFileError, match="not an NCCI PTP or MUE file"):
        load_ncci_dir(tmp_path)


def test_every_field_survives_the_compact_index(tmp_path: Path) -> None:
    path = tmp_path / "ptp.txt"
    path.write_text(
        PTP_HEADER
        + "97110\t97530\t*\t19960101\t*\t1\tMisuse of column two code with column one code\n"
        + "G0471\t36415\t\t20200101\t20201231\t9\tHCPCS/CPT procedure code definition\n"
    )
    tables = load_ncci_dir(tmp_path)
    assert read_ptp_file(path) == [
        tables.ptp_history("97110", "97530")[0],
        tables.ptp_history("G0471", "36415")[0],
    ]
    first = tables.ptp("97530", "97110", date(2026, 1, 1))
    assert first == PtpEdit(
        "97110",
        "97530",
        date(1996, 1, 1),
        None,
        "1",
        True,
        "Misuse of column two code with column one code",
    )


def test_pair_deleted_then_published_again_with_another_indicator(tmp_path: Path) -> None:
    (tmp_path / "ptp.txt").write_text(
        PTP_HEADER
        + "29881\t29880\t\t20150101\t20201231\t1\tMutually exclusive procedures\n"
        + "29881\t29880\t\t20220101\t*\t0\tMutually exclusive procedures\n"
    )
    tables = load_ncci_dir(tmp_path)
    old = tables.ptp("29881", "29880", date(2019, 5, 1))
    new = tables.ptp("29880", "29881", date(2023, 5, 1))
    assert old is not None and old.modifier_indicator == "1"
    assert tables.ptp("29881", "29880", date(2021, 6, 1)) is None
    assert new is not None and new.modifier_indicator == "0"
    assert len(tables.ptp_history("29881", "29880")) == 2


def test_parsed_ptp_file_is_read_from_the_cache_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "ncci"
    directory.mkdir()
    path = directory / "ccipra-v321r0-f1.txt"
    path.write_text(PTP_HEADER + "80053\t82947\t\t20000101\t*\t0\tCPT Manual\n")
    assert load_ncci_dir(directory).ptp_count == 1

    def refuse(_: Path) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(ncci, "_parse_ptp", refuse)
    assert load_ncci_dir(directory).ptp("82947", "80053", ON) is not None
    path.write_text(path.read_text() + "80048\t82947\t\t20000101\t*\t0\tCPT Manual\n")
    with pytest.raises(AssertionError, match="parsed again"):
        load_ncci_dir(directory)


def test_edits_added_in_code_join_the_file_tables(code_sets: CodeSets) -> None:
    tables = load_ncci_dir(code_sets.sources["ncci"].path)  # type: ignore[arg-type]
    tables.add_ptp([PtpEdit("0591T", "0592T", date(2026, 1, 1), None, "1")])
    assert tables.ptp("0592T", "0591T", ON) is not None
    assert tables.ptp("80053", "82947", ON) is not None
    assert tables.ptp("badcode", "0591T", ON) is None
