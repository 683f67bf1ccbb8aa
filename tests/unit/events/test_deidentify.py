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
