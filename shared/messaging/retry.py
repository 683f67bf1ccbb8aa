"""Which errors are outages (retry later) and how long to wait: capped exponential backoff.

The relay and the workers must outlive a PostgreSQL restart or a broker restart without a
person: they classify an error as transient (the database or broker is unreachable, a
request timed out) or not (a bug, a bad setting), back off on the former and carry on, and
let the latter end the process with a non-zero code so a supervisor restarts it.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa

from shared.logsafe import describe_error

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Backoff:
    """0.5 s, 1 s, 2 s ... up to `cap`, with +-20% jitter so restarted peers do not march."""

    initial_s: float = 0.5
    cap_s: float = 10.0
    factor: float = 2.0
    failures: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def next_delay(self) -> float:
        delay = min(self.cap_s, self.initial_s * self.factor**self.failures)
        self.failures += 1
        return delay * self._rng.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.failures = 0

    def report(self, logger: logging.Logger, who: str, exc: BaseException) -> float:
        """Log an outage and return how long to wait before the next attempt.

        A warning while it may be a blip; an error once it has lasted six attempts (about
        half a minute), which is what alerting should key on.
        """
        delay = self.next_delay()
        logger.log(
            logging.ERROR if self.failures >= 6 else logging.WARNING,
            "%s: outage (%s); retrying in %.1f s (attempt %d)",
            who,
            describe_error(exc),
            delay,
            self.failures,
        )
        return delay


def is_transient(exc: BaseException) -> bool:
    """True for outages of the database or the broker (retry), False for everything else."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError)):
        return True
    if isinstance(exc, sa.exc.TimeoutError):  # the connection pool could not hand one out
        return True
    import psycopg
    from kafka.errors import (  # type: ignore[import-untyped,unused-ignore]
        IllegalArgumentError,
        KafkaConfigurationError,
        KafkaError,
        MessageSizeTooLargeError,
    )

    if isinstance(exc, psycopg.OperationalError):
        return True
    if isinstance(exc, KafkaError):
        # Every broker-side or network failure; settings, API misuse and a record the broker
        # will never take (too large) are not outages.
        return not isinstance(
            exc, (KafkaConfigurationError, IllegalArgumentError, MessageSizeTooLargeError)
        )
    return isinstance(exc, (ConnectionError, TimeoutError))


def call_until_reachable(
    action: Callable[[], T],
    what: str,
    *,
    stop: threading.Event | None = None,
    backoff: Backoff | None = None,
) -> T:
    """Run `action`, retrying transient errors with backoff (e.g. start-up while PostgreSQL
    or the broker is still down); other errors propagate. Raises Stopped if `stop` is set."""
    backoff = backoff or Backoff()
    waiter = stop or threading.Event()
    while True:
        if waiter.is_set():
            raise Stopped(what)
        try:
            return action()
        except Exception as exc:
            if not is_transient(exc):
                raise
            delay = backoff.next_delay()
            log.warning(
                "%s: unreachable (%s); retrying in %.1f s", what, describe_error(exc), delay
            )
            waiter.wait(delay)


class Stopped(RuntimeError):
    """Asked to stop while waiting for a server to come back."""

    def __init__(self, what: str) -> None:
        super().__init__(f"stopped while waiting to {what}")
