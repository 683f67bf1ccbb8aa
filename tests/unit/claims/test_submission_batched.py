"""The submission's batched reads and appends keep its guarantees (embedded SQLite).

- `append_many_in` (the SQL store): many streams in one statement; a stream not at its
  expected version refuses the whole lot before anything is written, and says which.
- `load_many`: each stream in order, a missing one empty.
- A claim that changes after the run loaded it (voided while its file was being written)
  is left out: its `claim.submitted` is never appended, the file goes without it, the other
  claims are submitted once each.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from revcycle.embedded import Embedded, open_embedded
from services.claims import submission
from services.claims.handlers import void_claim
from shared.config import BaseServiceSettings
from shared.events import to_envelopes
from shared.events.claims import ClaimReady
from shared.eventstore.interface import ConcurrencyError
from testsupport.claim_events import claim_created

ORG = "org-batch"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Embedded]:
    e = open_embedded(BaseServiceSettings(data_dir=tmp_path, organization_id=ORG))
    yield e
    e.close()


def _ready(claim_id: str, pcn: str) -> tuple[str, int, list[Any]]:
    created = to_envelopes(
        [claim_created(claim_id, organization_id=ORG, patient_control_number=pcn)],
        expected_version=0,
        occurred_at=NOW,
        organization_id=ORG,
        producer="intake",
    )
    ready = to_envelopes(
        [ClaimReady(claim_id=claim_id, payer_id="87726", total_charge=Decimal("145.00"))],
        expected_version=1,
        occurred_at=NOW,
        organization_id=ORG,
        producer="claims",
    )
    return claim_id, 0, created + ready


def test_append_many_in_writes_all_streams_or_none(embedded: Embedded) -> None:
    store = embedded.store
    first, second = _ready("clm_many_1", "PCN-M1"), _ready("clm_many_2", "PCN-M2")
    with store.transaction() as tx:
        recorded = store.append_many_in(tx, [first, second])
    assert [(e.stream_id, e.stream_version) for e in recorded] == [
        ("clm_many_1", 1),
        ("clm_many_1", 2),
        ("clm_many_2", 1),
        ("clm_many_2", 2),
    ]
    positions = [e.position for e in recorded]
    assert positions == sorted(positions)

    third = _ready("clm_many_3", "PCN-M3")
    stale = ("clm_many_2", 0, _ready("clm_many_2", "PCN-M2")[2])  # it is at version 2
    with store.transaction() as tx:
        with pytest.raises(ConcurrencyError) as refused:
            store.append_many_in(tx, [third, stale])
        assert refused.value.stream_id == "clm_many_2" and refused.value.actual == 2
        assert store.load_in(tx, "clm_many_3") == [], "nothing written, not even the first"
    assert store.load("clm_many_3") == []

    loaded = store.load_many(["clm_many_2", "clm_nowhere", "clm_many_1"])
    assert list(loaded) == ["clm_many_2", "clm_nowhere", "clm_many_1"]
    assert [e.stream_version for e in loaded["clm_many_2"]] == [1, 2]
    assert loaded["clm_nowhere"] == []
    assert [e.type for e in loaded["clm_many_1"]] == ["claim.created", "claim.ready"]


def test_a_claim_voided_while_its_file_is_written_is_left_out(
    embedded: Embedded, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, deps = embedded.store, embedded.claims
    with store.transaction() as tx:
        store.append_many_in(tx, [_ready(f"clm_race_{n}", f"PCN-RACE-{n}") for n in range(3)])
    embedded.settle()  # the claims index lists them as ready

    written = submission._write
    calls = [0]

    def write_then_void(*args: Any, **kwargs: Any) -> str:
        text = written(*args, **kwargs)
        calls[0] += 1
        if calls[0] == 1:  # the run loaded the claim ready; a biller voids it now
            void_claim(deps, "clm_race_1", ORG, "entered twice")
        return text

    monkeypatch.setattr(submission, "_write", write_then_void)
    report = submission.submit_ready_claims(deps, organization_id=ORG)
    assert report.submitted == 2 and len(report.batches) == 1, report.as_dict()
    types = {f"clm_race_{n}": [e.type for e in store.load(f"clm_race_{n}")] for n in range(3)}
    assert types["clm_race_1"][-1] == "claim.voided"
    assert "claim.submitted" not in types["clm_race_1"]
    for claim_id in ("clm_race_0", "clm_race_2"):
        assert types[claim_id].count("claim.submitted") == 1, types
    [sent] = [p for p in deps.settings.outbound_dir.iterdir() if p.is_file()]
    text = sent.read_text()
    assert "CLM*PCN-RACE-1*" not in text
    assert "CLM*PCN-RACE-0*" in text and "CLM*PCN-RACE-2*" in text
