"""Persistent X12 control numbers (ISA13, GS06, ST02): a database sequence, never reused.

Each sequence is one row of `x12_control_sequence`; a number is taken with a single atomic
`UPDATE ... SET value = value + n ... RETURNING value`, so two processes (or threads) can
never receive the same number: the database serialises the row update (PostgreSQL row
lock; SQLite database write lock, waited for through the busy timeout).

Wrap-around policy: ISA13 and GS06 are at most 9 digits, so every sequence runs
1..999,999,999 and then starts again at 1. At a thousand files a day that is 2,700 years,
far beyond any trading partner's duplicate-detection window; wrapping is the only choice
that keeps the writer working, and it is the documented X12 practice. ST02 uses its own
sequence with the same bound (ST02 is 4..9 characters; we write at least 4 digits).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import BigInteger, Column, MetaData, String, Table, create_engine, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from shared.config import get_settings

__all__ = [
    "MAX_CONTROL_NUMBER",
    "ControlNumberSource",
    "ControlNumberError",
    "DatabaseControlNumbers",
    "InMemoryControlNumbers",
    "INTERCHANGE",
    "GROUP",
    "TRANSACTION_SET",
]

MAX_CONTROL_NUMBER = 999_999_999
INTERCHANGE = "ISA13"
GROUP = "GS06"
TRANSACTION_SET = "ST02"


class ControlNumberError(RuntimeError):
    """A control number could not be allocated (bad request or database unavailable)."""


class ControlNumberSource(Protocol):
    """Where writers take control numbers from."""

    def take(self, sequence: str, count: int = 1) -> list[int]:
        """`count` consecutive unused numbers of `sequence` (wrapping after 999,999,999)."""
        ...


metadata = MetaData()
control_sequence = Table(
    "x12_control_sequence",
    metadata,
    # name = "<sequence>:<scope>", e.g. "ISA13:RIVERBEND" (scope = our sender id).
    Column("name", String(100), primary_key=True),
    Column("value", BigInteger, nullable=False),
)


def _check(sequence: str, count: int) -> None:
    if not sequence or len(sequence) > 100:
        raise ControlNumberError("sequence name must be 1..100 characters")
    if not 1 <= count <= 100_000:
        raise ControlNumberError(f"cannot take {count} control numbers at once (1..100000)")


def _block(last: int, count: int) -> list[int]:
    # `last` is the new stored value: the block is the `count` numbers ending at it.
    return list(range(last - count + 1, last + 1))


class DatabaseControlNumbers:
    """Control numbers from the `x12_control_sequence` table (SQLite file or PostgreSQL)."""

    # One statement: wrap to a fresh block starting at 1 when the block would pass the max.
    _TAKE = text(
        "UPDATE x12_control_sequence "
        "SET value = CASE WHEN value + :count > :max THEN :count ELSE value + :count END "
        "WHERE name = :name RETURNING value"
    )

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        if engine is None:
            url = url or get_settings().effective_database_url
            connect_args: dict[str, object] = {}
            if url.startswith("sqlite"):
                # Wait for another process's write lock instead of failing at once.
                connect_args["timeout"] = 30
            engine = create_engine(url, connect_args=connect_args)
        self.engine = engine
        self._created = False

    def _ensure_table(self) -> None:
        if self._created:
            return
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except (OperationalError, IntegrityError, ProgrammingError):
            # Another process created it between our check and our CREATE: fine if it exists.
            metadata.create_all(self.engine, checkfirst=True)
        self._created = True

    def take(self, sequence: str, count: int = 1) -> list[int]:
        _check(sequence, count)
        self._ensure_table()
        params = {"name": sequence, "count": count, "max": MAX_CONTROL_NUMBER}
        for _attempt in range(3):
            with self.engine.begin() as conn:
                row = conn.execute(self._TAKE, params).first()
                if row is not None:
                    return _block(int(row[0]), count)
            # First use of this sequence: create its row (0 = nothing taken yet), then retry
            # the update. A concurrent creator makes our insert fail; the retry still works.
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(control_sequence).values(name=sequence, value=0))
            except IntegrityError:
                pass
        raise ControlNumberError(f"could not allocate from control number sequence {sequence!r}")

    def peek(self, sequence: str) -> int:
        """The last number taken from `sequence` (0 if none): for reports and tests."""
        self._ensure_table()
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT value FROM x12_control_sequence WHERE name = :name"),
                {"name": sequence},
            ).first()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class InMemoryControlNumbers:
    """Process-local control numbers, for unit tests and one-off files (not persistent)."""

    start: int = 0

    def __post_init__(self) -> None:
        self._values: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, sequence: str, count: int = 1) -> list[int]:
        _check(sequence, count)
        with self._lock:
            value = self._values.get(sequence, self.start)
            value = count if value + count > MAX_CONTROL_NUMBER else value + count
            self._values[sequence] = value
        return _block(value, count)
