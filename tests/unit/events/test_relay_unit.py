"""Relay logic on SQLite with a recording publisher: order, keys, topics, checkpoint after acks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.db import create_db_engine
from shared.events import to_envelopes
from shared.events.claims import ClaimWrittenOff
from shared.events.examples import example_events
from shared.events.topics import CLAIM_EVENTS, PATIENT_ACCOUNT_EVENTS, REPORTING_EVENTS
from shared.eventstore.migrations import upgrade
from shared.eventstore.sql import SqlEventStore
from shared.messaging.relay import (
    CheckpointStore,
    DeadLetters,
    Relay,
    RelayConfig,
    wait_until_published,
)
from testsupport.events import insert_raw_event


class Acked:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def get(self, timeout: float | None = None) -> Any:
        if self.error:
            raise self.error
        return None


Fault = Callable[[bytes, int], Exception | None]
"""fault(key, n): the error the n-th send's acknowledgement fails with, or None."""


class RecordingPublisher:
    """Keeps what was acknowledged; `fail_on` or `fault` make acknowledgements fail."""

    def __init__(self, fail_on: int | None = None, fault: Fault | None = None) -> None:
        self.sent: list[tuple[str, bytes, dict[str, Any]]] = []
        self.fail_on = fail_on
        self.fault = fault
        self._sends = 0

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Acked:
        assert value is not None and key is not None
        self._sends += 1
        error = self.fault(key, self._sends) if self.fault else None
        if error is not None:
            return Acked(error)
        self.sent.append((topic, key, json.loads(value)))
        if self.fail_on is not None and len(self.sent) == self.fail_on:
            return Acked(TimeoutError("broker did not acknowledge"))
        return Acked()

    def flush(self, timeout: float | None = None) -> None:
        pass

    def close(self, timeout: float | None = None) -> None:
        pass

    def on(self, topic: str) -> list[tuple[str, bytes, dict[str, Any]]]:
        return [s for s in self.sent if s[0] == topic]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlEventStore]:
    url = f"sqlite:///{tmp_path / 'relay.sqlite'}"
    upgrade(url)
    store = SqlEventStore(create_db_engine(url))
    yield store
    store.engine.dispose()


def append_write_offs(store: SqlEventStore, claim_id: str, n: int) -> None:
    version = store.stream_version(claim_id)
    events = [
        ClaimWrittenOff(
            claim_id=claim_id, amount=Decimal(f"{i + 1}.00"), reason_code="X", reason="t"
        )
        for i in range(n)
    ]
    store.append(
        claim_id,
        version,
        to_envelopes(
            events,
            expected_version=version,
            occurred_at=datetime.now(UTC),
            organization_id="org",
            producer="followup",
        ),
    )


def test_events_go_to_their_topic_keyed_by_stream_in_stream_order(store: SqlEventStore) -> None:
    append_write_offs(store, "clm-a", 2)
    append_write_offs(store, "clm-b", 1)
    append_write_offs(store, "clm-a", 1)
    publisher = RecordingPublisher()
    relay = Relay(store, publisher, RelayConfig(batch_size=2))
    assert relay.run_once() == 4
    claims = publisher.on(CLAIM_EVENTS.name)
    assert [(k.decode(), v["stream_version"]) for _, k, v in claims] == [
        ("clm-a", 1),
        ("clm-a", 2),
        ("clm-b", 1),
        ("clm-a", 3),
    ]
    assert [v["position"] for _, _, v in claims] == [1, 2, 3, 4]
    assert len(publisher.on(REPORTING_EVENTS.name)) == 4
    assert CheckpointStore(store.engine).get("kafka") == 4
    assert relay.run_once() == 0  # nothing new: nothing re-sent
    assert len(publisher.sent) == 8


def test_patient_account_events_and_their_reporting_copy_hide_the_account(
    store: SqlEventStore,
) -> None:
    payment = example_events()[-1]
    [envelope] = to_envelopes(
        [payment],
        expected_version=0,
        occurred_at=datetime.now(UTC),
        organization_id="org",
        producer="followup",
    )
    store.append(envelope.stream_id, 0, [envelope])
    publisher = RecordingPublisher()
    Relay(store, publisher).run_once()
    [(_, key, _)] = publisher.on(PATIENT_ACCOUNT_EVENTS.name)
    assert key.decode() == envelope.stream_id
    [(_, public_key, public)] = publisher.on(REPORTING_EVENTS.name)
    assert envelope.stream_id not in public_key.decode()
    assert envelope.stream_id not in json.dumps(public)


def test_an_unacknowledged_send_keeps_the_checkpoint_and_the_page_is_sent_again(
    store: SqlEventStore,
) -> None:
    append_write_offs(store, "clm-a", 3)
    failing = RecordingPublisher(fail_on=3)  # the third event is never acknowledged
    relay = Relay(store, failing, RelayConfig(publish_reporting=False))
    with pytest.raises(TimeoutError):
        relay.run_once()
    assert CheckpointStore(store.engine).get("kafka") == 0
    retry = RecordingPublisher()
    assert Relay(store, retry, RelayConfig(publish_reporting=False)).run_once() == 3
    assert [v["stream_version"] for _, _, v in retry.sent] == [1, 2, 3]


def test_topic_names_can_be_mapped_for_prefixed_clusters(store: SqlEventStore) -> None:
    append_write_offs(store, "clm-a", 1)
    publisher = RecordingPublisher()
    config = RelayConfig(
        topic_names={CLAIM_EVENTS.name: "t1.claims", REPORTING_EVENTS.name: "t1.reporting"}
    )
    Relay(store, publisher, config).run_once()
    assert sorted(t for t, _, _ in publisher.sent) == ["t1.claims", "t1.reporting"]


def test_the_checkpoint_never_moves_backwards(store: SqlEventStore) -> None:
    checkpoints = CheckpointStore(store.engine)
    checkpoints.save("kafka", 10)
    checkpoints.save("kafka", 7)  # a stale relay finishing late
    assert checkpoints.get("kafka") == 10
    assert checkpoints.get("other") == 0


# --- one event never stops the pipeline: dead letters and parked streams ----------------------


def big_write_off(store: SqlEventStore, claim_id: str, reason_size: int) -> None:
    """A write-off whose free-text reason makes its record about `reason_size` bytes."""
    version = store.stream_version(claim_id)
    event = ClaimWrittenOff(
        claim_id=claim_id, amount=Decimal("1.00"), reason_code="X", reason="r" * reason_size
    )
    store.append(
        claim_id,
        version,
        to_envelopes(
            [event],
            expected_version=version,
            occurred_at=datetime.now(UTC),
            organization_id="org",
            producer="followup",
        ),
    )


def insert_raw_row(
    store: SqlEventStore, stream_id: str, version: int, type_: str, data: Any
) -> None:
    insert_raw_event(
        store.engine, stream_id=stream_id, stream_version=version, event_type=type_, data=data
    )


def claim_versions(publisher: RecordingPublisher) -> list[tuple[str, int]]:
    return [(k.decode(), v["stream_version"]) for _, k, v in publisher.on(CLAIM_EVENTS.name)]


LIMIT = RelayConfig(publish_reporting=False, max_message_bytes=4000)


def test_an_oversized_event_is_dead_lettered_its_stream_parked_and_the_rest_published(
    store: SqlEventStore, caplog: pytest.LogCaptureFixture
) -> None:
    append_write_offs(store, "clm-big", 1)
    big_write_off(store, "clm-big", 10_000)  # position 2: over the 4,000-byte limit
    append_write_offs(store, "clm-ok", 1)
    append_write_offs(store, "clm-big", 2)  # positions 4, 5: held back behind the dead letter
    append_write_offs(store, "clm-ok", 1)
    publisher = RecordingPublisher()
    relay = Relay(store, publisher, LIMIT)
    with caplog.at_level("ERROR", logger="shared.messaging.relay"):
        assert relay.run_once() == 6
    assert claim_versions(publisher) == [("clm-big", 1), ("clm-ok", 1), ("clm-ok", 2)]
    assert CheckpointStore(store.engine).get("kafka") == 6  # the pipeline went on
    assert (relay.stats.dead_lettered, relay.stats.held_back) == (1, 2)
    [alert] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "position 2" in alert.getMessage() and "clm-big" in alert.getMessage()
    letters = DeadLetters(store.engine)
    assert letters.counts("kafka") == (1, 1)
    [parked] = letters.parked_streams("kafka", checkpoint=6)
    assert (parked.stream_id, parked.since_position, parked.held_back) == ("clm-big", 2, 2)
    assert parked.event_type == "claim.written_off"
    assert parked.reason.startswith(
        "MessageSizeTooLarge: the record for revcycle.claim-events.v1 is"
    )
    assert "KAFKA_MAX_MESSAGE_BYTES=4000" in parked.reason
    # Later events of the parked stream keep being held back; others keep flowing.
    append_write_offs(store, "clm-big", 1)
    append_write_offs(store, "clm-ok", 1)
    relay.run_once()
    assert claim_versions(publisher)[-1] == ("clm-ok", 3)
    assert ("clm-big", 5) not in claim_versions(publisher)


def test_an_unreadable_row_and_an_event_without_a_topic_are_dead_lettered(
    store: SqlEventStore,
) -> None:
    insert_raw_row(store, "clm-corrupt", 1, "claim.written_off", [1, 2, 3])  # data not an object
    insert_raw_row(store, "thing-1", 1, "bogus.happened", {"x": 1})  # no topic carries it
    append_write_offs(store, "clm-ok", 1)
    publisher = RecordingPublisher()
    relay = Relay(store, publisher, LIMIT)
    assert relay.run_once() == 3
    assert claim_versions(publisher) == [("clm-ok", 1)]
    reasons = {p.stream_id: p.reason for p in DeadLetters(store.engine).parked_streams("kafka", 3)}
    assert reasons["clm-corrupt"].startswith("unreadable event row: ValidationError: data:")
    assert reasons["thing-1"] == (
        "not serialisable: NoTopicError: no topic carries event type 'bogus.happened'"
    )


def test_release_publishes_the_held_back_events_in_order_without_the_dead_letter(
    store: SqlEventStore,
) -> None:
    append_write_offs(store, "clm-big", 1)
    big_write_off(store, "clm-big", 10_000)
    append_write_offs(store, "clm-big", 2)
    publisher = RecordingPublisher()
    relay = Relay(store, publisher, LIMIT)
    relay.run_once()
    letters = DeadLetters(store.engine)
    assert letters.request("kafka", "clm-big", "release") == 2
    append_write_offs(store, "clm-big", 1)  # committed after the request, before the relay acts
    relay.run_once()
    assert claim_versions(publisher) == [("clm-big", v) for v in (1, 3, 4, 5)]
    assert letters.parked_streams("kafka", 5) == []
    assert letters.counts("kafka") == (0, 1)
    assert relay.stats.released == 2
    with pytest.raises(LookupError, match="not parked"):
        letters.request("kafka", "clm-big", "release")


def test_retry_publishes_the_dead_letter_first_once_the_limit_allows_it(
    store: SqlEventStore,
) -> None:
    big_write_off(store, "clm-big", 10_000)
    append_write_offs(store, "clm-big", 1)
    publisher = RecordingPublisher()
    Relay(store, publisher, LIMIT).run_once()
    letters = DeadLetters(store.engine)
    letters.request("kafka", "clm-big", "retry")
    Relay(store, publisher, LIMIT).run_once()  # still too large: parked again, attempt 2
    [parked] = letters.parked_streams("kafka", 2)
    assert (parked.attempts, parked.requested) == (2, None)
    assert claim_versions(publisher) == []
    letters.request("kafka", "clm-big", "retry")
    raised = RelayConfig(publish_reporting=False, max_message_bytes=1_048_576)
    Relay(store, publisher, raised).run_once()
    assert claim_versions(publisher) == [("clm-big", 1), ("clm-big", 2)]
    assert letters.parked_streams("kafka", 2) == [] and letters.counts("kafka") == (0, 1)


def test_a_record_the_broker_refuses_is_dead_lettered_not_retried_forever(
    store: SqlEventStore,
) -> None:
    append_write_offs(store, "clm-a", 1)
    append_write_offs(store, "clm-b", 1)
    from kafka.errors import MessageSizeTooLargeError

    # The broker refuses clm-a's records as too large (a topic with a smaller limit).
    publisher = RecordingPublisher(
        fault=lambda key, n: MessageSizeTooLargeError("refused") if key == b"clm-a" else None
    )
    relay = Relay(store, publisher, RelayConfig(publish_reporting=False))
    assert relay.run_once() == 2
    assert claim_versions(publisher) == [("clm-b", 1)]
    [parked] = DeadLetters(store.engine).parked_streams("kafka", 2)
    assert parked.stream_id == "clm-a"
    assert parked.reason.startswith("refused by the broker: MessageSizeTooLargeError")


def flaky(outage: int) -> RecordingPublisher:
    """Acknowledgements time out (broker down) for the first `outage` sends."""
    from kafka.errors import KafkaTimeoutError

    return RecordingPublisher(
        fault=lambda key, n: KafkaTimeoutError("broker unreachable") if n <= outage else None
    )


def test_the_running_relay_waits_out_a_broker_outage_and_reconnects(store: SqlEventStore) -> None:
    import threading

    append_write_offs(store, "clm-a", 3)
    first = flaky(outage=2)
    replacements: list[RecordingPublisher] = []

    def reconnect() -> RecordingPublisher:
        replacements.append(flaky(outage=1) if not replacements else RecordingPublisher())
        return replacements[-1]

    relay = Relay(
        store,
        first,
        RelayConfig(publish_reporting=False, poll_interval_s=0.05),
        reconnect=reconnect,
    )
    stop = threading.Event()
    runner = threading.Thread(target=relay.run, args=(stop,))
    runner.start()
    try:
        wait_until_published(relay, 3, timeout_s=30)
    finally:
        stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()
    assert relay.stats.outages == 2 and len(replacements) == 2
    assert claim_versions(replacements[-1]) == [("clm-a", 1), ("clm-a", 2), ("clm-a", 3)]


def test_an_error_that_is_not_an_outage_stops_the_relay(store: SqlEventStore) -> None:
    import threading

    append_write_offs(store, "clm-a", 1)

    class Broken(RecordingPublisher):
        def flush(self, timeout: float | None = None) -> None:
            raise RuntimeError("a bug")

    relay = Relay(store, Broken(), RelayConfig(publish_reporting=False))
    with pytest.raises(RuntimeError, match="a bug"):
        relay.run(threading.Event())
