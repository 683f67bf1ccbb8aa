"""The claim lifecycle as one table: the page is generated from it, every status the issue
names is in it, and a command the table does not allow is refused naming the state and the
command, with nothing decided (so nothing can be appended)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from services.claims.commands import Accept, MarkReady, Void
from services.claims.domain import CLAIM, TRANSITIONS, ClaimStatus, decide
from services.claims.lifecycle_docs import render
from shared.events.claims import ClaimAccepted, ClaimReady, ClaimSubmitted
from shared.kernel import IllegalTransition
from testsupport.claim_events import claim_created

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
ID = "clm-life"


def test_the_page_is_generated_from_the_table() -> None:
    page = (ROOT / "docs" / "claim-lifecycle.md").read_text()
    assert page == render(), "run: revcycle claims lifecycle-docs"
    assert "stateDiagram-v2" in page


def test_the_statuses_the_issue_names_are_all_reached_by_the_table() -> None:
    targets = {t.target for t in TRANSITIONS}
    named = {"ready", "submitted", "acknowledged", "accepted", "rejected", "adjudicated"}
    named |= {"corrected", "voided", "closed"}
    assert named <= {s.value for s in targets}


def _state(*events: object) -> object:
    state = CLAIM.initial(ID)
    for event in events:
        state = CLAIM.apply(state, event)
    return state


def test_an_illegal_command_names_the_state_and_the_command() -> None:
    created = claim_created(ID)
    ready = ClaimReady(claim_id=ID, payer_id="87726", total_charge=Decimal("145.00"))
    state = _state(created, ready)
    with pytest.raises(IllegalTransition) as refused:
        decide(state, Accept("bat-1", "X1", None, None, None), NOW)  # type: ignore[arg-type]
    assert refused.value.state == ClaimStatus.READY
    assert "ready" in str(refused.value) and "accept" in str(refused.value)
    with pytest.raises(IllegalTransition):
        decide(state, MarkReady(), NOW)  # type: ignore[arg-type]


def test_a_voided_claim_refuses_everything_after() -> None:
    created = claim_created(ID)
    ready = ClaimReady(claim_id=ID, payer_id="87726", total_charge=Decimal("145.00"))
    state = _state(created, ready)
    [voided] = decide(state, Void("not ours"), NOW)  # type: ignore[arg-type]
    state = _state(created, ready, voided)
    assert state.status is ClaimStatus.VOIDED  # type: ignore[attr-defined]
    for command in (Void("again"), MarkReady()):
        with pytest.raises(IllegalTransition) as refused:
            decide(state, command, NOW)  # type: ignore[arg-type]
        assert "voided" in str(refused.value)


def test_an_accepted_claim_is_voided_with_its_payer_claim_number() -> None:
    created = claim_created(ID)
    ready = ClaimReady(claim_id=ID, payer_id="87726", total_charge=Decimal("145.00"))
    submitted = ClaimSubmitted(
        claim_id=ID,
        payer_id="87726",
        batch_id="bat-1",
        interchange_control_number="000000001",
        total_charge=Decimal("145.00"),
    )
    accepted = ClaimAccepted(claim_id=ID, payer_claim_number="ICN-9", batch_id="bat-1")
    state = _state(created, ready, submitted, accepted)
    [voided] = decide(state, Void("duplicate"), NOW)  # type: ignore[arg-type]
    assert voided.payer_claim_number == "ICN-9"  # type: ignore[attr-defined]
    after = _state(created, ready, submitted, accepted, voided)
    assert after.status is ClaimStatus.VOID_PENDING  # type: ignore[attr-defined]
