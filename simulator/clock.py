"""Clocks for `sim serve`: the real time, a clock a test moves, a clock read from a file.

The profile's delays (a 277CA a day after the 837, an 835 two weeks later) are measured
against whatever clock the simulator is given, so a test can submit a file, move the clock
fourteen days and find the 835, without waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

__all__ = ["Clock", "SystemClock", "ManualClock", "FileClock", "parse_instant"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved (tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's time must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        self._now += timedelta(days=days, hours=hours, minutes=minutes)
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("the clock's time must be timezone-aware")
        self._now = when


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time; a date means its midnight, no zone means UTC."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class FileClock:
    """The time written in a file (ISO 8601), read at every call; the real time without it.

    For a simulator run as a separate process (`sim serve --clock-file`), the test that
    started it moves its clock by rewriting the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return datetime.now(UTC)
        try:
            return parse_instant(text)
        except ValueError as exc:
            raise ValueError(f"clock file {self.path} does not hold an ISO 8601 time") from exc
