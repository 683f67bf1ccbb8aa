"""Validation beyond envelopes: balancing, totals, codes, dates, required loops, with positions."""

from __future__ import annotations

from pathlib import Path

from shared.x12.validation import validate

from .conftest import sample
from .factories import claim_837p, recount, remittance_835


def codes(text: str) -> list[tuple[str, str | None, int | None]]:
    return [(i.code, i.segment_id, i.element) for i in validate(text).errors]


def test_factory_documents_are_valid() -> None:
    assert validate(remittance_835()).ok
    assert validate(claim_837p()).ok


def test_835_payment_must_equal_claim_payments_minus_plb() -> None:
    assert codes(remittance_835(bpr_amount="81.00")) == [("unbalanced_payment", "BPR", 2)]


def test_835_claim_must_balance_with_its_adjustments() -> None:
    found = codes(remittance_835(clp=("100.00", "70.00", "20.00"), bpr_amount="70.00"))
    assert ("unbalanced_claim", "CLP", 4) in found


def test_835_service_line_must_balance() -> None:
    text = remittance_835().replace("SVC*HC:99213*100.00*80.00", "SVC*HC:99213*100.00*75.00")
    assert ("unbalanced_service", "SVC", 3) in codes(text)


def test_837_claim_charge_must_equal_line_charges() -> None:
    assert codes(claim_837p(clm02="140.00")) == [("unbalanced_claim", "CLM", 2)]


def test_invalid_codes_dates_and_amounts_are_named_by_element() -> None:
    text = (
        remittance_835()
        .replace("CLP*PCN002*4*", "CLP*PCN002*9*")
        .replace("DTM*472*20231215", "DTM*472*20231345")
        .replace("CAS*CO*29*70.00", "CAS*XX*29*7O.00")
    )
    found = codes(text)
    assert ("invalid_code", "CLP", 2) in found
    assert ("invalid_date", "DTM", 2) in found
    assert ("invalid_code", "CAS", 1) in found
    assert ("invalid_number", "CAS", 3) in found


def test_required_segments_and_loops_are_checked() -> None:
    text = recount(remittance_835().replace("PER*BL*EDI DESK*TE*8005551212~", ""))
    assert codes(text) == [("required_missing", "PER", None)]
    no_lines = claim_837p(line_charges=()).replace("CLM*PCN001*150.00", "CLM*PCN001*0")
    assert ("required_missing", "LX", None) in codes(no_lines)


def test_unexpected_segment_is_reported_with_its_loop() -> None:
    text = recount(remittance_835().replace("LX*1~", "LX*1~ZZZ*1~"))
    report = validate(text)
    (issue,) = report.errors
    assert issue.code == "unexpected_segment" and issue.segment_id == "ZZZ" and issue.loop == "2000"


def test_hl_parent_must_exist() -> None:
    text = claim_837p().replace("HL*2*1*22*0", "HL*2*7*22*0")
    assert ("hl_parent", "HL", 2) in codes(text)


def test_not_x12_is_one_issue_not_an_exception() -> None:
    report = validate("this is not an EDI file")
    assert not report.ok and report.errors[0].position == 1


def test_837_claim_segment_after_hi_is_out_of_order() -> None:
    text = recount(
        claim_837p().replace("HI*ABK:J069*ABF:R05~", "HI*ABK:J069*ABF:R05~DTP*431*D8*20240101~")
    )
    assert codes(text) == [("segment_order", "DTP", None)]


def test_hierarchical_level_without_its_name_loop_is_reported(samples_dir: Path) -> None:
    text = sample(samples_dir, "270/subscriber-health-benefit-check.270").read_text()
    nm1_pr = next(s for s in text.split("~") if s.strip().startswith("NM1*PR"))
    broken = recount(text.replace(nm1_pr + "~", ""))
    found = codes(broken)
    assert ("required_missing", "NM1", None) in found
    report = validate(broken)
    assert any(i.loop == "2100A" for i in report.errors)


def test_whole_number_elements_refuse_other_scripts_digits() -> None:
    # '١' (Arabic-Indic one) passes str.isdigit() and int('١') == 1: a line number written
    # with it must be named, not silently read as line 1.
    assert ("invalid_number", "LX", 1) in codes(claim_837p().replace("LX*1~", "LX*١~", 1))
    assert ("invalid_number", "LX", 1) in codes(claim_837p().replace("LX*1~", "LX*1.5~", 1))


def test_amounts_refuse_other_scripts_digits() -> None:
    # Decimal('١٠٠.00') is 100.00: the validator must not let such an amount through.
    text = claim_837p(clm02="١٥٠.00")
    assert ("invalid_number", "CLM", 2) in codes(text)


def test_gs01_must_be_a_health_care_functional_identifier() -> None:
    text = claim_837p().replace("GS*HC*", "GS*ＨＣ*", 1)
    assert ("invalid_code", "GS", 1) in codes(text)
