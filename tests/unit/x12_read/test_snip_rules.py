"""WEDI SNIP types 2-5: each file breaks one rule only, and the error names it.

Every case starts from a file our validator and pyx12 both accept (the 837 writers' output
for the factory claims, the 835 and 277CA factories), changes one thing, and expects
exactly the findings of that one rule: issue code (the rule), segment position, segment
and element. SNIP 1 (envelopes) is in test_snip1_envelope.py; the rule table is in
docs/x12-validation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.errors import Issue
from shared.x12.rules import RULES, rules_table
from shared.x12.validation import validate
from shared.x12.x12_277_005010X214.writer import write_277ca
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i
from testsupport.acknowledgments import claim_acknowledgment
from testsupport.claims import (
    institutional_claim,
    professional_claim,
    professional_claim_child_patient,
    professional_claim_replacement,
    professional_claim_secondary,
    professional_claim_several_lines,
)
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

from .factories import remittance_835


def _837p(factory: Callable[[], object]) -> Callable[[], str]:
    def write() -> str:
        return write_837p(
            [factory()], submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )  # type: ignore[list-item]  # fmt: skip

    return write


def _837i() -> str:
    return write_837i(
        [institutional_claim()], submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _277ca() -> str:
    claims = [professional_claim(), professional_claim_several_lines()]
    ack = claim_acknowledgment(
        claims,
        batch_reference="BATCH1",
        processed=date(2026, 3, 12),
    )
    return write_277ca(
        [ack], sender=Party("CLEARX", "ZZ"), receiver=Party("RIVERBEND01", "ZZ"),
        created_at=datetime(2026, 3, 12, 9, 30, tzinfo=UTC), numbers=InMemoryControlNumbers(),
    )  # fmt: skip


PROFESSIONAL = _837p(professional_claim)
SECONDARY = _837p(professional_claim_secondary)
CHILD = _837p(professional_claim_child_patient)
REPLACEMENT = _837p(professional_claim_replacement)
BASES: dict[str, Callable[[], str]] = {
    "837P": PROFESSIONAL,
    "837P secondary": SECONDARY,
    "837P child": CHILD,
    "837P replacement": REPLACEMENT,
    "837I": _837i,
    "835": remittance_835,
    "277CA": _277ca,
}


def _recount(text: str) -> str:
    """SE01 set to the set's real length after a case added or removed a segment."""
    segments = [s.strip() for s in text.split("~") if s.strip()]
    start = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    end = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    se = segments[end].split("*")
    se[1] = str(end - start + 1)
    segments[end] = "*".join(se)
    return "~\n".join(segments) + "~\n"


@pytest.mark.parametrize("base", sorted(BASES))
def test_every_base_file_is_valid(base: str) -> None:
    report = validate(BASES[base]())
    assert report.ok, [str(i) for i in report.errors]


# (base, text to replace, replacement, rule, segment id, element) -> the one finding.
CASES = [
    # SNIP 2: syntax against the guide tables
    ("837P", "REF*EI*591234567~", "REF*EI*591234567****Z~", "too_many_elements", "REF", 5),
    ("837P", "Riverbend Family Medicine*****XX", "Riverbend Family Medicine***DR**XX",
     "not_used_element", "NM1", 6),
    ("837P", "NM1*85*2*Riverbend Family Medicine*", "NM1*85*2*" + "R" * 61 + "*",
     "element_too_long", "NM1", 3),
    ("837P", "NM1*85*2*Riverbend", "NM1*85*3*Riverbend", "invalid_code", "NM1", 2),
    ("837P", "REF*EI*591234567~", "REF*XX*591234567~", "invalid_code", "REF", 1),
    ("837P", "SV1*HC:99213*145.00*UN*1***1~", "SV1*HC:99213*145.00*UN*1***1:2:3:4:5~",
     "too_many_components", "SV1", 7),
    ("837P", "DTP*472*D8*20260310~", "DTP*472*D8*20261310~", "invalid_date", "DTP", 3),
    # SNIP 3: balancing
    ("837P", "CLM*PCN26031001*145.00*", "CLM*PCN26031001*150.00*", "unbalanced_claim", "CLM", 2),
    ("837P secondary", "AMT*D*145.92~", "AMT*D*145.00~", "unbalanced_other_payer", "AMT", 2),
    ("835", "CLP*PCN001*1*100.00*", "CLP*PCN001*1*101.00*", "unbalanced_claim", "CLP", 4),
    ("835", "SVC*HC:99213*100.00*80.00", "SVC*HC:99213*100.00*81.00", "unbalanced_service",
     "SVC", 3),
    ("835", "BPR*C*80.00*", "BPR*C*81.00*", "unbalanced_payment", "BPR", 2),
    ("277CA", "QTY*90*2~", "QTY*90*3~", "unbalanced_totals", "QTY", 2),
    # SNIP 4: situational rules
    ("837P child", "SBR*P**GRP77120", "SBR*P*18*GRP77120", "patient_loop_not_allowed", "HL", None),
    ("837P", "SBR*P*18*GRP77120", "SBR*P**GRP77120", "patient_loop_required", "CLM", None),
    ("837P", "NM1*82*1*Okafor*Adaeze****XX*1928374655~",
     "NM1*82*1*Okafor*Adaeze****XX*1234567893~", "rendering_same_as_billing", "NM1", 9),
    ("837P replacement", "REF*F8*2026061000123~", "", "payer_claim_number_required", "CLM", 5),
    ("837P", "N4*Tampa*FL*336021234~", "N4*Tampa*FL*33602~", "billing_zip_nine_digits", "N4", 3),
    ("837I", "N4*Orlando*FL*328031234~", "N4*Orlando*FL*32803~", "billing_zip_nine_digits",
     "N4", 3),
    ("837P", "SV1*HC:99213*145.00*UN*1***1~", "SV1*HC:99213*145.00*UN*1***1~PWK*CT*ZZ~",
     "invalid_code", "PWK", 2),
    ("837P", "DTP*472*D8*20260310~", "DTP*472*DT*202603101200~", "invalid_code", "DTP", 2),
    # SNIP 5: external code sets
    ("837P", "HI*ABK:E119~", "HI*ABK:Z9999~", "unknown_icd10", "HI", 1),
    ("837P", "*11:B:1*", "*00:B:1*", "unknown_place_of_service", "CLM", 5),
    ("835", "CAS*CO*45*20.00~", "CAS*CO*Q9Z*20.00~", "unknown_carc", "CAS", 2),
    ("277CA", "STC*A1:19*2026", "STC*9Z:19*2026", "unknown_status_category", "STC", 1),
    ("277CA", "STC*A1:19*2026", "STC*A1:X9*2026", "unknown_status_code", "STC", 1),
    ("837P", "XX*1234567893~", "XX*1234567890~", "invalid_npi", "NM1", 9),
    ("837P", "PRV*BI*PXC*207Q00000X~", "PRV*BI*PXC*207Q0000~", "invalid_taxonomy", "PRV", 3),
]  # fmt: skip


@pytest.mark.parametrize(
    ("base", "old", "new", "rule", "segment", "element"),
    CASES,
    ids=[f"{c[3]}-{c[0]}-{c[4]}{c[5] or ''}" for c in CASES],
)
def test_a_file_breaking_one_rule_gets_that_rules_errors_only(
    base: str, old: str, new: str, rule: str, segment: str, element: int | None
) -> None:
    assert_breaks_one_rule(BASES[base](), old, new, rule, segment, element)


def assert_breaks_one_rule(
    text: str, old: str, new: str, rule: str, segment: str, element: int | None
) -> list[Issue]:
    """`text` with `old` replaced by `new` gets exactly that rule's error, naming the
    segment (by its position) and element."""
    assert old in text, f"{old!r} is not in the base file"
    broken = _recount(text.replace(old, new, 1))
    errors: list[Issue] = validate(broken).errors
    assert {(e.code, e.segment_id, e.element) for e in errors} == {(rule, segment, element)}, [
        str(e) for e in errors
    ]
    segments = [s.strip() for s in broken.split("~") if s.strip()]
    for error in errors:
        assert error.position is not None
        assert segments[error.position - 1].split("*")[0] == segment
    return errors


def test_the_second_pwk_definition_of_loop_2400_is_judged_by_its_own_codes() -> None:
    # 2400 PWK: Line Supplemental Information, or the DMERC CMN indicator (PWK01 CT, PWK02
    # AB/AD/AF/AG/NS). pyx12 checks the second against the first one's PWK02 codes.
    text = _recount(
        PROFESSIONAL().replace(
            "SV1*HC:99213*145.00*UN*1***1~", "SV1*HC:99213*145.00*UN*1***1~PWK*CT*AD~"
        )
    )
    assert validate(text).ok, [str(e) for e in validate(text).errors]


def test_a_well_formed_code_missing_from_a_shipped_subset_list_is_a_warning() -> None:
    text = remittance_835().replace("CAS*CO*45*20.00~", "CAS*CO*W9*20.00~")
    report = validate(text)
    assert report.ok
    (warning,) = [w for w in report.warnings if w.code == "unknown_carc"]
    assert (warning.segment_id, warning.element) == ("CAS", 2)
    assert "subset" in warning.message


def test_a_numeric_status_code_missing_from_the_dated_list_is_a_warning() -> None:
    # STC01-2 (code source 508): 19 is in the list, 999 is not (X12 may add it later).
    assert "STC*A1:19*2026" in _277ca()
    report = validate(_277ca().replace("STC*A1:19*2026", "STC*A1:999*2026", 1))
    assert report.ok, [str(e) for e in report.errors]
    (warning,) = [w for w in report.warnings if w.code == "unknown_status_code"]
    assert (warning.segment_id, warning.element, warning.component) == ("STC", 1, 2)
    assert "dated copy" in warning.message


def test_category_codes_rq_and_x0_are_shaped_like_categories() -> None:
    # X12 lists RQ and X0 (pyx12 4.0.0's code list 507): missing from our subset, a warning.
    for category in ("RQ", "X0"):
        report = validate(_277ca().replace("STC*A1:19*2026", f"STC*{category}:19*2026", 1))
        assert report.ok, [str(e) for e in report.errors]
        assert [w.code for w in report.warnings] == ["unknown_status_category"]


def test_the_rule_table_in_the_docs_is_the_rule_table_in_the_code() -> None:
    from pathlib import Path

    docs = Path(__file__).parents[3] / "docs" / "x12-validation.md"
    assert rules_table() in docs.read_text(encoding="utf-8")
    assert len(RULES) >= 20


def test_pyx12_judges_the_second_pwk_by_the_first_ones_codes() -> None:
    """The difference docs/x12-validation.md lists: pyx12 refuses what the guide allows."""
    from shared.x12.pyx12_judge import judge

    text = _recount(
        PROFESSIONAL().replace(
            "SV1*HC:99213*145.00*UN*1***1~", "SV1*HC:99213*145.00*UN*1***1~PWK*CT*AD~"
        )
    )
    assert [(e.segment_id, e.element) for e in judge(text).errors] == [("PWK", "02")]
