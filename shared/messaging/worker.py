"""Run several subscription consumers in one worker process, one thread each, until SIGTERM.

A consumer waits out outages by itself (see consumer); when one stops for any other reason
(a bug, a setting), the worker stops the others after the messages in hand and raises
`ConsumerDied`, so the process exits non-zero and its supervisor (systemd `Restart=`,
Kubernetes) starts it again. A worker that quietly kept running without one of its
consumers would leave that read model or process behind, unnoticed.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from shared.logsafe import describe_error
from shared.messaging.consumer import ConsumerStats, SubscriptionConsumer

log = logging.getLogger(__name__)


class ConsumerDied(RuntimeError):
    """A consumer thread ended with an error; the worker must be restarted."""

    def __init__(self, failures: dict[str, BaseException]) -> None:
        described = "; ".join(f"{name}: {describe_error(exc)}" for name, exc in failures.items())
        super().__init__(f"consumer(s) stopped with an error: {described}")
        self.failures = failures


def run_consumers(
    consumers: Sequence[SubscriptionConsumer],
    *,
    idle_polls_before_exit: int | None = None,
    handle_signals: bool = True,
) -> dict[str, ConsumerStats]:
    """Run every consumer on its own thread; returns their stats by client id."""
    if handle_signals:

        def _stop(signum: int, frame: FrameType | None) -> None:
            log.info(
                "signal %d: stopping %d consumer(s) after the messages in hand",
                signum,
                len(consumers),
            )
            for consumer in consumers:
                consumer.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    results: dict[str, ConsumerStats] = {}
    failures: dict[str, BaseException] = {}

    def _run(consumer: SubscriptionConsumer) -> None:
        name = consumer.config.client_id
        try:
            results[name] = consumer.run(idle_polls_before_exit=idle_polls_before_exit)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            failures[name] = exc
            log.error("consumer %s died: %s", name, describe_error(exc), exc_info=exc)
            for other in consumers:
                other.stop()

    threads = [
        threading.Thread(target=_run, args=(consumer,), name=consumer.config.client_id)
        for consumer in consumers
    ]
    for thread in threads:
        thread.start()
    # Join with a timeout so the main thread keeps receiving signals.
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.2)
    if failures:
        raise ConsumerDied(failures)
    return results
