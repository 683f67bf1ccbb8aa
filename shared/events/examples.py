"""One fictional example of every registered event type and version (docs, tests, demos)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shared.events import appeals as ap
from shared.events import claim_batches as b
from shared.events import claims as c
from shared.events import deposit as d
from shared.events import followup_claims as fc
from shared.events import patient_account as pa
from shared.events import remittance as r
from shared.events import work_items as wi
from shared.events.base import Event
from shared.events.claim_snapshot import ClaimSnapshotV1
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.visit_examples import visit_examples

ORG = "org-st-example"

# A fictional professional claim (made-up people, NPIs with valid check digits only).
EXAMPLE_CLAIM = ClaimSnapshotV1.model_validate(
    {
        "patient_control_number": "PCN26031001",
        "total_charge": "145.00",
        "place_of_service": "11",
        "billing_provider": {
            "npi": "1234567893",
            "organization_name": "Riverbend Family Medicine",
            "taxonomy": "207Q00000X",
            "tax_id": "591234567",
            "address": {
                "line1": "1200 Harbor View Drive",
                "city": "Tampa",
                "state": "FL",
                "postal_code": "336021234",
            },
        },
        "rendering_provider": {
            "npi": "1928374655",
            "last_name": "Okafor",
            "first_name": "Adaeze",
            "taxonomy": "207Q00000X",
        },
        "payer": {
            "payer_id": "87726",
            "name": "Sunshine Mutual Health Plan",
            "address": {
                "line1": "PO Box 30555",
                "city": "Salt Lake City",
                "state": "UT",
                "postal_code": "84130",
            },
        },
        "subscriber": {
            "last_name": "Marlowe",
            "first_name": "Theodora",
            "middle_name": "J",
            "birth_date": "1968-07-14",
            "sex": "F",
            "address": {
                "line1": "48 Cypress Hollow Lane",
                "city": "Brandon",
                "state": "FL",
                "postal_code": "33511",
            },
            "member_id": "XKZ480019203",
            "group_number": "GRP77120",
        },
        "diagnoses": ["E119"],
        "lines": [
            {
                "line_number": 1,
                "procedure_code": "99213",
                "charge": "145.00",
                "service_date": "2026-03-10",
            }
        ],
    }
)


# A fictional inpatient stay (837I): what snapshot v2 added to v1.
EXAMPLE_INPATIENT_CLAIM = ClaimSnapshotV2.model_validate(
    {
        "kind": "institutional",
        "patient_control_number": "IP26030401",
        "total_charge": "18400.00",
        "type_of_bill": "0111",
        "billing_provider": {
            "npi": "1234567893",
            "organization_name": "Riverbend Community Hospital",
            "tax_id": "591234567",
            "address": {
                "line1": "1 Hospital Plaza",
                "city": "Tampa",
                "state": "FL",
                "postal_code": "336021234",
            },
        },
        "attending_provider": {"npi": "1928374655", "last_name": "Okafor", "first_name": "A"},
        "operating_provider": {"npi": "1588667638", "last_name": "Varga", "first_name": "L"},
        "payer": {"payer_id": "87726", "name": "Sunshine Mutual Health Plan"},
        "subscriber": {
            "last_name": "Marlowe",
            "first_name": "Theodora",
            "birth_date": "1968-07-14",
            "sex": "F",
            "member_id": "XKZ480019203",
        },
        "diagnoses": ["K3580", "E119"],
        "present_on_admission": ["Y", "Y"],
        "admitting_diagnosis": "R1031",
        "drg": "343",
        "principal_procedure": {"code": "0DTJ4ZZ", "date": "2026-03-04"},
        "other_procedures": [{"code": "BW40ZZZ", "date": "2026-03-04"}],
        "occurrence_codes": [{"code": "11", "date": "2026-03-03"}],
        "occurrence_spans": [{"code": "72", "start": "2026-03-01", "end": "2026-03-03"}],
        "value_codes": [{"code": "80", "amount": "2.00"}],
        "condition_codes": ["39"],
        "admission_date": "2026-03-04",
        "admission_hour": "07:30:00",
        "admission_type": "1",
        "admission_source": "7",
        "discharge_status": "01",
        "discharge_hour": "15:00:00",
        "statement_from": "2026-03-04",
        "statement_to": "2026-03-06",
        "lines": [
            {
                "line_number": 1,
                "revenue_code": "0120",
                "units": "2",
                "unit_type": "DA",
                "charge": "6400.00",
            },
            {
                "line_number": 2,
                "revenue_code": "0360",
                "procedure_code": "44970",
                "charge": "12000.00",
            },
        ],
    }
)


def example_events() -> list[Event]:
    """Every registered (type, version) once, with fictional but realistic values."""
    claim = EXAMPLE_CLAIM
    claim_id = "clm-0001"
    account = pa.patient_account_id(ORG, claim.patient_control_number)
    adjudicated = dict(
        claim_id=claim_id,
        remittance_id="rmt-0001",
        payer_id=claim.payer.payer_id,
        payer_claim_number="PCN7722337",
        charge_amount=claim.total_charge,
        paid_on=date(2026, 3, 2),
    )
    posting = dict(
        claim_id=claim_id,
        remittance_id="rmt-0001",
        claim_index=1,
        trace_number="883100001",
        payer_id=claim.payer.payer_id,
        payer_name=claim.payer.name,
        paid_on=date(2026, 3, 2),
        payment_method="ACH",
        patient_control_number=claim.patient_control_number,
        payer_claim_number="PCN7722337",
        charge_amount=claim.total_charge,
        matched_by="patient_control_number",
    )
    contractual = r.Adjustment(
        group=r.AdjustmentGroup.CONTRACTUAL,
        reason_code="45",
        amount=Decimal("25.00"),
        effect=r.AdjustmentEffect.CONTRACTUAL,
    )
    copay = r.Adjustment(
        group=r.AdjustmentGroup.PATIENT_RESPONSIBILITY,
        reason_code="3",
        amount=Decimal("20.00"),
        effect=r.AdjustmentEffect.PATIENT,
    )
    bundled = r.Adjustment(
        group=r.AdjustmentGroup.CONTRACTUAL,
        reason_code="97",
        amount=Decimal("85.00"),
        effect=r.AdjustmentEffect.DENIED,
        denial_category="bundling",
    )
    authorization = r.Adjustment(
        group=r.AdjustmentGroup.CONTRACTUAL,
        reason_code="197",
        amount=claim.total_charge,
        effect=r.AdjustmentEffect.DENIED,
        denial_category="authorization",
    )
    return [
        c.ClaimCreatedV1(claim_id=claim_id, organization_id=ORG, claim=claim),
        c.ClaimCreatedV2(claim_id=claim_id, account_id=account, organization_id=ORG, claim=claim),
        c.ClaimCreated(
            claim_id=claim_id,
            account_id=pa.patient_account_id(ORG, EXAMPLE_INPATIENT_CLAIM.patient_control_number),
            organization_id=ORG,
            claim=EXAMPLE_INPATIENT_CLAIM,
            source=c.ClaimChannel.X12_837,
            source_reference="ib_0f3c9a7e2d1b4c5a8e6f7a8b9c0d1e2f",
        ),
        c.ClaimScrubFailed(
            claim_id=claim_id,
            findings=(
                c.ScrubFinding(
                    code="NPI_CHECK_DIGIT",
                    message="billing NPI fails the Luhn check",
                    field="billing_provider.npi",
                ),
            ),
        ),
        c.ClaimEligibilityRequested(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            member_id=claim.subscriber.member_id,
            service_date=date(2026, 3, 10),
        ),
        c.ClaimEligibilityVerified(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            coverage_active=True,
            plan_name="PPO Gold",
            copay=Decimal("25.00"),
            deductible_remaining=Decimal("150.00"),
            trace_number="TRN0001",
        ),
        c.ClaimAmendedV1(
            claim_id=claim_id,
            account_id=account,
            claim=claim,
            reason="rendering provider's NPI corrected",
        ),
        c.ClaimAmended(
            claim_id=claim_id,
            account_id=pa.patient_account_id(ORG, EXAMPLE_INPATIENT_CLAIM.patient_control_number),
            claim=EXAMPLE_INPATIENT_CLAIM,
            reason="present-on-admission indicators added",
        ),
        c.ClaimReady(
            claim_id=claim_id, payer_id=claim.payer.payer_id, total_charge=claim.total_charge
        ),
        c.ClaimSubmittedV1(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            batch_id="bat-0001",
            interchange_control_number="000000101",
            total_charge=claim.total_charge,
        ),
        c.ClaimSubmitted(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            batch_id="bat-0001",
            interchange_control_number="000000101",
            total_charge=claim.total_charge,
            file_name="837p-RIVERBEND01-87726-000000101.x12",
            transaction="837P",
            group_control_number="101",
            transaction_set_control_number="0101",
            reference="bat-0001",
            sender_id="RIVERBEND01",
            receiver_id="CLEARX",
            submitted_at=datetime(2026, 3, 11, 9, 30, tzinfo=UTC),
        ),
        c.ClaimAcknowledgedV1(claim_id=claim_id, batch_id="bat-0001", control_number="0001"),
        c.ClaimAcknowledged(
            claim_id=claim_id,
            batch_id="bat-0001",
            control_number="0101",
            ack_file="837p-RIVERBEND01-87726-000000101.x12.999",
            code="A",
        ),
        c.ClaimRejectedV1(
            claim_id=claim_id,
            ack_kind=c.AckKind.X12_277CA,
            reasons=(c.RejectionReason(code="A7:562", description="Entity's NPI invalid"),),
        ),
        c.ClaimRejected(
            claim_id=claim_id,
            ack_kind=c.AcknowledgmentKind.X12_999,
            batch_id="bat-0001",
            ack_file="837p-RIVERBEND01-87726-000000101.x12.999",
            reasons=(
                c.AckProblem(
                    code="8",
                    description="Segment has data element errors",
                    location="segment NM1 at position 12, loop 2010",
                    segment_id="NM1",
                    segment_position=12,
                    loop_id="2010",
                ),
                c.AckProblem(
                    code="I12",
                    description="Implementation pattern match failure",
                    location="NM1 element 9",
                    segment_id="NM1",
                    element_position=9,
                ),
            ),
        ),
        c.ClaimAcceptedV1(claim_id=claim_id, payer_claim_number="PCN7722337"),
        c.ClaimAccepted(
            claim_id=claim_id,
            payer_claim_number="PCN7722337",
            batch_id="bat-0001",
            ack_file="837p-RIVERBEND01-87726-000000101.x12.277ca",
            status="A2:20",
        ),
        c.ClaimAppealed(
            claim_id=claim_id,
            appeal_id="apl-0001",
            reason="Medical necessity documented",
            amount_disputed=Decimal("80.00"),
            filed_on=date(2026, 3, 10),
            decision_due=date(2026, 5, 9),
        ),
        c.ClaimAppealDecided(
            claim_id=claim_id,
            appeal_id="apl-0001",
            outcome=c.AppealOutcome.OVERTURNED,
            amount_awarded=Decimal("80.00"),
            decided_on=date(2026, 4, 20),
        ),
        c.ClaimCorrectedV1(claim_id=claim_id, corrected_claim=claim, reason="wrong modifier"),
        c.ClaimCorrected(
            claim_id=claim_id, corrected_claim=EXAMPLE_INPATIENT_CLAIM, reason="POA corrected"
        ),
        c.ClaimVoided(claim_id=claim_id, reason="duplicate submission", payer_claim_number="PCN1"),
        c.ClaimSecondaryCreated(
            claim_id=claim_id,
            secondary_claim_id="clm-0002",
            secondary_payer_id="SEC01",
            amount_billed=Decimal("20.00"),
        ),
        c.ClaimSecondaryOpened(
            claim_id="clm-0002",
            primary_claim_id=claim_id,
            organization_id=ORG,
            account_id=account,
            responsibility="S",
            claim=ClaimSnapshotV2.model_validate(claim.model_dump(mode="json", exclude_none=True)),
            remittance_id="rmt-0001",
        ),
        c.ClaimCrossedOver(
            claim_id=claim_id,
            remittance_id="rmt-0001",
            next_payer_id="SEC01",
            next_payer_name="Example Medigap Plan",
            reason="remark MA18",
        ),
        c.ClaimTimelyFilingAtRisk(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            deadline=date(2027, 3, 10),
            days_left=30,
            filing_limit_days=365,
            limit_starts=date(2026, 3, 10),
        ),
        c.ClaimTimelyFilingPassed(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            deadline=date(2027, 3, 10),
            filing_limit_days=365,
            limit_starts=date(2026, 3, 10),
        ),
        c.ClaimStatusRequested(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            batch_id="bat-0002",
            trace_number="0002000001",
            file_name="276-RIVERBEND01-87726-000000102.x12",
            interchange_control_number="000000102",
            payer_claim_number="PCN7722337",
        ),
        c.ClaimStatusReceived(
            claim_id=claim_id,
            answer=c.StatusAnswer.PENDING,
            statuses=(
                c.StatusCode(
                    category="P1",
                    category_description="Pending/In Process",
                    code="20",
                    code_description="Accepted for processing",
                ),
            ),
            trace_number="0002000001",
            status_date=date(2026, 4, 10),
            payer_claim_number="PCN7722337",
            charge=claim.total_charge,
            status_file="276-RIVERBEND01-87726-000000102.x12.277",
        ),
        c.ClaimWrittenOff(
            claim_id=claim_id,
            amount=Decimal("4.99"),
            reason_code="SMALL_BALANCE",
            reason="below the office's small-balance threshold",
        ),
        c.ClaimClosed(claim_id=claim_id),
        r.ClaimPaidV1(
            **adjudicated,
            claim_status_code="1",
            paid_amount=claim.total_charge - Decimal("45.00"),
            patient_responsibility=Decimal("20.00"),
            adjustments=(
                r.ClaimAdjustment(
                    group=r.AdjustmentGroup.CONTRACTUAL, reason_code="45", amount=Decimal("25.00")
                ),
                r.ClaimAdjustment(
                    group=r.AdjustmentGroup.PATIENT_RESPONSIBILITY,
                    reason_code="3",
                    amount=Decimal("20.00"),
                ),
            ),
        ),
        r.ClaimPaid(
            **posting,
            claim_status_code="1",
            paid_amount=Decimal("100.00"),
            patient_responsibility=Decimal("20.00"),
            allowed_amount=Decimal("120.00"),
            lines=(
                r.LinePayment(
                    line_number=1,
                    matched_by="procedure",
                    procedure_code="99213",
                    service_date=date(2026, 3, 10),
                    units_paid=Decimal("1"),
                    charge=claim.total_charge,
                    paid=Decimal("100.00"),
                    allowed=Decimal("120.00"),
                    adjustments=(contractual, copay),
                ),
            ),
            ledger=r.LedgerMove(
                paid=Decimal("100.00"),
                adjustments=Decimal("25.00"),
                patient_responsibility=Decimal("20.00"),
                denied=Decimal("0.00"),
            ),
            next_payer=r.NextPayer(
                action=r.NextPayerAction.BILL,
                payer_id="60054",
                payer_name="Gulf Coast Benefit Assurance",
                responsibility="S",
                balance=Decimal("20.00"),
            ),
        ),
        r.ClaimPartiallyPaidV1(
            **adjudicated,
            claim_status_code="1",
            paid_amount=Decimal("60.00"),
            adjustments=(
                r.ClaimAdjustment(
                    group=r.AdjustmentGroup.CONTRACTUAL,
                    reason_code="97",
                    amount=claim.total_charge - Decimal("60.00"),
                ),
            ),
            remark_codes=("M15",),
        ),
        r.ClaimPartiallyPaid(
            **posting,
            claim_status_code="1",
            paid_amount=Decimal("60.00"),
            patient_responsibility=Decimal("0.00"),
            adjustments=(bundled,),
            remark_codes=("M15",),
            ledger=r.LedgerMove(
                paid=Decimal("60.00"),
                adjustments=Decimal("0.00"),
                patient_responsibility=Decimal("0.00"),
                denied=Decimal("85.00"),
            ),
            denial_category="bundling",
            queue="denials.bundling",
            denials=(
                r.DenialReason(
                    line_number=None,
                    group=r.AdjustmentGroup.CONTRACTUAL,
                    reason_code="97",
                    remark_codes=("M15",),
                    amount=Decimal("85.00"),
                    category="bundling",
                    queue="denials.bundling",
                ),
            ),
        ),
        r.ClaimDeniedV1(
            **adjudicated,
            claim_status_code="4",
            paid_amount=Decimal("0.00"),
            adjustments=(
                r.ClaimAdjustment(
                    group=r.AdjustmentGroup.CONTRACTUAL,
                    reason_code="197",
                    amount=claim.total_charge,
                ),
            ),
            denial_category="authorization",
        ),
        r.ClaimDenied(
            **posting,
            claim_status_code="4",
            paid_amount=Decimal("0.00"),
            patient_responsibility=Decimal("0.00"),
            adjustments=(authorization,),
            ledger=r.LedgerMove(
                paid=Decimal("0.00"),
                adjustments=Decimal("0.00"),
                patient_responsibility=Decimal("0.00"),
                denied=claim.total_charge,
            ),
            denial_category="authorization",
            queue="denials.authorization",
            denials=(
                r.DenialReason(
                    line_number=None,
                    group=r.AdjustmentGroup.CONTRACTUAL,
                    reason_code="197",
                    amount=claim.total_charge,
                    category="authorization",
                    queue="denials.authorization",
                ),
            ),
        ),
        r.ClaimReversedV1(
            claim_id=claim_id,
            remittance_id="rmt-0002",
            payer_claim_number="PCN7722337",
            reversed_paid_amount=Decimal("100.00"),
            reversed_on=date(2026, 4, 1),
        ),
        r.ClaimReversed(
            claim_id=claim_id,
            remittance_id="rmt-0002",
            claim_index=1,
            trace_number="883100002",
            payer_id=claim.payer.payer_id,
            reversed_on=date(2026, 4, 1),
            payer_claim_number="PCN7722337",
            charge_amount=-claim.total_charge,
            paid_amount=Decimal("-100.00"),
            patient_responsibility=Decimal("-20.00"),
            adjustments=(
                contractual.model_copy(update={"amount": Decimal("-25.00")}),
                copay.model_copy(update={"amount": Decimal("-20.00")}),
            ),
            reverses=r.PostingRef(
                remittance_id="rmt-0001",
                claim_index=1,
                trace_number="883100001",
                event_type="claim.paid",
            ),
            ledger=r.LedgerMove(
                paid=Decimal("-100.00"),
                adjustments=Decimal("-25.00"),
                patient_responsibility=Decimal("-20.00"),
                denied=Decimal("0.00"),
            ),
        ),
        r.ClaimUnderpaidV1(
            claim_id=claim_id,
            remittance_id="rmt-0001",
            expected_amount=Decimal("110.00"),
            paid_amount=Decimal("100.00"),
            shortfall=Decimal("10.00"),
        ),
        r.ClaimUnderpaid(
            claim_id=claim_id,
            remittance_id="rmt-0001",
            claim_index=1,
            trace_number="883100001",
            payer_id=claim.payer.payer_id,
            expected_amount=Decimal("130.00"),
            actual_amount=Decimal("120.00"),
            difference=Decimal("10.00"),
            paid_amount=Decimal("100.00"),
            tolerance=Decimal("1.00"),
            lines=(
                r.UnderpaidLine(
                    line_number=1,
                    procedure_code="99213",
                    units=Decimal("1"),
                    expected=Decimal("130.00"),
                    actual=Decimal("120.00"),
                    difference=Decimal("10.00"),
                ),
            ),
        ),
        r.RemittanceReceivedV1(
            remittance_id="rmt-0001",
            organization_id=ORG,
            payer_id=claim.payer.payer_id,
            payer_name=claim.payer.name,
            payment_method="ACH",
            trace_number="12345",
            payment_amount=Decimal("1000.00"),
            payment_date=date(2026, 3, 2),
            claim_count=7,
            provider_adjustments=(r.ProviderAdjustment(reason_code="L6", amount=Decimal("-1.25")),),
        ),
        fc.ClaimPatientPaymentApplied(
            claim_id=claim_id,
            account_id=account,
            payment_id="pay-0001",
            amount=Decimal("20.00"),
            received_on=date(2026, 3, 20),
        ),
        fc.ClaimFollowUpDue(
            claim_id=claim_id,
            reason=fc.FollowUpReason.NO_RESPONSE,
            as_of=date(2026, 4, 15),
            since=date(2026, 3, 2),
            deadline=date(2027, 3, 10),
            detail="no answer from the payer 44 days after submission (payer's limit 30)",
        ),
        wi.WorkItemOpened(
            item_id="wi-0001",
            claim_id=claim_id,
            queue="denials.authorization",
            account_id=account,
            payer_id=claim.payer.payer_id,
            amount_at_stake=claim.total_charge,
            risk_of_loss=Decimal("0.60"),
            priority=Decimal("87.00"),
            age_from=date(2026, 3, 10),
            deadline=date(2026, 6, 30),
            reason="CO-197: Precertification/authorization absent",
            opened_by_event="claim.denied",
        ),
        wi.WorkItemClaimed(
            item_id="wi-0001",
            claim_id=claim_id,
            by="specialist-1",
            expires_at=datetime(2026, 3, 11, 10, 30, tzinfo=UTC),
        ),
        wi.WorkItemAssigned(
            item_id="wi-0001", claim_id=claim_id, assignee="specialist-2", by="supervisor-1"
        ),
        wi.WorkItemNoted(
            item_id="wi-0001",
            claim_id=claim_id,
            by="specialist-2",
            note="Called payer: auth on file",
        ),
        wi.WorkItemSnoozed(
            item_id="wi-0001", claim_id=claim_id, by="specialist-2", until=date(2026, 3, 20)
        ),
        wi.WorkItemResolved(
            item_id="wi-0001",
            claim_id=claim_id,
            by="specialist-2",
            outcome=wi.ResolutionOutcome.APPEALED,
            note="Appeal filed with the authorization number",
        ),
        wi.WorkItemClosed(
            item_id="wi-0002",
            claim_id=claim_id,
            closed_by_event="claim.paid",
            reason="the payer paid the claim",
        ),
        ap.AppealFiled(
            appeal_id="apl-0001",
            claim_id=claim_id,
            level=1,
            reason="Authorization was obtained before the visit",
            justification="Authorization 12345 was issued on 2026-03-01.",
            amount_disputed=Decimal("145.00"),
            filed_on=date(2026, 3, 20),
            remittance_date=date(2026, 3, 2),
            deadline=date(2026, 8, 29),
            rule="default L1: 180 days from the remittance",
            denied_codes=(
                ap.DeniedCode(
                    kind="CARC",
                    group="CO",
                    code="197",
                    meaning="Precertification/authorization/notification/pre-treatment absent.",
                ),
            ),
            filed_by="specialist-2",
            template="appeal_letter.md",
        ),
        ap.AppealDecided(
            appeal_id="apl-0001",
            claim_id=claim_id,
            outcome=c.AppealOutcome.OVERTURNED,
            amount_awarded=Decimal("145.00"),
            decided_on=date(2026, 4, 20),
            recorded_by="specialist-2",
        ),
        pa.StatementIssuedV1(
            account_id=account,
            statement_id="stm-0000",
            statement_date=date(2026, 2, 15),
            due_date=date(2026, 3, 14),
            balance_due=Decimal("20.00"),
            claim_ids=(claim_id,),
        ),
        r.RemittanceReceived(
            remittance_id="rmt-0001",
            organization_id=ORG,
            payer_id=claim.payer.payer_id,
            payer_name=claim.payer.name,
            payer_tax_id="1870012345",
            payee_name="Riverbend Family Medicine",
            payee_npi="1234567893",
            payment_method="ACH",
            handling_code="I",
            trace_number="883100001",
            payment_amount=Decimal("101.25"),
            payment_date=date(2026, 3, 2),
            claim_count=1,
            totals=r.RemittanceTotals(
                claims_paid=Decimal("100.00"),
                charge=claim.total_charge,
                patient_responsibility=Decimal("20.00"),
                provider_adjustments=Decimal("-1.25"),
            ),
            provider_adjustments=(
                r.ProviderLevelAdjustment(
                    provider_id="1234567893",
                    fiscal_period_end=date(2026, 12, 31),
                    reason_code="L6",
                    reference="48211930012",
                    amount=Decimal("-1.25"),
                ),
            ),
            source=r.SourceFile(
                name="87726-20260302-883100001.835",
                sha256="9f2c" * 16,
                set_index=1,
                interchange_control_number="000000101",
                transaction_set_control_number="0001",
            ),
        ),
        r.RemittanceClaimUnmatched(
            remittance_id="rmt-0001",
            claim_index=2,
            trace_number="883100001",
            payer_id=claim.payer.payer_id,
            payer_name=claim.payer.name,
            payment_date=date(2026, 3, 2),
            reason="no claim has patient control number PCN26039999 or payer claim number "
            "PCN7799999, and none has this patient, dates and charge",
            payment=r.ClaimPaymentRecord(
                patient_control_number="PCN26039999",
                claim_status_code="1",
                charge_amount=Decimal("80.00"),
                paid_amount=Decimal("64.00"),
                payer_claim_number="PCN7799999",
                last_name="Marlowe",
                first_name="Theodora",
                member_id="XKZ480019203",
                adjustments=(
                    r.CasEntry(
                        group=r.AdjustmentGroup.CONTRACTUAL,
                        reason_code="45",
                        amount=Decimal("16.00"),
                    ),
                ),
            ),
        ),
        r.RemittanceClaimMatched(
            remittance_id="rmt-0001",
            claim_index=2,
            claim_id="clm-0003",
            matched_by="specialist-7",
            posted_as="claim.paid",
            paid_amount=Decimal("64.00"),
        ),
        r.RemittancePosted(
            remittance_id="rmt-0001",
            posted=1,
            unmatched=1,
            duplicates=0,
            not_posted=0,
            posted_paid=Decimal("100.00"),
            unmatched_paid=Decimal("64.00"),
            duplicate_paid=Decimal("0.00"),
        ),
        d.DepositReceived(
            deposit_id="dep-0001",
            organization_id=ORG,
            deposit_date=date(2026, 3, 3),
            amount=Decimal("101.25"),
            trace_number="883100001",
            payer_id=claim.payer.payer_id,
            reference="BANK-REF-0042",
        ),
        d.DepositMatched(
            deposit_id="dep-0001",
            trace_number="883100001",
            amount=Decimal("101.25"),
            remittance_ids=("rmt-0001",),
        ),
        *visit_examples(),
        pa.StatementIssued(
            account_id=account,
            statement_id="stm-0001",
            statement_date=date(2026, 3, 15),
            due_date=date(2026, 4, 14),
            balance_due=Decimal("20.00"),
            claim_ids=(claim_id,),
            lines=(
                pa.StatementLine(
                    claim_id=claim_id,
                    service_date=date(2026, 3, 10),
                    description="Office visit (99213)",
                    charges=Decimal("145.00"),
                    insurance_paid=Decimal("100.00"),
                    adjustments=Decimal("25.00"),
                    patient_paid=Decimal("0.00"),
                    patient_due=Decimal("20.00"),
                ),
            ),
            cycle=2,
            oldest_balance_days=5,
            dunning_level=0,
            dunning_message="",
            statement_number=1,
        ),
        b.ClaimBatchPrepared(
            batch_id="bat-0001",
            organization_id=ORG,
            transaction=b.BatchTransaction.X12_837P,
            file_name="837p-RIVERBEND01-87726-000000101.x12",
            payer_id=claim.payer.payer_id,
            sender_id="RIVERBEND01",
            receiver_id="CLEARX",
            interchange_control_number="000000101",
            group_control_number="101",
            transaction_set_control_number="0101",
            reference="bat-0001",
            created_at=datetime(2026, 3, 11, 9, 30, tzinfo=UTC),
            claims=(
                b.BatchedClaim(
                    claim_id=claim_id, stream_version=3, frequency="1", charge=claim.total_charge
                ),
            ),
            total_charge=claim.total_charge,
            size=1834,
            sha256="9f" * 32,
        ),
        b.ClaimBatchSent(
            batch_id="bat-0001",
            file_name="837p-RIVERBEND01-87726-000000101.x12",
            location="var/exchange/outbound/837p-RIVERBEND01-87726-000000101.x12",
            already_sent=False,
        ),
        pa.PaymentReceivedV1(
            account_id=account,
            payment_id="pay-0000",
            amount=Decimal("20.00"),
            method=pa.PaymentMethod.CARD,
            received_on=date(2026, 3, 20),
            claim_id=claim_id,
        ),
        # Last: tests take the final example as "a patient payment".
        pa.PaymentReceived(
            account_id=account,
            payment_id="pay-0001",
            amount=Decimal("20.00"),
            method=pa.PaymentMethod.CARD,
            received_on=date(2026, 3, 20),
            claim_id=claim_id,
            allocations=(pa.PaymentAllocation(claim_id=claim_id, amount=Decimal("20.00")),),
            unapplied=Decimal("0.00"),
            account_balance_after=Decimal("0.00"),
        ),
    ]
