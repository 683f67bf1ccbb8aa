"""ICD-10-CM: existence, billable leaf, chapter, sex/age, manifestation, external cause, dates."""

from __future__ import annotations

from datetime import date

import pytest

from shared.codes import CodeSets


@pytest.mark.parametrize("spelling", ["E119", "E11.9", "e11.9", " e119 "])
def test_code_found_with_or_without_dot_in_any_case(code_sets: CodeSets, spelling: str) -> None:
    found = code_sets.icd10.lookup(spelling)
    assert found is not None
    assert found.code == "E119"
    assert found.dotted == "E11.9"
    assert found.description == "Type 2 diabetes mellitus without complications"


@pytest.mark.parametrize("missing", ["E1199", "XYZ", "", "E11.99.9", "U99", "1", "A00-A09"])
def test_codes_cms_never_listed_are_not_found(code_sets: CodeSets, missing: str) -> None:
    assert code_sets.icd10.lookup(missing) is None
    assert missing not in code_sets.icd10
    assert not code_sets.icd10.valid_on(missing, date(2026, 1, 15))


def test_category_with_subcodes_is_a_header_not_billable(code_sets: CodeSets) -> None:
    header = code_sets.icd10.lookup("E11")
    assert header is not None and not header.billable
    leaf = code_sets.icd10.lookup("E119")
    assert leaf is not None and leaf.billable
    assert not code_sets.icd10.valid_on("E11", date(2026, 1, 15))
    assert code_sets.icd10.valid_on("E11.9", date(2026, 1, 15))


def test_seventh_character_extensions_are_billable_codes(code_sets: CodeSets) -> None:
    fracture = code_sets.icd10.lookup("S72.001A")
    assert fracture is not None and fracture.billable
    assert "initial encounter for closed fracture" in fracture.description
    # CMS titles the alternative extension by its first wording only, without the package's tab.
    open_fracture = code_sets.icd10.lookup("S72001B")
    assert open_fracture is not None
    assert open_fracture.description.endswith("initial encounter for open fracture type I or II")
    parent = code_sets.icd10.lookup("S72001")
    assert parent is not None and not parent.billable


@pytest.mark.parametrize(
    ("code", "chapter", "chapter_range"),
    [
        ("A000", "1", "A00-B99"),
        ("E119", "4", "E00-E89"),
        ("D3A010", "2", "C00-D49"),
        ("O9A211", "15", "O00-O9A"),
        ("QA0010", "17", "Q00-QA0"),
        ("S72001A", "19", "S00-T88"),
        ("V0001XA", "20", "V00-Y99"),
        ("U071", "22", "U00-U85"),
    ],
)
def test_chapter_and_its_range(
    code_sets: CodeSets, code: str, chapter: str, chapter_range: str
) -> None:
    found = code_sets.icd10.lookup(code)
    assert found is not None
    assert (found.chapter, found.chapter_range) == (chapter, chapter_range)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_code_agrees_with_the_cms_tabular_list_on_billable_and_chapter(
    code_sets: CodeSets,
) -> None:
    # The catalog is read from a cached index and a chapter table; the package's own tree is
    # the reference, so a stale cache or a wrong chapter range fails here.
    import simple_icd_10_cm as icd  # type: ignore[import-untyped]

    mismatches = []
    # The package's list repeats a few codes; each one is checked once.
    codes = {code for code in icd.get_all_codes(False) if not code.isdigit() and "-" not in code}
    for code in codes:
        found = code_sets.icd10.lookup(code)
        chapter = icd.get_ancestors(code)[-1]
        if found is None or found.billable != icd.is_leaf(code) or found.chapter != chapter:
            mismatches.append(code)
    assert len(codes) == len(code_sets.icd10) > 90_000
    assert mismatches == []


@pytest.mark.parametrize(
    ("code", "sex"),
    [
        ("C61", "M"),
        ("N400", "M"),
        ("Q540", "M"),
        ("Z125", "M"),
        ("C539", "F"),
        ("N803", "F"),
        ("O80", "F"),
        ("Z3A10", "F"),
        ("Q980", "M"),
        ("Q969", "F"),
        ("R9720", "M"),
        ("E119", None),
        ("D3A010", None),
    ],
)
def test_sex_specific_codes(code_sets: CodeSets, code: str, sex: str | None) -> None:
    found = code_sets.icd10.lookup(code)
    assert found is not None
    assert found.sex == sex


@pytest.mark.parametrize(
    ("code", "age_min", "age_max"),
    [
        ("P0700", 0, 0),
        ("Z3800", 0, 0),
        ("Z0012", 0, 17),
        ("O80", 9, 64),
        ("Z3A10", 9, 64),
        ("H2510", 15, 124),
        ("E119", None, None),
    ],
)
def test_age_specific_codes(
    code_sets: CodeSets, code: str, age_min: int | None, age_max: int | None
) -> None:
    found = code_sets.icd10.lookup(code)
    assert found is not None
    assert (found.age_min, found.age_max) == (age_min, age_max)


@pytest.mark.parametrize(
    ("code", "manifestation"),
    [
        ("F0280", True),  # "Dementia in other diseases classified elsewhere"
        ("G63", True),  # "Polyneuropathy in diseases classified elsewhere"
        ("D631", True),  # inherits from D63 "Anemia in chronic diseases classified elsewhere"
        ("G460", True),  # curated: vascular syndromes of brain in cerebrovascular diseases
        ("B950", False),  # infectious agent "as the cause of diseases classified elsewhere"
        ("E119", False),
        ("N183", False),
    ],
)
def test_manifestation_codes(code_sets: CodeSets, code: str, manifestation: bool) -> None:
    found = code_sets.icd10.lookup(code)
    assert found is not None
    assert found.manifestation is manifestation


@pytest.mark.parametrize(
    ("code", "external"),
    [("V0001XA", True), ("W010XXA", True), ("Y929", True), ("S72001A", False), ("Z23", False)],
)
def test_external_cause_codes(code_sets: CodeSets, code: str, external: bool) -> None:
    found = code_sets.icd10.lookup(code)
    assert found is not None
    assert found.external_cause is external


def test_code_added_in_fy2026_is_valid_only_from_october_2025(code_sets: CodeSets) -> None:
    found = code_sets.icd10.lookup("B88.01")
    assert found is not None and found.billable
    assert found.valid_from == date(2025, 10, 1)
    assert not code_sets.icd10.valid_on("B8801", date(2025, 9, 30))
    assert code_sets.icd10.valid_on("B8801", date(2025, 10, 1))


def test_code_deleted_in_fy2026_is_known_and_valid_only_before_october_2025(
    code_sets: CodeSets,
) -> None:
    found = code_sets.icd10.lookup("S30.1XXA")
    assert found is not None
    assert found.valid_to == date(2025, 9, 30)
    assert code_sets.icd10.valid_on("S301XXA", date(2025, 9, 30))
    assert not code_sets.icd10.valid_on("S301XXA", date(2025, 10, 1))


def test_code_expanded_into_subcodes_was_billable_before_and_is_a_header_now(
    code_sets: CodeSets,
) -> None:
    found = code_sets.icd10.lookup("E78.01")
    assert found is not None and not found.billable
    assert code_sets.icd10.valid_on("E7801", date(2025, 6, 1))
    assert not code_sets.icd10.valid_on("E7801", date(2025, 11, 1))
    assert [w.change for w in code_sets.icd10.history("E78.01")] == ["expanded"]


def test_icd10_source_names_the_fiscal_year(code_sets: CodeSets) -> None:
    source = code_sets.sources["icd10cm"]
    assert source.version == "FY2026"
    assert source.effective_from == date(2025, 10, 1)
    assert source.effective_to == date(2026, 9, 30)
    assert "simple-icd-10-cm" in source.source
