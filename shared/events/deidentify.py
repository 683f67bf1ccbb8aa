"""Strip protected health information from an envelope for the reporting topic."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from shared.events.envelope import EventEnvelope

# Keys whose values identify a patient or subscriber (HIPAA identifiers named in DESIGN.md:
# names, birth dates, member ids, addresses; plus account and group numbers). They are
# removed wherever they appear, so a provider's address goes too: over-removal is safe,
# and a new event field with one of these names is covered without touching this list.
PHI_KEYS = frozenset(
    {
        "last_name",
        "first_name",
        "middle_name",
        "suffix",
        "birth_date",
        "address",
        "member_id",
        "group_number",
        "group_name",
        "patient_control_number",
        "medical_record_number",
        "phone",
        "email",
    }
)
# Keys that hold the patient account id: replaced by a keyed pseudonym so reporting can
# still count per account without learning the account number.
ACCOUNT_KEYS = frozenset({"account_id"})


def pseudonym(value: str, key: bytes) -> str:
    """A stable, keyed, non-reversible stand-in for an identifier."""
    return "pseud:" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _scrub(value: Any, key: bytes) -> Any:
    if isinstance(value, dict):
        return {
            k: (pseudonym(str(v), key) if k in ACCOUNT_KEYS and v is not None else _scrub(v, key))
            for k, v in value.items()
            if k not in PHI_KEYS
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, key) for v in value]
    return value


def deidentify(envelope: EventEnvelope, *, pseudonym_key: bytes) -> EventEnvelope:
    """The same fact without PHI: PHI keys removed, account ids pseudonymised.

    A patient-account stream's id is the account id itself, so it is pseudonymised too.
    """
    if not pseudonym_key:
        raise ValueError("a non-empty pseudonym key is needed to de-identify account ids")
    stream_id = envelope.stream_id
    if envelope.type.startswith("patient_account."):
        stream_id = pseudonym(stream_id, pseudonym_key)
    return envelope.model_copy(
        update={"data": _scrub(envelope.data, pseudonym_key), "stream_id": stream_id}
    )
