"""Control numbers on a real PostgreSQL: persistent and unique across concurrent processes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.x12.control_numbers import DatabaseControlNumbers

pytestmark = pytest.mark.integration


def _take_many(url: str, count: int, queue: multiprocessing.Queue[list[int]]) -> None:
    numbers = DatabaseControlNumbers(url)
    queue.put([numbers.take("ISA13:PG")[0] for _ in range(count)])
    numbers.close()


def test_postgres_sequence_is_unique_across_processes_and_threads(postgres_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = context.Queue()
    workers = [context.Process(target=_take_many, args=(postgres_url, 50, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    numbers = DatabaseControlNumbers(postgres_url)
    with ThreadPoolExecutor(max_workers=4) as pool:
        local = [
            n for chunk in pool.map(lambda _: numbers.take("ISA13:PG", 5), range(20)) for n in chunk
        ]
    taken = local + [n for _ in workers for n in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sorted(taken) == list(range(1, 3 * 50 + 20 * 5 + 1))
    numbers.close()
    assert DatabaseControlNumbers(postgres_url).take("ISA13:PG") == [len(taken) + 1]
