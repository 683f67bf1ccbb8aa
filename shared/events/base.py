"""Base class, money type and errors for typed, versioned domain events."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic.functional_validators import AfterValidator, BeforeValidator

from shared.claim_model import to_money


def _refuse_float(value: Any) -> Any:
    # A float has already lost cents (0.1 + 0.2); money must arrive as a string or Decimal.
    if isinstance(value, float):
        raise ValueError("money must be a decimal string or Decimal, never a float")
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_refuse_float),
    AfterValidator(to_money),
    # JSON carries money as a string ("12.50") so no subscriber parses it as a binary float.
    PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["125.00"]},
        mode="serialization",
    ),
]
"""Two-place Decimal, serialised in JSON as a string such as "125.00"."""


class EventContractError(ValueError):
    """An envelope cannot be turned into a typed event (unknown type/version, bad data)."""


class UnknownEventTypeError(EventContractError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}: no model is registered for it")
        self.event_type = event_type


class UnknownEventVersionError(EventContractError):
    def __init__(self, event_type: str, version: int, known: list[int]) -> None:
        super().__init__(
            f"event type {event_type!r} has no version {version} "
            f"(known versions: {', '.join(map(str, known))})"
        )
        self.event_type = event_type
        self.version = version


class EventDataError(EventContractError):
    """The data of a known type/version does not match its model."""

    def __init__(self, event_type: str, version: int, detail: str) -> None:
        super().__init__(
            f"event {event_type!r} v{version}: data does not match its model: {detail}"
        )
        self.event_type = event_type
        self.version = version


class Part(BaseModel):
    """A value object nested inside an event (a finding, an adjustment): frozen, strict keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(BaseModel):
    """A fact that happened, named in the past tense; one subclass per (type, version).

    Subclasses set `event_type` and `event_version` and say which field is the stream id
    (`stream_field`), so a typed event knows its stream without the caller repeating it.
    Any change to a published model's fields is a new version, never an edit in place.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    stream_field: ClassVar[str] = "claim_id"

    @property
    def stream_id(self) -> str:
        return str(getattr(self, self.stream_field))
