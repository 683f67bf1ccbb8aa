"""Control numbers survive restarts, are never handed out twice, and wrap after 999,999,999."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.x12.control_numbers import (
    MAX_CONTROL_NUMBER,
    ControlNumberError,
    DatabaseControlNumbers,
    InMemoryControlNumbers,
)
from shared.x12.envelope_writer import Party, TransactionSet, build_interchange
from shared.x12.segments import segment


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'numbers.sqlite'}"


def test_numbers_continue_after_the_database_is_reopened(tmp_path: Path) -> None:
    first = DatabaseControlNumbers(_url(tmp_path))
    assert first.take("ISA13:US") == [1]
    assert first.take("ISA13:US", 3) == [2, 3, 4]
    first.close()
    reopened = DatabaseControlNumbers(_url(tmp_path))
    assert reopened.take("ISA13:US") == [5]
    # Sequences are independent of each other.
    assert reopened.take("GS06:US") == [1]


def test_threads_never_receive_the_same_number(tmp_path: Path) -> None:
    numbers = DatabaseControlNumbers(_url(tmp_path))

    def grab(_: int) -> list[int]:
        return [n for _ in range(25) for n in numbers.take("ST02:US", 2)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = [n for chunk in pool.map(grab, range(8)) for n in chunk]
    assert len(taken) == 8 * 25 * 2
    assert sorted(taken) == list(range(1, len(taken) + 1))


def _take_many(url: str, count: int, queue: multiprocessing.Queue[list[int]]) -> None:
    numbers = DatabaseControlNumbers(url)
    queue.put([numbers.take("ISA13:US")[0] for _ in range(count)])


def test_processes_never_receive_the_same_number(tmp_path: Path) -> None:
    url = _url(tmp_path)
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = context.Queue()
    workers = [context.Process(target=_take_many, args=(url, 40, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    taken = [n for _ in workers for n in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sorted(taken) == list(range(1, 161))


def test_sequence_wraps_to_one_after_nine_digits(tmp_path: Path) -> None:
    numbers = DatabaseControlNumbers(_url(tmp_path))
    numbers.take("ISA13:US")
    with numbers.engine.begin() as conn:
        conn.execute(
            text("UPDATE x12_control_sequence SET value = :v WHERE name = 'ISA13:US'"),
            {"v": MAX_CONTROL_NUMBER - 1},
        )
    assert numbers.take("ISA13:US") == [MAX_CONTROL_NUMBER]
    assert numbers.take("ISA13:US") == [1]
    # A block that would cross the maximum starts over at 1 instead of splitting.
    with numbers.engine.begin() as conn:
        conn.execute(
            text("UPDATE x12_control_sequence SET value = :v"), {"v": MAX_CONTROL_NUMBER - 1}
        )
    assert numbers.take("ISA13:US", 3) == [1, 2, 3]


def test_bad_requests_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    numbers = DatabaseControlNumbers(_url(tmp_path))
    with pytest.raises(ControlNumberError, match="cannot take 0"):
        numbers.take("ISA13:US", 0)
    with pytest.raises(ControlNumberError, match="sequence name"):
        InMemoryControlNumbers().take("")


def test_envelope_uses_fresh_numbers_and_counts_segments(tmp_path: Path) -> None:
    numbers = DatabaseControlNumbers(_url(tmp_path))
    body = [segment("BHT", "0019", "00", "X", "20260310", "1200", "CH")]
    kwargs = dict(
        functional_id="HC",
        sender=Party("RIVERBEND"),
        receiver=Party("CLEARHOUSE"),
        created_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
        numbers=numbers,
    )
    sets = [TransactionSet("837", "005010X222A1", body)] * 2
    one = build_interchange(sets, **kwargs)  # type: ignore[arg-type]
    two = build_interchange(sets, **kwargs)  # type: ignore[arg-type]
    assert one[0].get(13) == "000000001" and two[0].get(13) == "000000002"
    assert [s.get(2) for s in one if s.id == "ST"] == ["0001", "0002"]
    assert [s.get(2) for s in two if s.id == "ST"] == ["0003", "0004"]
    assert [s.get(1) for s in one if s.id == "SE"] == ["3", "3"]
    assert one[-2].get(1) == "2" and one[-1].get(2) == one[0].get(13)
    assert len(one[0].get(6)) == 15


def test_naive_datetimes_are_refused() -> None:
    from shared.x12.envelope_writer import EnvelopeError

    with pytest.raises(EnvelopeError, match="timezone-aware"):
        build_interchange(
            [TransactionSet("837", "005010X222A1", [])],
            functional_id="HC",
            sender=Party("A"),
            receiver=Party("B"),
            created_at=datetime(2026, 3, 10, 12, 0),
            numbers=InMemoryControlNumbers(),
        )
