"""The claim up to "ready", pure: a clean created claim is marked ready, a held or ready one not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.claims.commands import MarkReady
from services.claims.domain import (
    CLAIM,
    TRANSITIONS,
    ClaimStatus,
    UnexpectedHistory,
    apply,
    decide,
)
from shared.events.claims import (
    ClaimAmended,
    ClaimCreated,
    ClaimEligibilityVerified,
    ClaimReady,
)
from shared.events.registry import registry
from shared.events.remittance import ClaimPaid
from shared.kernel import DomainError, IllegalTransition
from testsupport.claim_events import claim_amended, claim_created, claim_scrub_failed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ID = "clm-1"


def created(payer_id: str = "87726") -> ClaimCreated:
    return claim_created(ID, payer_id=payer_id)


def amended(payer_id: str) -> ClaimAmended:
    return claim_amended(ID, payer_id=payer_id)


SCRUB_FAILED = claim_scrub_failed(ID)
READY = ClaimReady(claim_id=ID, payer_id="87726", total_charge=Decimal("145.00"))


def test_a_clean_created_claim_is_marked_ready_for_its_payer() -> None:
    state = CLAIM.given(ID, created())
    assert state.status is ClaimStatus.CREATED
    assert decide(state, MarkReady(), NOW) == [READY]
    assert apply(state, READY).status is ClaimStatus.READY


def test_a_held_claim_is_not_marked_ready() -> None:
    held = CLAIM.given(ID, created(), SCRUB_FAILED)
    assert held.status is ClaimStatus.HELD
    with pytest.raises(IllegalTransition) as refused:
        decide(held, MarkReady(), NOW)
    assert str(refused.value) == (
        "mark_ready is not allowed when the claim is held; nothing was appended"
    )
    assert (refused.value.state, refused.value.command, refused.value.rule) == (
        "held",
        "mark_ready",
        "transition",
    )


def test_a_claim_already_ready_is_not_marked_ready_again() -> None:
    with pytest.raises(IllegalTransition, match="when the claim is ready"):
        decide(CLAIM.given(ID, created(), READY), MarkReady(), NOW)


def test_a_claim_that_was_never_created_cannot_be_marked_ready() -> None:
    with pytest.raises(IllegalTransition, match="when the claim is not_created"):
        decide(CLAIM.given(ID), MarkReady(), NOW)


def test_an_amended_held_claim_is_checked_again_and_goes_out_to_its_new_payer() -> None:
    state = CLAIM.given(ID, created(), SCRUB_FAILED, amended("60054"))
    assert state.status is ClaimStatus.CREATED
    [ready] = decide(state, MarkReady(), NOW)
    assert isinstance(ready, ClaimReady) and ready.payer_id == "60054"


def test_an_amendment_after_ready_takes_the_claim_back_to_be_checked() -> None:
    state = CLAIM.given(ID, created(), READY, amended("60054"))
    assert state.status is ClaimStatus.CREATED and state.payer_id == "60054"
    held_again = CLAIM.given(ID, created(), READY, amended("60054"), SCRUB_FAILED)
    assert held_again.status is ClaimStatus.HELD


def test_other_services_facts_leave_the_status_alone() -> None:
    verified = ClaimEligibilityVerified(claim_id=ID, payer_id="87726", coverage_active=True)
    paid = ClaimPaid(
        claim_id=ID,
        remittance_id="r-1",
        payer_id="87726",
        payer_claim_number="P1",
        claim_status_code="1",
        charge_amount=Decimal("145.00"),
        paid_amount=Decimal("145.00"),
        paid_on=date(2026, 4, 1),
    )
    state = CLAIM.given(ID, created(), verified)
    assert state.status is ClaimStatus.CREATED
    assert CLAIM.given(ID, created(), READY, paid).status is ClaimStatus.READY


def test_a_history_the_lifecycle_forbids_is_reported_not_folded() -> None:
    with pytest.raises(UnexpectedHistory, match="claim.ready recorded while the claim was held"):
        CLAIM.given(ID, created(), SCRUB_FAILED, READY)
    with pytest.raises(DomainError, match="claim.created recorded while the claim was created"):
        CLAIM.given(ID, created(), created())


def test_the_transition_table_is_data_about_registered_events() -> None:
    keys = [(t.source, t.event_type, t.when) for t in TRANSITIONS]
    assert len(keys) == len(set(keys)), "one target per (status, event, condition)"
    assert {t.event_type for t in TRANSITIONS} <= set(registry.event_types())
    reachable = {ClaimStatus.NOT_CREATED}
    for _ in TRANSITIONS:
        reachable |= {t.target for t in TRANSITIONS if t.source in reachable}
    assert reachable == set(ClaimStatus)
