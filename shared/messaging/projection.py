"""Projections: subscriptions that build a read model (and can be dropped and rebuilt).

A projection is a name, the tables of its read model and one plain handler function per
event type, `handler(conn, event, envelope)`. The runtime that applies it (tracking, per-stream
continuity, dead letters) is shared with processes: `shared.messaging.subscription`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.messaging import tracking
from shared.messaging.subscription import Handler, Subscription

EventHandler = Handler
"""handler(conn, event, envelope): update the read model inside the caller's transaction."""


@dataclass(frozen=True)
class Projection(Subscription):
    name: str
    metadata: sa.MetaData
    handlers: Mapping[str, Handler]

    kind: ClassVar[str] = "projection"

    def drop_read_model(self, conn: Connection) -> None:
        """Empty the read model and forget what was applied (the start of a rebuild)."""
        for table in reversed(self.metadata.sorted_tables):
            conn.execute(table.delete())
        tracking.forget(conn, self.name)
