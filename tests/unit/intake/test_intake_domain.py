"""Intake's rules, read like a billing office's: no I/O, a judge passed in, `now` given.

Given the claim's stream so far, a command either appends the events below or is refused
naming the rule. Scrubbing and the payer's eligibility needs come from the judge (the
organization's scrubber and payer settings); here, judges that say what the test needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.intake.domain import (
    INTAKE_CLAIM,
    Accept,
    Amend,
    ClaimNotAmendable,
    ClaimNotFound,
    IntakeRejected,
    IntakeStatus,
)
from services.intake.scrubbing import MAX_RECORDED_FINDINGS, Verdict, bounded
from shared.claim_model import Claim
from shared.events.claims import (
    ClaimAmended,
    ClaimCreated,
    ClaimEligibilityRequested,
    ClaimReady,
    ClaimScrubFailed,
    ClaimSubmitted,
    ClaimVoided,
    ScrubFinding,
)
from shared.kernel import IllegalTransition
from testsupport.claim_events import claim_created, claim_scrub_failed
from testsupport.claims import professional_claim

NOW = datetime(2026, 3, 20, 14, 0, tzinfo=UTC)
ORG = "org-riverbend"
NPI_ERROR = ScrubFinding(
    code="PV003", message="billing NPI fails the check digit", field="billing_provider.npi"
)
ZIP_WARNING = ScrubFinding(
    code="PV008", message="ZIP+4 advised", field="billing_provider.address", severity="warning"
)


def judge(*findings: ScrubFinding, eligibility: bool = False) -> object:
    seen: list[tuple[Claim, date]] = []

    def decide(claim: Claim, today: date) -> Verdict:
        seen.append((claim, today))
        return Verdict(claim=claim, findings=findings, eligibility_required=eligibility)

    decide.seen = seen  # type: ignore[attr-defined]
    return decide


def accept(claim: Claim | None = None, **judged: object) -> Accept:
    return Accept(claim=claim or professional_claim(), organization_id=ORG, judge=judge(**judged))  # type: ignore[arg-type]


def test_a_clean_claim_is_created_and_nothing_else_follows_from_intake() -> None:
    state = INTAKE_CLAIM.given("clm-1")
    events = INTAKE_CLAIM.decide(state, accept(), NOW)
    [created] = events
    assert isinstance(created, ClaimCreated) and created.event_version == 3
    assert created.claim.claim_id == "clm-1" and created.claim.organization_id == ORG
    assert created.account_id == f"{ORG}:PCN26031001"


def test_warnings_alone_do_not_hold_a_claim() -> None:
    command = Accept(professional_claim(), ORG, judge(ZIP_WARNING))  # type: ignore[arg-type]
    assert [e.event_type for e in INTAKE_CLAIM.decide(INTAKE_CLAIM.given("c"), command, NOW)] == [
        "claim.created"
    ]


def test_a_claim_with_errors_is_held_with_every_finding_in_the_same_decision() -> None:
    command = Accept(professional_claim(), ORG, judge(NPI_ERROR, ZIP_WARNING))  # type: ignore[arg-type]
    created, held = INTAKE_CLAIM.decide(INTAKE_CLAIM.given("clm-2"), command, NOW)
    assert isinstance(created, ClaimCreated)
    assert isinstance(held, ClaimScrubFailed)
    assert held.findings == (NPI_ERROR, ZIP_WARNING)
    assert INTAKE_CLAIM.fold("clm-2", [created, held]).status is IntakeStatus.HELD


def test_the_judge_sees_the_claim_under_intakes_id_on_the_day_of_the_command() -> None:
    decide = judge()
    INTAKE_CLAIM.decide(INTAKE_CLAIM.given("clm-3"), Accept(professional_claim(), ORG, decide), NOW)  # type: ignore[arg-type]
    [(claim, today)] = decide.seen  # type: ignore[attr-defined]
    assert (claim.claim_id, claim.organization_id, today) == ("clm-3", ORG, date(2026, 3, 20))


def test_the_payer_rules_corrected_claim_is_what_the_event_carries() -> None:
    received = professional_claim(place_of_service="02")

    def correcting(claim: Claim, today: date) -> Verdict:
        return Verdict(claim.model_copy(update={"place_of_service": "10"}), (), False)

    [created] = INTAKE_CLAIM.decide(INTAKE_CLAIM.given("c"), Accept(received, ORG, correcting), NOW)
    assert isinstance(created, ClaimCreated) and created.claim.place_of_service == "10"


def test_a_payer_that_requires_it_gets_an_eligibility_request_before_the_hold() -> None:
    command = Accept(professional_claim(), ORG, judge(NPI_ERROR, eligibility=True))  # type: ignore[arg-type]
    events = INTAKE_CLAIM.decide(INTAKE_CLAIM.given("clm-4"), command, NOW)
    assert [e.event_type for e in events] == [
        "claim.created",
        "claim.eligibility_requested",
        "claim.scrub_failed",
    ]
    request = events[1]
    assert isinstance(request, ClaimEligibilityRequested)
    assert (request.payer_id, request.member_id, request.service_date) == (
        "87726",
        "XKZ480019203",
        date(2026, 3, 10),
    )


def test_a_claim_naming_another_organization_is_refused_naming_the_field() -> None:
    claim = professional_claim(organization_id="county-general")
    with pytest.raises(IntakeRejected) as refused:
        INTAKE_CLAIM.decide(INTAKE_CLAIM.given("c"), accept(claim), NOW)
    assert refused.value.field == "organization_id"


def test_an_id_already_used_is_never_created_twice() -> None:
    state = INTAKE_CLAIM.given("clm-5", claim_created("clm-5"))
    with pytest.raises(IllegalTransition, match="create is not allowed"):
        INTAKE_CLAIM.decide(state, accept(), NOW)


@pytest.mark.parametrize(
    "history",
    [
        [claim_created("c")],
        [claim_created("c"), claim_scrub_failed("c")],
        [claim_created("c"), ClaimReady(claim_id="c", payer_id="87726", total_charge=Decimal(145))],
    ],
    ids=["created", "held", "ready"],
)
def test_before_submission_a_corrected_claim_is_amended_and_judged_again(history: list) -> None:  # type: ignore[type-arg]
    state = INTAKE_CLAIM.given("c", *history)
    corrected = professional_claim(total_charge=Decimal("145.00"))
    amended, held = INTAKE_CLAIM.decide(
        state,
        Amend(corrected, ORG, judge(NPI_ERROR), reason="NPI fixed"),
        NOW,  # type: ignore[arg-type]
    )
    assert isinstance(amended, ClaimAmended) and amended.event_version == 2
    assert amended.reason == "NPI fixed" and amended.claim.claim_id == "c"
    assert isinstance(held, ClaimScrubFailed)
    clean = INTAKE_CLAIM.decide(state, Amend(corrected, ORG, judge()), NOW)  # type: ignore[arg-type]
    assert [e.event_type for e in clean] == ["claim.amended"]
    assert INTAKE_CLAIM.fold("c", clean, state).status is IntakeStatus.CREATED


def test_after_submission_intake_refuses_naming_the_state_and_the_corrections_route() -> None:
    submitted = ClaimSubmitted(
        claim_id="c",
        payer_id="87726",
        batch_id="b-1",
        interchange_control_number="000000101",
        total_charge=Decimal("145.00"),
    )
    state = INTAKE_CLAIM.given("c", claim_created("c"), submitted)
    with pytest.raises(ClaimNotAmendable) as refused:
        INTAKE_CLAIM.decide(state, Amend(professional_claim(), ORG, judge()), NOW)  # type: ignore[arg-type]
    assert refused.value.status is IntakeStatus.SUBMITTED
    assert "submitted" in str(refused.value)
    assert "POST /v1/claims/c/corrections" in str(refused.value)
    voided = INTAKE_CLAIM.given(
        "c", claim_created("c"), submitted, ClaimVoided(claim_id="c", reason="duplicate")
    )
    with pytest.raises(ClaimNotAmendable, match="voided"):
        INTAKE_CLAIM.decide(voided, Amend(professional_claim(), ORG, judge()), NOW)  # type: ignore[arg-type]


def test_amending_a_claim_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(ClaimNotFound):
        INTAKE_CLAIM.decide(
            INTAKE_CLAIM.given("nope"),
            Amend(professional_claim(), ORG, judge()),
            NOW,  # type: ignore[arg-type]
        )


def test_findings_beyond_the_recorded_limit_are_counted_in_one_summary() -> None:
    many = tuple(
        ScrubFinding(code="IN004" if i % 2 else "PX001", message=f"line {i}", field=f"lines[{i}]")
        for i in range(MAX_RECORDED_FINDINGS + 10)
    )
    kept = bounded(many)
    assert len(kept) == MAX_RECORDED_FINDINGS + 1
    assert kept[:MAX_RECORDED_FINDINGS] == many[:MAX_RECORDED_FINDINGS]
    assert kept[-1].code == "SCRUB_MORE" and kept[-1].severity == "error"
    assert "10 more findings" in kept[-1].message and "IN004 x5, PX001 x5" in kept[-1].message
    assert bounded(many[:3]) == many[:3]
