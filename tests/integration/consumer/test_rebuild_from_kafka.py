"""Projection rebuild from Kafka (distributed): replaying the topic yields the live model."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from consumer_helpers import claim_created, produce  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from services.followup.bootstrap import consumer_for
from services.followup.config import FollowupSettings
from services.followup.projections import PROJECTIONS
from services.followup.queue_projection import WORK_QUEUES_PROJECTION
from services.followup.rebuild import rebuild_from_kafka
from services.followup.tables import claim_balances, claim_lines, claims
from shared.messaging import tracking


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(sa.select(t)))
            for t in (claims, claim_lines, claim_balances)
        }


@pytest.mark.parametrize("name", sorted(PROJECTIONS))
def test_a_projection_rebuilt_from_the_topic_equals_the_live_one(
    engine: Engine, postgres_url: str, kafka_bootstrap_servers: str, new_topic: Any, name: str
) -> None:
    topic, dlq = new_topic(partitions=3), new_topic(partitions=1)
    settings = FollowupSettings(
        database_url=postgres_url, kafka_bootstrap_servers=kafka_bootstrap_servers
    )
    group = f"rebuild-{uuid.uuid4().hex[:8]}"
    batches = [
        [claim_created(i, f"PCN-{i % 4}", f"{i}.25") for i in range(1, 21)],
        [claim_created(i, f"PCN-{i % 4}", f"{i}.75") for i in range(21, 41)],
    ]
    for batch in batches:  # live: two rounds, as the day goes
        produce(kafka_bootstrap_servers, topic, batch)
        for projection in PROJECTIONS:
            consumer_for(
                projection,
                engine,
                settings,
                topics=[topic],
                group_id=f"{group}.{projection}",
                dead_letter_topic=dlq,
            ).run(idle_polls_before_exit=3)
    live = _snapshot(engine)
    assert len(live["followup_claims"]) == 40
    # The work-queue projection reads work_item.* only: claims alone give it nothing to apply.
    expected = 0 if name == WORK_QUEUES_PROJECTION else 40
    with engine.connect() as conn:
        assert tracking.count_applied(conn, name) == expected

    stats = rebuild_from_kafka(
        engine, name, settings, topics=[topic], group_id=f"{group}.{name}", dead_letter_topic=dlq
    )

    assert stats.applied == expected
    assert _snapshot(engine) == live
    with engine.connect() as conn:
        assert tracking.count_applied(conn, name) == expected
