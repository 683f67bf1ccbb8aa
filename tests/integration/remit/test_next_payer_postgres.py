"""The next payer end to end (`tests/unit/remit/test_next_payer_end_to_end.py`) on PostgreSQL.

The same scenarios, collected here with the office on a real PostgreSQL database (one per
module): the simulator's 835 posted by remit drives the claims service's secondary claim,
whose 837 and 835 go round again; a crossover named by NM1*TT alone bills nobody. Each ends
with `revcycle audit ledger` over the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.remit.test_next_payer_end_to_end import (  # noqa: F401 (collected here again)
    Office,
    open_office,
    test_a_crossover_named_only_by_nm1_tt_is_not_billed_either,
    test_remits_posting_of_the_primary_bills_the_secondary_and_posts_its_835,
)


@pytest.fixture
def office(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    yield from open_office(tmp_path, monkeypatch, database_url=postgres_url)
