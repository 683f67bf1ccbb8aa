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
from datetime import timedelta
from types import FrameType

from sqlalchemy.engine import Engine

from shared.config import KafkaSettings
from shared.logsafe import describe_error
from shared.messaging.consumer import (
    AfterCommit,
    ConsumerConfig,
    ConsumerStats,
    SubscriptionConsumer,
)
from shared.messaging.subscription import PayloadDecoder, Subscription

log = logging.getLogger(__name__)


class ConsumerDied(RuntimeError):
    """A consumer thread ended with an error; the worker must be restarted."""

    def __init__(self, failures: dict[str, BaseException]) -> None:
        described = "; ".join(f"{name}: {describe_error(exc)}" for name, exc in failures.items())
        super().__init__(f"consumer(s) stopped with an error: {described}")
        self.failures = failures


def subscription_consumer(
    subscription: Subscription,
    engine: Engine,
    settings: KafkaSettings,
    decode: PayloadDecoder,
    *,
    topics: Sequence[str],
    group_id: str,
    dead_letter_topic: str,
    client_id: str,
    replay_from_beginning: bool = False,
    after_db_commit: AfterCommit | None = None,
) -> SubscriptionConsumer:
    """A consumer for one subscription with the deployment's Kafka settings.

    Names are the broker's (already prefixed with the deployment: `settings.kafka_name`).
    WORKER_INSTANCE turns on static membership; the rest comes from KafkaSettings.
    """
    config = ConsumerConfig(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=list(topics),
        group_id=group_id,
        dead_letter_topic=dead_letter_topic,
        client_id=client_id,
        max_poll_records=settings.max_poll_records,
        group_instance_id=settings.worker_instance or None,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        max_message_bytes=settings.kafka_max_message_bytes,
        gap_timeout=timedelta(seconds=settings.subscription_gap_timeout_s),
        replay_from_beginning=replay_from_beginning,
    )
    return SubscriptionConsumer(
        config, engine, subscription, decode, after_db_commit=after_db_commit
    )


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
