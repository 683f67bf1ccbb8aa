"""Fictional examples of the intake channels' events (docs, tests): a visit, eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.events import visits as v
from shared.events.base import Event
from shared.events.claim_snapshot import Payer, Person, Provider, Subscriber
from shared.events.eligibility import (
    ClaimEligibilityFailed,
    ClaimEligibilityVerifiedV2,
    EligibilityProblem,
)

VISIT_ID = "vis_0c4f2b7e9d1a4c55b3e8f0a1d2c3b4a5"


def visit_examples() -> list[Event]:
    patient = Person(last_name="Sampleton", first_name="Rowan", birth_date=date(1951, 7, 4))
    details = v.VisitDetails(
        patient_control_number="V20260902001",
        patient_class="O",
        patient=patient,
        coverages=(
            v.VisitCoverage(
                sequence=1,
                payer=Payer(payer_id="60054", name="Fictional Mutual Health"),
                subscriber=Subscriber(**patient.model_dump(), member_id="ZZX000000001"),
            ),
        ),
        diagnoses=(v.VisitDiagnosis(code="K8020", priority=1, kind="F"),),
        attending=Provider(npi="1765432103", last_name="Attender", first_name="Morgan"),
    )
    return [
        v.VisitUpdated(
            visit_id=VISIT_ID, trigger="A04", message_control_id="MSG00001", details=details
        ),
        v.VisitChargePosted(
            visit_id=VISIT_ID,
            transaction_id="FT-55120",
            message_control_id="MSG00002",
            service_date=date(2026, 9, 2),
            transaction_code="4700123",
            procedure_code="47562",
            units=Decimal("1"),
            amount=Decimal("4200.00"),
            diagnosis_codes=("K8020",),
        ),
        v.VisitChargeReversed(
            visit_id=VISIT_ID,
            transaction_id="FT-55120",
            message_control_id="MSG00003",
            amount=Decimal("4200.00"),
        ),
        v.VisitDischarged(
            visit_id=VISIT_ID,
            message_control_id="MSG00004",
            discharged_on=date(2026, 9, 2),
            discharge_status="01",
        ),
        ClaimEligibilityVerifiedV2(
            claim_id="clm-0001",
            payer_id="60054",
            coverage_active=True,
            plan_name="PPO Gold",
            copay=Decimal("25.00"),
            deductible_remaining=Decimal("150.00"),
            trace_number="TRN0001",
            service_date=date(2026, 3, 10),
            plan_begin=date(2026, 1, 1),
            coinsurance=Decimal("0.2"),
            deductible=Decimal("500.00"),
        ),
        ClaimEligibilityFailed(
            claim_id="clm-0001",
            payer_id="60054",
            problems=(
                EligibilityProblem(
                    code="75",
                    description="Subscriber/insured not found",
                    follow_up="C",
                    level="2100C",
                ),
            ),
            trace_number="TRN0002",
        ),
        v.VisitBilled(
            visit_id=VISIT_ID,
            claim_id="clm-0002",
            kind="professional",
            reason="discharge",
            charges=1,
            total_charge=Decimal("4200.00"),
        ),
    ]
