"""The reporting topic carries the same facts without PHI: names, birth dates, ids, addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.events import to_envelope
from shared.events.deidentify import deidentify
from shared.events.examples import ORG, example_events

NOW = datetime(2026, 3, 1, tzinfo=UTC)
KEY = b"reporting-test-key"


def _envelope(event):
    return to_envelope(
        event, stream_version=1, occurred_at=NOW, organization_id=ORG, producer="tests"
    )


def _phi_values(claim) -> list[str]:
    people = [claim.subscriber, claim.patient_person]
    values: list[str] = [claim.patient_control_number]
    for person in people:
        values += [person.last_name, person.first_name or ""]
        if person.birth_date:
            values.append(person.birth_date.isoformat())
        if person.address:
            values += [person.address.line1, person.address.postal_code]
    values.append(claim.subscriber.member_id)
    return [v for v in values if v]


def test_claim_created_on_the_reporting_topic_has_no_patient_identifiers() -> None:
    created = example_events()[1]
    envelope = _envelope(created)
    original = json.dumps(envelope.data)
    phi = _phi_values(created.claim)
    assert all(v in original for v in phi)  # the harness would notice PHI if it stayed

    public = json.dumps(deidentify(envelope, pseudonym_key=KEY).model_dump(mode="json"))
    leaked = [v for v in phi if v in public]
    assert leaked == []
    # The facts reporting needs stay: charges, payer, codes, organization.
    out = deidentify(envelope, pseudonym_key=KEY).data
    assert out["claim"]["total_charge"] == format(created.claim.total_charge, "f")
    assert out["claim"]["payer"]["payer_id"] == created.claim.payer.payer_id
    assert out["claim"]["diagnoses"] == list(created.claim.diagnoses)
    assert out["account_id"].startswith("pseud:")


def test_account_pseudonyms_are_stable_and_depend_on_the_key() -> None:
    payment = _envelope(example_events()[-1])
    a = deidentify(payment, pseudonym_key=KEY)
    b = deidentify(payment, pseudonym_key=KEY)
    c = deidentify(payment, pseudonym_key=b"another-key")
    assert a.stream_id == b.stream_id != c.stream_id
    assert payment.stream_id not in a.model_dump_json()
    assert a.data["amount"] == "20.00"


def test_a_key_is_required() -> None:
    with pytest.raises(ValueError, match="pseudonym key"):
        deidentify(_envelope(example_events()[1]), pseudonym_key=b"")


# --- Safe Harbor (default) and the limited data set (issue 14 point 9) ------------------------


def _lifecycle_envelopes():
    from datetime import date
    from decimal import Decimal

    # A v1 posting (as stored before the remit service): read back upcast to v2.
    from shared.events.remittance import AdjustmentGroup, ClaimAdjustment
    from shared.events.remittance import ClaimPaidV1 as ClaimPaid

    created = example_events()[1]
    service_day = created.claim.lines[0].service_date or date(2026, 2, 20)
    paid = ClaimPaid(
        claim_id=created.claim_id,
        remittance_id="rmt-9",
        payer_id="87726",
        payer_claim_number="PCN9",
        claim_status_code="1",
        charge_amount=created.claim.total_charge,
        paid_amount=created.claim.total_charge - Decimal("20.00"),
        patient_responsibility=Decimal("20.00"),
        adjustments=(
            ClaimAdjustment(
                group=AdjustmentGroup.PATIENT_RESPONSIBILITY,
                reason_code="3",
                amount=Decimal("20.00"),
            ),
        ),
        paid_on=date(2026, 4, 14),
    )
    return created, service_day, _envelope(created), _envelope(paid)


def test_safe_harbor_reduces_every_date_to_its_year_and_keeps_exact_day_intervals() -> None:
    created, service_day, created_env, paid_env = _lifecycle_envelopes()
    a = deidentify(created_env, pseudonym_key=KEY)
    b = deidentify(paid_env, pseudonym_key=KEY)
    public = a.model_dump_json() + b.model_dump_json()
    # No full date of the patient's care is left anywhere, the envelope's times included.
    for day in (service_day.isoformat(), "2026-04-14", NOW.date().isoformat()):
        assert day not in public
    assert a.occurred_at == datetime(2026, 1, 1, tzinfo=UTC) and a.recorded_at is None
    line = a.data["claim"]["lines"][0]
    assert line["service_date"] == str(service_day.year)
    assert b.data["paid_on"] == "2026"
    # Days from service to payment, as reporting computes them from the offsets.
    days = b.data["paid_on_offset_days"] - line["service_date_offset_days"]
    assert days == (datetime(2026, 4, 14).date() - service_day).days
    assert b.data["occurred_offset_days"] - a.data["occurred_offset_days"] == 0  # same NOW
    # The offsets' origin is secret (keyed) and differs per claim.
    other = deidentify(paid_env, pseudonym_key=b"another-key")
    assert other.data["paid_on_offset_days"] != b.data["paid_on_offset_days"]


def test_safe_harbor_groups_ages_over_89_and_the_limited_data_set_keeps_dates_and_town() -> None:
    created, service_day, created_env, _ = _lifecycle_envelopes()
    aged = created_env.model_copy(update={"data": {**created_env.data, "age": 93}})
    young = created_env.model_copy(update={"data": {**created_env.data, "age": 89}})
    assert deidentify(aged, pseudonym_key=KEY).data["age"] == "90+"
    assert deidentify(young, pseudonym_key=KEY).data["age"] == 89

    limited = deidentify(created_env, pseudonym_key=KEY, mode="limited")
    text = limited.model_dump_json()
    subscriber = created.claim.subscriber
    assert subscriber.last_name not in text and subscriber.member_id not in text
    assert subscriber.address is not None and subscriber.address.line1 not in text
    assert limited.data["claim"]["lines"][0]["service_date"] == service_day.isoformat()
    kept = limited.data["claim"]["subscriber"]["address"]
    assert (kept["city"], kept["postal_code"]) == (
        subscriber.address.city,
        subscriber.address.postal_code,
    )
    assert limited.data["account_id"].startswith("pseud:")
    with pytest.raises(ValueError, match="reporting mode"):
        deidentify(created_env, pseudonym_key=KEY, mode="everything")
