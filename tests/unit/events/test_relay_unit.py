"""Relay logic on SQLite with a recording publisher: order, keys, topics, checkpoint after acks."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from shared.messaging.relay import CheckpointStore, Relay, RelayConfig


class Acked:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def get(self, timeout: float | None = None) -> Any:
        if self.error:
            raise self.error
        return None


class RecordingPublisher:
    """Keeps what was sent; `fail_on` makes the n-th send's acknowledgement fail."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.sent: list[tuple[str, bytes, dict[str, Any]]] = []
        self.fail_on = fail_on

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Acked:
        assert value is not None and key is not None
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
