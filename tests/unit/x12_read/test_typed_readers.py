"""Typed readers: loops named as the guides do, money as Decimal, dates as date, codes as enums."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shared.x12.errors import X12ValidationError
from shared.x12.reader import parse
from shared.x12.x12_270_005010X279A1.reader import read_270
from shared.x12.x12_271_005010X279A1.models import EB01
from shared.x12.x12_271_005010X279A1.reader import read_271
from shared.x12.x12_276_005010X212.reader import read_276
from shared.x12.x12_277_005010X212.reader import read_277
from shared.x12.x12_277_005010X214.reader import read_277ca
from shared.x12.x12_835_005010X221A1.models import CAS01, CLP02, Loop2100, Loop2110
from shared.x12.x12_835_005010X221A1.reader import read_835
from shared.x12.x12_837_005010X222A1.models import Loop2300, Loop2400
from shared.x12.x12_837_005010X222A1.reader import read_837p
from shared.x12.x12_837_005010X223A2.reader import read_837i
from shared.x12.x12_999_005010X231A1.models import IK304, IK501
from shared.x12.x12_999_005010X231A1.reader import read_999
from shared.x12.x12_ta1_005010.models import TA104
from shared.x12.x12_ta1_005010.reader import read_ta1

from .conftest import sample
from .factories import claim_837p, isa, remittance_835


def test_835_from_factory_reads_payment_claims_lines_and_adjustments() -> None:
    (remit,) = read_835(remittance_835())
    assert remit.bpr is not None and remit.bpr.total_payment == Decimal("80.00")
    assert remit.bpr.payment_date == date(2024, 1, 5)
    assert remit.payer is not None and remit.payer.n1.name == "ACME HEALTH PLAN"
    claims = list(remit.claims())
    assert [type(c) for c in claims] == [Loop2100, Loop2100]
    first, denied = claims
    assert first.clp.status is CLP02.PRIMARY and first.clp.payment == Decimal("80.00")
    assert denied.clp.status is CLP02.DENIED
    assert first.patient is not None and first.patient.identifier == "M123"
    (line,) = first.services
    assert isinstance(line, Loop2110)
    assert (line.svc.procedure.qualifier, line.svc.procedure.code) == ("HC", "99213")
    assert line.adjustments[0].group is CAS01.CONTRACTUAL_OBLIGATIONS
    assert line.adjustments[0].adjustments[0].amount == Decimal("20.00")
    assert line.dates[0].date == date(2023, 12, 15)


def test_835_with_plb_reads_provider_adjustments(samples_dir: Path) -> None:
    (remit,) = read_835(sample(samples_dir, "835/medicare-part-a.835"))
    (plb,) = remit.provider_adjustments
    assert plb.fiscal_period_end == date(2002, 12, 31)
    assert [(a.reason, a.reference, a.amount) for a in plb.adjustments] == [
        ("CV", "CP", Decimal("-1.27"))
    ]
    paid = sum(c.clp.payment for c in remit.claims())  # type: ignore[misc]
    assert remit.bpr is not None and remit.bpr.total_payment == paid - plb.total


def test_835_with_three_interchanges_reads_three_remittances(samples_dir: Path) -> None:
    remits = read_835(sample(samples_dir, "835/ExampleFromNth.txt"))
    assert [len(list(r.claims())) for r in remits] == [19, 23, 14]


def test_835_declared_component_separator_unused_by_body_still_splits_composites(
    samples_dir: Path,
) -> None:
    result = parse(sample(samples_dir, "835/secondary-payment.835"))
    remit = result.transactions[0].model
    line = next(c for c in remit.claims() if c.services).services[0]  # type: ignore[union-attr]
    assert (line.svc.procedure.qualifier, line.svc.procedure.code) == ("HC", "12345")
    assert [i.code for i in result.errors] == ["component_separator"]


def test_837p_reads_claim_lines_diagnoses_and_levels() -> None:
    (claim_file,) = read_837p(claim_837p())
    (ctx,) = list(claim_file.claims())
    assert isinstance(ctx.claim, Loop2300) and ctx.patient is None
    assert ctx.subscriber is not None and ctx.subscriber.sbr is not None
    assert ctx.subscriber.sbr.payer_responsibility.value == "P"
    clm = ctx.claim.clm
    assert (
        clm.total_charge == Decimal("150.00")
        and clm.facility_code == "11"
        and clm.frequency.value == "1"
    )
    codes = [(c.qualifier, c.code) for hi in ctx.claim.health_care_codes for c in hi.codes]
    assert codes == [("ABK", "J069"), ("ABF", "R05")]
    lines = ctx.claim.service_lines
    assert all(isinstance(line, Loop2400) for line in lines)
    assert [line.charge for line in lines] == [Decimal("100.00"), Decimal("50.00")]
    assert lines[0].sv1.procedure.modifiers == ["25"]
    assert lines[0].sv1.diagnosis_pointers == ["1"]
    assert lines[0].dates[0].start == date(2024, 1, 2)


def test_837p_dependent_patient_level_and_cob_loops(samples_dir: Path) -> None:
    (claim_file,) = read_837p(sample(samples_dir, "837P/demo.cob.example3.B.837"))
    (ctx,) = list(claim_file.claims())
    (other,) = ctx.claim.other_subscribers
    assert other.LOOP_ID == "2320" and other.adjustments and other.other_payer
    assert any(line.line_adjudications for line in ctx.claim.service_lines)


def test_837i_reads_institutional_codes_and_revenue_lines(samples_dir: Path) -> None:
    (claim_file,) = read_837i(sample(samples_dir, "837I/institutional-claim.837i"))
    (ctx,) = list(claim_file.claims())
    assert ctx.claim.cl1 is not None and ctx.claim.cl1.admission_type
    assert all(line.sv2.revenue_code for line in ctx.claim.service_lines)
    qualifiers = {c.qualifier for hi in ctx.claim.health_care_codes for c in hi.codes}
    assert {"BK", "BG"} <= qualifiers


def test_270_and_271_read_inquiries_and_benefits_with_repetitions(samples_dir: Path) -> None:
    (inquiry,) = read_270(sample(samples_dir, "270/subscriber-health-benefit-check.270"))
    (sub,) = list(inquiry.subscribers())
    assert sub.subscriber_name[0].inquiries[0].eq.service_types == ["30"]
    (answer,) = read_271(sample(samples_dir, "271/subscriber-health-benefit-check.271"))
    (sub271,) = list(answer.subscribers())
    benefits = sub271.subscriber_name[0].benefits
    assert benefits[0].eb.information is EB01.ACTIVE_COVERAGE
    assert len(max((b.eb.service_types for b in benefits), key=len)) > 1  # EB03 1^33^35...


def test_271_with_pipe_elements_and_ls_le_loop(samples_dir: Path) -> None:
    (answer,) = read_271(sample(samples_dir, "271/271-example-3.txt"))
    (sub,) = list(answer.subscribers())
    benefits = sub.subscriber_name[0].benefits
    assert len(benefits) == 19
    assert any(b.related_entities for b in benefits)  # NM1 inside LS/LE -> 2120C


def test_276_277_and_277ca_read_claim_status(samples_dir: Path) -> None:
    (request,) = read_276(sample(samples_dir, "276/claim-level-status.276"))
    assert [c.trn.reference for c in request.claims()] == ["ABCXYZ1", "ABCXYZ2", "ABCXYZ3"]
    (status,) = read_277(sample(samples_dir, "277/claim-level-status.277"))
    first = next(status.claims())
    assert first.statuses[0].statuses[0].category.value in ("P3", "F0", "F2")
    (ack,) = read_277ca(sample(samples_dir, "277CA/x12_277CA_rejected.txt"))
    cats = [s.category for c in ack.claims() for stc in c.statuses for s in stc.statuses]
    assert any(getattr(c, "value", c) == "A7" for c in cats)


def test_999_reads_acceptance_and_element_errors(samples_dir: Path) -> None:
    (ack,) = read_999(sample(samples_dir, "999/x12_999_rejected.txt"))
    (response,) = ack.transaction_responses
    assert response.ik5 is not None and response.ik5.acknowledgment is IK501.REJECTED
    (segment_error,) = response.segment_errors
    # The eMedNY sample names the segment 'NM' and reports code 1 (unrecognized segment id).
    assert segment_error.ik3.segment_id == "NM" and segment_error.ik3.position == "17"
    assert segment_error.ik3.error is IK304.UNRECOGNIZED_SEGMENT_ID


def test_ta1_between_isa_and_gs_is_read() -> None:
    text = isa() + "TA1*000000777*240101*1200*R*006~IEA*0*000000101~"
    (ta1,) = read_ta1(text)
    assert ta1.control_number == "000000777" and ta1.acknowledgment is TA104.REJECTED
    assert ta1.interchange_date == date(2024, 1, 1)
    assert parse(text).issues == []


def test_unknown_codes_stay_readable_as_text_and_bad_amounts_become_none() -> None:
    text = remittance_835().replace("CLP*PCN001*1*100.00*80.00", "CLP*PCN001*Q*100.00*8O.00")
    (remit,) = read_835(text)
    clp = next(remit.claims()).clp
    assert clp.status == "Q" and clp.payment is None


def test_strict_reading_raises_with_every_issue() -> None:
    with pytest.raises(X12ValidationError) as info:
        read_835(remittance_835(se02="0002"), strict=True)
    assert info.value.segment_id == "SE" and info.value.element == 2
    assert len(info.value.issues) == 1


def test_patient_names_are_not_in_reprs() -> None:
    (remit,) = read_835(remittance_835())
    patient = next(remit.claims()).patient
    assert "DOE" not in repr(patient)
