"""The headers the consumer puts on a dead letter are exactly the documented ones.

One contract (`shared.events.topics.DEAD_LETTER_HEADERS`), three readers: the consumer that
sets the headers, the AsyncAPI document and the subscriber's guide (docs/events/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import yaml

from shared.config import REPO_ROOT
from shared.events import topics
from shared.messaging import consumer
from shared.messaging.consumer import ConsumerConfig, SubscriptionConsumer
from shared.messaging.projection import Projection
from shared.messaging.subscription import Delivery

DOCS = REPO_ROOT / "docs" / "events"


@dataclass
class _Sent:
    def get(self, timeout: float | None = None) -> None:
        return None


@dataclass
class _RecordingProducer:
    """Stands in for KafkaProducer: remembers what would have been sent."""

    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, topic: str, **kwargs: Any) -> _Sent:
        self.sent.append({"topic": topic, **kwargs})
        return _Sent()


def _dead_letter_of(delivery: Delivery) -> dict[str, Any]:
    runtime = SubscriptionConsumer(
        ConsumerConfig(
            bootstrap_servers="unused:9092",
            topics=["revcycle.claim-events.v1"],
            group_id="followup",
            dead_letter_topic="revcycle.dead-letter.v1",
        ),
        sa.create_engine("sqlite://"),
        Projection("worklist", sa.MetaData(), {}),
        lambda envelope: envelope.data,
    )
    producer = _RecordingProducer()
    runtime._producer = producer  # the Kafka client is only created by open()
    with runtime._engine.connect() as conn:
        runtime._send_dead_letter(conn, delivery, _raised(ValueError("amount: not a decimal")))
    (letter,) = producer.sent
    return letter


def test_the_consumer_sets_exactly_the_documented_headers_after_the_originals() -> None:
    delivery = Delivery(
        envelope=None,
        topic="revcycle.claim-events.v1",
        partition=2,
        offset=417,
        raw=b"{not json",
        key=b"claim-1",
        # A dead letter re-driven to its topic carries old dlq.* headers: they are replaced.
        headers=[("event_type", b"claim.paid"), ("dlq.error", b"old"), ("dlq.consumer", b"x")],
    )
    letter = _dead_letter_of(delivery)
    assert letter["topic"] == "revcycle.dead-letter.v1"
    assert letter["key"] == b"claim-1"
    names = [name for name, _ in letter["headers"]]
    assert names == ["event_type", *topics.DEAD_LETTER_HEADERS]
    values = {name: value.decode() for name, value in letter["headers"]}
    assert values == {
        "event_type": "claim.paid",
        "dlq.error": "ValueError: amount: not a decimal",
        "dlq.original.topic": "revcycle.claim-events.v1",
        "dlq.original.partition": "2",
        "dlq.original.offset": "417",
        "dlq.consumer": "followup/worklist",
    }


def test_the_consumer_constant_is_the_contract() -> None:
    assert consumer.DEAD_LETTER_HEADERS == tuple(topics.DEAD_LETTER_HEADERS)
    assert all(name.startswith("dlq.") for name in consumer.DEAD_LETTER_HEADERS)


def test_asyncapi_declares_the_dead_letter_headers() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    headers = document["components"]["messages"]["dead_letter"]["headers"]
    assert list(headers["properties"]) == list(consumer.DEAD_LETTER_HEADERS)
    assert headers["required"] == list(consumer.DEAD_LETTER_HEADERS)


def test_the_subscribers_guide_documents_exactly_these_headers() -> None:
    text = (DOCS / "README.md").read_text()
    match = re.search(r"^## Dead letters\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "docs/events/README.md has no '## Dead letters' section"
    documented = re.findall(r"^\| `(dlq\.[a-z.]+)` \|", match.group(1), re.MULTILINE)
    assert documented == list(consumer.DEAD_LETTER_HEADERS)


def _raised(exc: Exception) -> Exception:
    """The exception as a handler raises it (with a traceback in this module)."""
    try:
        raise exc
    except Exception as raised:  # noqa: BLE001
        return raised
