"""Event contracts: every lifecycle fact is a typed, versioned, frozen model that survives JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.events import (
    EventDataError,
    EventEnvelope,
    UnknownEventTypeError,
    UnknownEventVersionError,
    decode,
    registry,
    to_envelope,
    to_envelopes,
)
from shared.events.claim_snapshot import claim_from_snapshot, snapshot_v1
from shared.events.claim_snapshot_v2 import claim_from_snapshot_v2, snapshot_v2
from shared.events.claims import ClaimCreated, ClaimCreatedV1, ClaimWrittenOff
from shared.events.examples import ORG, example_events
from shared.events.patient_account import PaymentReceived, patient_account_id
from shared.events.remittance import ClaimPaid
from shared.events.topics import (
    ALL_TOPICS,
    CLAIM_EVENTS,
    PATIENT_ACCOUNT_EVENTS,
    REMITTANCE_EVENTS,
    NoTopicError,
    topic_for,
)
from testsupport.claims import professional_claim

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)

DESIGN_CLAIM_LIFECYCLE = [
    "created",
    "scrub_failed",
    "eligibility_verified",
    "submitted",
    "acknowledged",
    "rejected",
    "accepted",
    "paid",
    "partially_paid",
    "denied",
    "reversed",
    "underpaid",
    "appealed",
    "appeal_decided",
    "corrected",
    "voided",
    "secondary_created",
    "written_off",
    "closed",
]


def envelope_of(event, stream_version: int = 1) -> EventEnvelope:
    return to_envelope(
        event,
        stream_version=stream_version,
        occurred_at=NOW,
        organization_id=ORG,
        producer="tests",
    )


def test_every_lifecycle_step_of_the_design_has_a_registered_event() -> None:
    types = set(registry.event_types())
    missing = [s for s in DESIGN_CLAIM_LIFECYCLE if f"claim.{s}" not in types]
    missing += [
        s for s in ("statement_issued", "payment_received") if f"patient_account.{s}" not in types
    ]
    assert missing == []


@pytest.mark.parametrize(
    "event", example_events(), ids=lambda e: f"{e.event_type}-v{e.event_version}"
)
def test_each_event_survives_the_wire_and_decodes_to_its_latest_model(event) -> None:
    wire = envelope_of(event).model_dump_json()
    received = EventEnvelope.model_validate_json(wire)
    decoded = decode(received)
    latest = registry.latest(event.event_type)
    assert type(decoded) is latest
    if type(event) is latest:
        assert decoded == event


def test_money_travels_as_two_place_strings_never_floats() -> None:
    claim = professional_claim()
    event = ClaimCreated(
        claim_id="c-1",
        account_id=patient_account_id(ORG, claim.patient_control_number),
        organization_id=ORG,
        claim=snapshot_v1(claim),
    )
    data = json.loads(envelope_of(event).model_dump_json())["data"]
    assert data["claim"]["total_charge"] == format(claim.total_charge, "f")
    example = next(e for e in example_events() if isinstance(e, ClaimPaid))
    paid = ClaimPaid.model_validate(envelope_of(example).data)
    as_json = json.loads(paid.model_dump_json())
    assert isinstance(as_json["paid_amount"], str) and as_json["paid_amount"].count(".") == 1
    assert len(as_json["paid_amount"].split(".")[1]) == 2
    assert (
        ClaimWrittenOff(
            claim_id="c", amount=Decimal("10.1"), reason_code="X", reason="y"
        ).model_dump(mode="json")["amount"]
        == "10.10"
    )


def test_a_float_amount_that_lost_cents_is_refused_with_a_named_field() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary: refused, never rounded to 0.30.
    with pytest.raises(ValidationError, match="amount") as info:
        ClaimWrittenOff(claim_id="c", amount=0.1 + 0.2, reason_code="X", reason="y")  # type: ignore[arg-type]
    assert "more than two decimal places" in str(info.value)


def test_a_float_that_is_exactly_an_amount_is_kept_as_written() -> None:
    # A JSON number such as 145.1 parses to a float whose shortest form is what was sent.
    event = ClaimWrittenOff(claim_id="c", amount=145.1, reason_code="X", reason="y")  # type: ignore[arg-type]
    assert event.amount == Decimal("145.10")
    assert event.model_dump(mode="json")["amount"] == "145.10"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("145.005", "more than two decimal places"),
        ("1E+26", "too large"),
        ("NaN", "finite"),
        (1e20, "send it as a string"),
    ],
)
def test_money_is_never_rounded_or_guessed(amount: object, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        ClaimWrittenOff(claim_id="c", amount=amount, reason_code="X", reason="y")  # type: ignore[arg-type]


def test_events_are_frozen() -> None:
    event = ClaimWrittenOff(claim_id="c", amount=Decimal("1.00"), reason_code="X", reason="y")
    with pytest.raises(ValidationError):
        event.amount = Decimal("2.00")  # type: ignore[misc]


def test_a_stored_v1_claim_created_decodes_as_the_latest_with_the_account_id_derived() -> None:
    claim = professional_claim()
    v1 = ClaimCreatedV1(claim_id="c-9", organization_id="org-a", claim=snapshot_v1(claim))
    stored = EventEnvelope.model_validate_json(envelope_of(v1).model_dump_json())
    assert stored.version == 1 and "account_id" not in stored.data
    decoded = decode(stored)
    assert isinstance(decoded, ClaimCreated) and decoded.event_version == 3
    assert decoded.account_id == f"org-a:{claim.patient_control_number}"
    assert decoded.claim == snapshot_v2(claim)
    assert claim_from_snapshot_v2(decoded.claim) == claim
    assert claim_from_snapshot(snapshot_v1(claim)) == claim  # v1's own reader is unchanged


def test_unknown_type_and_version_raise_the_contract_errors() -> None:
    base = envelope_of(example_events()[1])
    with pytest.raises(UnknownEventTypeError, match="claim.teleported"):
        decode(base.model_copy(update={"type": "claim.teleported"}))
    with pytest.raises(UnknownEventVersionError, match="no version 7"):
        decode(base.model_copy(update={"version": 7}))


def test_bad_data_names_the_field_but_not_the_patient_value() -> None:
    event = example_events()[1]
    data = envelope_of(event).data
    data["claim"]["subscriber"]["last_name"] = {"not": "a string"}
    data["claim"]["subscriber"]["member_id"] = None
    bad = envelope_of(event).model_copy(update={"data": data})
    with pytest.raises(EventDataError, match=r"claim\.subscriber\.member_id") as info:
        decode(bad)
    assert "'not'" not in str(info.value)


def test_to_envelopes_numbers_a_batch_after_the_expected_version() -> None:
    e = example_events()
    batch = to_envelopes(
        [e[2], e[3], e[4]],
        expected_version=4,
        occurred_at=NOW,
        organization_id=ORG,
        producer="tests",
    )
    assert [x.stream_version for x in batch] == [5, 6, 7]
    assert {x.stream_id for x in batch} == {"clm-0001"}
    with pytest.raises(ValueError, match="one stream"):
        to_envelopes(
            [e[2], e[-1]],
            expected_version=0,
            occurred_at=NOW,
            organization_id=ORG,
            producer="tests",
        )


def test_every_event_type_has_exactly_one_topic_keyed_by_its_stream() -> None:
    for event_type in registry.event_types():
        assert sum(t.carries(event_type) for t in ALL_TOPICS) == 1, event_type
    assert topic_for("claim.paid") is CLAIM_EVENTS
    assert topic_for("patient_account.payment_received") is PATIENT_ACCOUNT_EVENTS
    assert topic_for("remittance.received") is REMITTANCE_EVENTS
    with pytest.raises(NoTopicError):
        topic_for("payroll.run")
    assert len({t.name for t in ALL_TOPICS}) == len(ALL_TOPICS)


def test_patient_account_events_stream_on_the_account() -> None:
    payment = PaymentReceived(
        account_id="org-a:PCN1",
        payment_id=str(uuid4()),
        amount=Decimal("5.00"),
        method="cash",
        received_on=NOW.date(),
    )
    assert envelope_of(payment).stream_id == "org-a:PCN1"
    with pytest.raises(ValueError, match="patient control number"):
        patient_account_id("org-a", "")


def test_an_unregistered_event_class_cannot_be_enveloped() -> None:
    class ClaimTeleported(ClaimWrittenOff):
        event_type: ClassVar[str] = "claim.teleported"

    class ClaimWrittenOffV9(ClaimWrittenOff):
        event_version: ClassVar[int] = 9

    amount = Decimal("1.00")
    with pytest.raises(UnknownEventTypeError, match="claim.teleported"):
        envelope_of(ClaimTeleported(claim_id="c", amount=amount, reason_code="X", reason="y"))
    with pytest.raises(UnknownEventVersionError, match="no version 9"):
        envelope_of(ClaimWrittenOffV9(claim_id="c", amount=amount, reason_code="X", reason="y"))
