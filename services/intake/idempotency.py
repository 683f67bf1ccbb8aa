"""Idempotency keys at the API edge: the one component that decides whether a request is new.

`IdempotencyGate.answer(...)` does all of it, before and around the command:

- **key check**: 1-200 printable characters, else `InvalidIdempotencyKey` (422);
- **fingerprint**: the SHA-256 of the request's canonical JSON, kept with the key;
- **replay**: a key already answered returns the stored answer, byte for byte, with nothing
  run again; the same key with a different body is refused (`IdempotencyKeyReused`, 422),
  because the caller has a bug and silently returning the old claim would hide it;
- **race**: the key's row is inserted *before* the command runs, in the command's own
  transaction. Two requests with one key at once: the second insert waits for the first
  transaction (PostgreSQL's unique index; SQLite serialises writers anyway); if the first
  commits, the second replays its answer, if it rolls back, the second goes ahead. No
  command is ever run twice and nothing has to be undone.

The answer (status code and JSON body, as the route built it) is written to the same row
in the same transaction as the events it describes: both exist or neither does. Handlers
know nothing of keys: a request without one runs the command in a plain transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from shared.eventstore.schema import AwareDateTime
from shared.ids import is_printable
from shared.kernel import UnitOfWork

MAX_KEY_LENGTH = 200

intake_metadata = sa.MetaData()

idempotency_keys = sa.Table(
    "intake_idempotency_keys",
    intake_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(MAX_KEY_LENGTH), primary_key=True),
    sa.Column("request_fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response_body", sa.Text, nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("created_at", AwareDateTime(), nullable=False),
)


class InvalidIdempotencyKey(ValueError):
    field = "Idempotency-Key"

    def __init__(self) -> None:
        super().__init__(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters")


class IdempotencyKeyReused(ValueError):
    """The Idempotency-Key was already used for a different request body."""

    field = "Idempotency-Key"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used with a different request body; "
            "use a new key for a new claim"
        )


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as the route built it: what a replay returns again."""

    status_code: int
    body: dict[str, Any]
    claim_id: str | None = None
    replayed: bool = False


def fingerprint(canonical_json: str) -> str:
    """SHA-256 of the request's canonical JSON (parsed and re-serialised, so spacing is moot)."""
    return hashlib.sha256(canonical_json.encode()).hexdigest()


def check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not is_printable(key):
        raise InvalidIdempotencyKey()


class IdempotencyGate:
    """Runs a request's command at most once per (organization, Idempotency-Key)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def answer(
        self,
        uow: UnitOfWork[Connection],
        *,
        organization_id: str,
        key: str | None,
        request_fingerprint: str,
        act: Callable[[UnitOfWork[Connection]], Answer],
    ) -> Answer:
        """`act(uow)` once, in `uow`'s transaction with the key's row; or the stored answer.

        `act` runs the command (the handler opens the bound unit of work as usual) and
        returns the answer the route will send. Exceptions from `act` roll everything back,
        the key's row included, and propagate: a refused request can be sent again.
        """
        if key is None:
            with uow:
                return act(uow.bound(uow.transaction))
        check_key(key)
        with uow:
            conn = uow.transaction
            stored = _find(conn, organization_id, key)
            if stored is None and _reserve(
                conn, organization_id, key, request_fingerprint, self.clock()
            ):
                answer = act(uow.bound(conn))
                _record(conn, organization_id, key, answer)
                return answer
            if stored is None:
                stored = _find(conn, organization_id, key)  # the twin that won committed it
                assert stored is not None
        return _replay(stored, request_fingerprint)


@dataclass(frozen=True)
class _Stored:
    request_fingerprint: str
    status_code: int
    body: str
    claim_id: str | None


def _find(conn: Connection, organization_id: str, key: str) -> _Stored | None:
    t = idempotency_keys
    row = conn.execute(
        sa.select(t.c.request_fingerprint, t.c.status_code, t.c.response_body, t.c.claim_id).where(
            t.c.organization_id == organization_id, t.c.key == key
        )
    ).first()
    if row is None:
        return None
    return _Stored(str(row[0]), int(row[1]), str(row[2]), row[3])


def _reserve(
    conn: Connection, organization_id: str, key: str, request_fingerprint: str, at: datetime
) -> bool:
    """Insert the key's row (answer pending); False when a concurrent twin committed it first."""
    try:
        with conn.begin_nested():
            conn.execute(
                idempotency_keys.insert().values(
                    organization_id=organization_id,
                    key=key,
                    request_fingerprint=request_fingerprint,
                    status_code=0,
                    response_body="",
                    claim_id=None,
                    created_at=at,
                )
            )
    except IntegrityError:
        return False
    return True


def _record(conn: Connection, organization_id: str, key: str, answer: Answer) -> None:
    t = idempotency_keys
    conn.execute(
        t.update()
        .where(t.c.organization_id == organization_id, t.c.key == key)
        .values(
            status_code=answer.status_code,
            # Key order kept: replays are byte-identical to the first answer.
            response_body=json.dumps(answer.body),
            claim_id=answer.claim_id,
        )
    )


def _replay(stored: _Stored, request_fingerprint: str) -> Answer:
    if stored.request_fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    return Answer(stored.status_code, json.loads(stored.body), stored.claim_id, replayed=True)
