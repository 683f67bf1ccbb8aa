"""Event contracts: envelope, typed versioned events per context, registry, topics."""

from shared.events.base import (
    Event,
    EventContractError,
    EventDataError,
    Money,
    UnknownEventTypeError,
    UnknownEventVersionError,
)
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode, registry, to_envelope, to_envelopes

__all__ = [
    "Event",
    "EventContractError",
    "EventDataError",
    "EventEnvelope",
    "Money",
    "UnknownEventTypeError",
    "UnknownEventVersionError",
    "decode",
    "registry",
    "to_envelope",
    "to_envelopes",
]
