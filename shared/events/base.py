"""Base class, money type and errors for typed, versioned domain events."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared.events.ownership import Service

# The one money type of the code base, re-exported for the event modules.
from shared.money import Money as Money


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

    Subclasses set `event_type` and `event_version`, the one service that may append them
    (`owner`), and which field is the stream id (`stream_field`), so a typed event knows its
    stream without the caller repeating it. Any change to a published model's fields is a
    new version, never an edit in place; every version of a type has the same owner.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    owner: ClassVar[Service]
    stream_field: ClassVar[str] = "claim_id"

    @property
    def stream_id(self) -> str:
        return str(getattr(self, self.stream_field))
