"""Modifiers, place of service, CARC/RARC, claim status, frequency codes: content and sources."""

from __future__ import annotations

import pytest

from shared.codes import CodeSets

REQUIRED_MODIFIERS = (
    "25 26 TC 50 51 59 XE XS XP XU 76 77 91 95 93 GT GQ FQ LT RT E1 E2 E3 E4 FA F1 F2 F3 F4 "
    "F5 F6 F7 F8 F9 TA T1 T2 T3 T4 T5 T6 T7 T8 T9 24 57 79 80 82 AS GA GY GZ KX QW 22 52 53"
).split()


def test_modifiers_have_meanings_and_kinds(code_sets: CodeSets) -> None:
    missing = [m for m in REQUIRED_MODIFIERS if m not in code_sets.modifiers]
    assert missing == []
    assert code_sets.modifiers["26"].kind == "pricing"
    assert code_sets.modifiers["LT"].kind == "anatomic"
    assert "Distinct procedural service" in code_sets.modifiers["59"].description
    assert code_sets.modifiers_of_kind("ncci") >= {"59", "XE", "XS", "XP", "XU"}
    assert code_sets.modifiers_of_kind("telehealth") >= {"95", "93", "GT", "GQ", "FQ"}
    assert "ZZ" not in code_sets.modifiers


def test_place_of_service_includes_both_telehealth_codes(code_sets: CodeSets) -> None:
    pos = code_sets.place_of_service
    assert pos["02"].startswith("Telehealth Provided Other than")
    assert pos["10"] == "Telehealth Provided in Patient's Home"
    assert pos["11"] == "Office"
    assert pos["21"] == "Inpatient Hospital"
    assert pos["23"] == "Emergency Room - Hospital"
    assert "30" not in pos  # unassigned
    assert len(pos) >= 50


@pytest.mark.parametrize(
    "code", "1 2 3 4 16 18 22 23 24 26 27 29 31 45 50 96 97 109 119 151 197 204 242 253".split()
)
def test_common_carcs_have_descriptions(code_sets: CodeSets, code: str) -> None:
    assert code_sets.carc[code]


def test_carc_descriptions_keep_their_commas(code_sets: CodeSets) -> None:
    assert code_sets.carc["115"] == "Procedure postponed, canceled, or delayed"
    assert code_sets.carc["45"].startswith("Charge exceeds fee schedule")


@pytest.mark.parametrize("code", "M15 M76 M80 MA04 MA130 N4 N20 N30 N130 N290 N362 N386".split())
def test_common_rarcs_have_descriptions(code_sets: CodeSets, code: str) -> None:
    assert code_sets.rarc[code]


def test_claim_status_categories(code_sets: CodeSets) -> None:
    categories = code_sets.claim_status_categories
    for code in [
        *(f"A{i}" for i in range(9)),
        "D0",
        *(f"E{i}" for i in range(5)),
        *(f"F{i}" for i in range(5)),
        *(f"P{i}" for i in range(6)),
        "R0",
        "R16",
    ]:
        assert code in categories, code
    assert "Paid" in categories["F1"] or "paid" in categories["F1"]
    assert "R2" not in categories


def test_claim_status_codes_are_pyx12s_copy_of_code_list_508(code_sets: CodeSets) -> None:
    import xml.etree.ElementTree as ET
    from pathlib import Path

    import pyx12  # type: ignore[import-untyped]  # development dependency, no stubs

    root = ET.parse(Path(pyx12.__file__).parent / "map" / "codes.xml").getroot()
    (codeset,) = [c for c in root if c.findtext("id") == "claim_status"]
    source = [c.text for c in codeset.iter("code")]
    assert list(code_sets.claim_status_codes) == source
    assert len(source) == 759 and {"0", "19", "20", "21", "771"} <= set(source)
    assert "pyx12 4.0.0" in code_sets.sources["claim_status_codes"].source


def test_frequency_codes_one_to_eight(code_sets: CodeSets) -> None:
    assert sorted(code_sets.frequency_codes) == [str(i) for i in range(1, 9)]
    assert "Replacement" in code_sets.frequency_codes["7"]
    assert "Void" in code_sets.frequency_codes["8"]


def test_every_set_records_its_source_and_as_of_date(code_sets: CodeSets) -> None:
    expected = {
        "icd10cm",
        "icd10cm_chapters",
        "icd10cm_sex_age",
        "icd10cm_manifestation",
        "icd10cm_history",
        "modifiers",
        "place_of_service",
        "carc",
        "rarc",
        "claim_status_categories",
        "claim_status_codes",
        "frequency_codes",
        "ncci",
    }
    assert expected <= set(code_sets.sources)
    for name, info in code_sets.sources.items():
        assert info.source, name
        assert info.as_of.year >= 2025, name
        assert info.path is not None and info.path.exists(), name
    assert "SUBSET" in code_sets.sources["carc"].source
    assert "DEMO" in code_sets.sources["ncci"].source
