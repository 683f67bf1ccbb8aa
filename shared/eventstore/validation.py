"""Checks every backend makes on a batch before touching storage: shape and ownership."""

from __future__ import annotations

from collections.abc import Sequence

from shared.events.base import UnknownEventTypeError
from shared.events.envelope import EventEnvelope
from shared.events.registry import registry
from shared.eventstore.interface import InvalidAppendError, NotOwnerError


def check_batch(stream_id: str, expected_version: int, events: Sequence[EventEnvelope]) -> None:
    """Refuse a batch that is empty, spans streams, is not numbered expected + 1, + 2, ...,
    or carries an event its producer does not own."""
    if expected_version < 0:
        raise InvalidAppendError(f"expected_version must be >= 0, got {expected_version}")
    if not events:
        raise InvalidAppendError(f"stream {stream_id!r}: an append needs at least one event")
    for offset, event in enumerate(events, start=1):
        if event.stream_id != stream_id:
            raise InvalidAppendError(
                f"event {event.event_id} belongs to stream {event.stream_id!r}, not {stream_id!r}"
            )
        if event.stream_version != expected_version + offset:
            raise InvalidAppendError(
                f"stream {stream_id!r}: event {offset} of the batch has stream_version "
                f"{event.stream_version}, expected {expected_version + offset}"
            )
        check_producer(event)
    ids = [e.event_id for e in events]
    if len(set(ids)) != len(ids):
        raise InvalidAppendError(f"stream {stream_id!r}: the batch repeats an event_id")


def check_producer(event: EventEnvelope) -> None:
    """Only the service that owns an event type may append it (shared/events/ownership.py)."""
    try:
        owner = registry.owner(event.type)
    except UnknownEventTypeError:
        raise NotOwnerError(event.type, event.producer, None) from None
    if event.producer != owner.value:
        raise NotOwnerError(event.type, event.producer, owner.value)
