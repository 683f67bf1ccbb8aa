"""The aggregate helper, with no I/O: fold events into state, decide commands, name the rule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.events import to_envelope
from shared.events.base import Event
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated, ClaimCreatedV1, ClaimWrittenOff
from shared.kernel import Aggregate, DomainError, IllegalTransition
from testsupport.claims import professional_claim

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Balance:
    claim_id: str
    charges: Decimal = Decimal("0.00")
    written_off: Decimal = Decimal("0.00")
    account_id: str | None = None
    seen: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteOffRest:
    reason: str


def apply(state: Balance, event: Event) -> Balance:
    state = replace(state, seen=(*state.seen, event.event_type))
    match event:
        case ClaimCreated(claim=claim, account_id=account):
            return replace(state, charges=claim.total_charge, account_id=account)
        case ClaimWrittenOff(amount=amount):
            return replace(state, written_off=state.written_off + amount)
    return state


def decide(state: Balance, command: WriteOffRest, now: datetime) -> list[Event]:
    rest = state.charges - state.written_off
    if state.account_id is None:
        raise IllegalTransition("not created", "write_off_rest", subject="the claim")
    if rest <= 0:
        raise DomainError("nothing-to-write-off", f"claim {state.claim_id} has no balance left")
    return [
        ClaimWrittenOff(
            claim_id=state.claim_id, amount=rest, reason_code="SMALL_BALANCE", reason=command.reason
        )
    ]


BALANCE: Aggregate[Balance, WriteOffRest] = Aggregate("balance", Balance, apply, decide)


def created(claim_id: str = "clm-1") -> ClaimCreated:
    claim = snapshot_v1(professional_claim(patient_control_number="PCN-7"))
    return ClaimCreated(
        claim_id=claim_id, account_id="org-a:PCN-7", organization_id="org-a", claim=claim
    )


def written_off(amount: str, claim_id: str = "clm-1") -> ClaimWrittenOff:
    return ClaimWrittenOff(
        claim_id=claim_id, amount=Decimal(amount), reason_code="X", reason="small balance"
    )


def test_a_stream_folds_in_order_from_the_empty_state() -> None:
    state = BALANCE.given("clm-1", created(), written_off("5.00"), written_off("0.50"))
    assert state == Balance(
        "clm-1",
        charges=Decimal("145.00"),
        written_off=Decimal("5.50"),
        account_id="org-a:PCN-7",
        seen=("claim.created", "claim.written_off", "claim.written_off"),
    )
    assert BALANCE.given("clm-2") == Balance("clm-2")
    # Folding more events continues from a state instead of starting over.
    assert BALANCE.fold("clm-1", [written_off("1.00")], state).written_off == Decimal("6.50")


def test_stored_envelopes_are_decoded_and_old_versions_upcast_before_apply() -> None:
    old = ClaimCreatedV1(
        claim_id="clm-1",
        organization_id="org-a",
        claim=snapshot_v1(professional_claim(patient_control_number="PCN-OLD")),
    )
    envelopes = [
        to_envelope(old, stream_version=1, occurred_at=NOW, organization_id="org-a", producer="x"),
        to_envelope(
            written_off("1.00"),
            stream_version=2,
            occurred_at=NOW,
            organization_id="org-a",
            producer="x",
        ),
    ]
    state = BALANCE.fold_envelopes("clm-1", envelopes)
    assert state.account_id == "org-a:PCN-OLD"  # v1 had no account id: the upcaster made it
    assert state.written_off == Decimal("1.00")


def test_decide_answers_from_state_alone_and_the_same_inputs_give_the_same_events() -> None:
    state = BALANCE.given("clm-1", created(), written_off("140.00"))
    first = BALANCE.decide(state, WriteOffRest("small balance"), NOW)
    assert first == [
        ClaimWrittenOff(
            claim_id="clm-1",
            amount=Decimal("5.00"),
            reason_code="SMALL_BALANCE",
            reason="small balance",
        )
    ]
    assert BALANCE.decide(state, WriteOffRest("small balance"), NOW) == first


def test_a_refusal_names_its_rule() -> None:
    settled = BALANCE.given("clm-1", created(), written_off("145.00"))
    with pytest.raises(DomainError, match="no balance left") as info:
        BALANCE.decide(settled, WriteOffRest("again"), NOW)
    assert info.value.rule == "nothing-to-write-off"


def test_an_illegal_transition_names_the_state_and_the_command() -> None:
    with pytest.raises(IllegalTransition) as info:
        BALANCE.decide(BALANCE.given("clm-9"), WriteOffRest("x"), NOW)
    assert str(info.value) == (
        "write_off_rest is not allowed when the claim is not created; nothing was appended"
    )
    assert (info.value.rule, info.value.state, info.value.command) == (
        "transition",
        "not created",
        "write_off_rest",
    )
