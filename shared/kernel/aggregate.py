"""Aggregates: a stream folded with a pure `apply`, commands answered by a pure `decide`.

Nothing here does I/O: the unit of work (`shared.kernel.unit_of_work`) loads the stream,
and `Aggregate.fold` / `Aggregate.decide` turn it into state and new events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from shared.events.base import Event
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode

S = TypeVar("S")
C = TypeVar("C")


class DomainError(Exception):
    """A command refused by a business rule; nothing was appended.

    `rule` names the rule in a word or two (e.g. "transition", "claim-total"), so callers
    and logs can tell refusals apart without parsing the message.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class IllegalTransition(DomainError):
    """The command is not allowed in the state the stream is in; names both."""

    def __init__(self, state: str, command: str, *, subject: str = "the stream") -> None:
        super().__init__(
            "transition",
            f"{command} is not allowed when {subject} is {state}; nothing was appended",
        )
        self.state = state
        self.command = command


@dataclass(frozen=True)
class Aggregate(Generic[S, C]):
    """One kind of stream's rules: its empty state, how an event changes it, what a command does.

    `initial(stream_id)` is the state of a stream with no events; `apply(state, event)`
    folds one event; `decide(state, command, now)` returns the new events or raises a
    `DomainError`. All three are pure: no I/O, no clock (`now` is passed in), no random.
    """

    name: str
    initial: Callable[[str], S]
    apply: Callable[[S, Event], S]
    decide: Callable[[S, C, datetime], Sequence[Event]]

    def fold(self, stream_id: str, events: Iterable[Event], state: S | None = None) -> S:
        """The state after `events`, starting from `state` (or the empty state)."""
        current = self.initial(stream_id) if state is None else state
        for event in events:
            current = self.apply(current, event)
        return current

    def fold_envelopes(self, stream_id: str, envelopes: Iterable[EventEnvelope]) -> S:
        """`fold` of stored envelopes, each decoded to its latest model (old versions upcast)."""
        return self.fold(stream_id, (decode(e) for e in envelopes))

    def given(self, stream_id: str, *events: Event) -> S:
        """The state after these events: reads like a rule's premise in a test."""
        return self.fold(stream_id, events)
