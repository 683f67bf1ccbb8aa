"""Strip protected health information from an envelope for the reporting topic.

Two modes (docs/reporting.md): `safe_harbor` (the default; HIPAA 45 CFR 164.514(b)(2)) and
`limited` (a limited data set, 164.514(e), for recipients under a data use agreement).

Safe Harbor: the identifiers below are removed wherever they appear; account ids become
keyed pseudonyms; every date is reduced to its year, and beside each a day offset from a
secret origin of the stream (keyed, per claim or account) keeps the intervals that A/R
math needs (days from service to payment) without the dates; ages over 89 are grouped as
"90+". Limited data set: names, street addresses, member and account numbers, phones and
e-mails still go; dates, ages, and town, state and ZIP code stay.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

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


ReportingMode = Literal["safe_harbor", "limited"]
REPORTING_MODES: tuple[str, ...] = ("safe_harbor", "limited")

# A limited data set may keep these parts of an address (164.514(e)(2)): town, state, ZIP.
LIMITED_ADDRESS_KEYS = frozenset({"city", "state", "postal_code", "country"})
# Removed in both modes; birth dates stay in a limited data set (dates are allowed there).
LIMITED_PHI_KEYS = PHI_KEYS - {"birth_date", "address"}
_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4})-\d{2}-\d{2}[T ]\d{2}:\d{2}")
AGE_KEYS = frozenset({"age", "patient_age", "age_years"})
OFFSET_SUFFIX = "_offset_days"
OCCURRED_OFFSET = "occurred_offset_days"


def stream_origin(stream_id: str, key: bytes) -> date:
    """A secret day per stream (keyed): day offsets count from it, so the dates stay hidden
    while the days between two events of one claim or account stay exact."""
    digest = hmac.new(key, b"origin:" + stream_id.encode("utf-8"), hashlib.sha256).digest()
    return date(2000, 1, 1) + timedelta(days=int.from_bytes(digest[:4], "big") % 7305)


def _day_of(value: str) -> date | None:
    try:
        if _DATE.match(value):
            return date.fromisoformat(value)
        if _DATETIME.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    except ValueError:
        return None
    return None


def _safe_harbor(value: Any, origin: date) -> Any:
    """Dates to years with day offsets beside them; ages over 89 grouped."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            day = _day_of(v) if isinstance(v, str) else None
            if day is not None:
                out[k] = str(day.year)
                out[k + OFFSET_SUFFIX] = (day - origin).days
            elif k in AGE_KEYS and isinstance(v, int) and not isinstance(v, bool) and v > 89:
                out[k] = "90+"
            else:
                out[k] = _safe_harbor(v, origin)
        return out
    if isinstance(value, list | tuple):
        return [_safe_harbor(v, origin) for v in value]
    return value


def _limited(value: Any, key: bytes) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in LIMITED_PHI_KEYS:
                continue
            if k == "address":
                if isinstance(v, dict):
                    out[k] = {a: b for a, b in v.items() if a in LIMITED_ADDRESS_KEYS}
                continue
            out[k] = (
                pseudonym(str(v), key) if k in ACCOUNT_KEYS and v is not None else _limited(v, key)
            )
        return out
    if isinstance(value, list | tuple):
        return [_limited(v, key) for v in value]
    return value


def deidentify(
    envelope: EventEnvelope, *, pseudonym_key: bytes, mode: str = "safe_harbor"
) -> EventEnvelope:
    """The same fact without PHI (module docstring): identifiers removed, account ids
    pseudonymised, and in Safe Harbor mode dates reduced to years with day offsets.

    A patient-account stream's id is the account id itself, so it is pseudonymised too.
    The envelope's own times are dates of the patient's care too: in Safe Harbor mode they
    become the first instant of their year, the day offset travels in the data
    (`occurred_offset_days`), and `recorded_at` is dropped.
    """
    if not pseudonym_key:
        raise ValueError("a non-empty pseudonym key is needed to de-identify account ids")
    if mode not in REPORTING_MODES:
        raise ValueError(f"reporting mode must be one of {', '.join(REPORTING_MODES)}")
    stream_id = envelope.stream_id
    if envelope.type.startswith("patient_account."):
        stream_id = pseudonym(stream_id, pseudonym_key)
    if mode == "limited":
        return envelope.model_copy(
            update={"data": _limited(envelope.data, pseudonym_key), "stream_id": stream_id}
        )
    origin = stream_origin(envelope.stream_id, pseudonym_key)
    data = _safe_harbor(_scrub(envelope.data, pseudonym_key), origin)
    occurred = envelope.occurred_at.astimezone(UTC)
    data[OCCURRED_OFFSET] = (occurred.date() - origin).days
    return envelope.model_copy(
        update={
            "data": data,
            "stream_id": stream_id,
            "occurred_at": datetime(occurred.year, 1, 1, tzinfo=UTC),
            "recorded_at": None,
        }
    )
