"""Helpers for consumer tests on real Kafka and PostgreSQL: claim events, producing, reading."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy.engine import Engine

from services.followup.tables import accounts
from services.intake.domain import created_event
from shared.claim_model import ServiceLine
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelope
from testsupport.claims import professional_claim

REPO = Path(__file__).resolve().parents[3]
ORG = "st-elsewhere"


def claim_created(n: int, account: str, charge: str) -> EventEnvelope:
    """claim.created for claim clm_{n:05d} on patient account `account` with one line."""
    claim = professional_claim(
        patient_control_number=account,
        lines=(ServiceLine(line_number=1, procedure_code="99213", charge=Decimal(charge)),),
    )
    event = created_event(claim, claim_id=f"clm_{n:05d}", organization_id=ORG)
    return to_envelope(
        event,
        stream_version=1,
        occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        organization_id=ORG,
        producer="test",
    )


def produce(bootstrap: str, topic: str, messages: Sequence[EventEnvelope | bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for m in messages:
            if isinstance(m, EventEnvelope):
                producer.send(topic, key=m.stream_id.encode(), value=m.model_dump_json().encode())
            else:
                producer.send(topic, key=b"garbage", value=m)
        producer.flush(timeout=30)
    finally:
        producer.close()


def committed_total(bootstrap: str, group: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="revcycle-tests")
    try:
        offsets = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    return sum(max(o.offset, 0) for o in offsets.values())


def end_offsets(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(parts).values())
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str, expected: int, timeout_s: float = 30) -> list[Any]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(timeout_s * 1000),
    )
    found = []
    try:
        for message in consumer:
            found.append(message)
            if len(found) >= expected:
                break
    finally:
        consumer.close()
    return found


def balances(engine: Engine) -> dict[str, Decimal]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(accounts.c.account_id, accounts.c.charges)).all())


WorkerFactory = Callable[..., subprocess.Popen[str]]


def parse_stats(output: str) -> dict[str, int]:
    """The worker's last line: 'followup-NAME: applied=1 skipped=2 dead_lettered=0'."""
    line = [ln for ln in output.splitlines() if "applied=" in ln][-1]
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split(": ", 1)[1].split())}


def dead_letter_value(message: Any) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(message.value)
    return value
