"""TA1 interchange acknowledgments answering our 837 files, on the embedded default.

A TA1 rejecting one of our interchanges (TA101 = the ISA13 we sent) rejects every claim of
that file, naming the TA1 note code (TA105) and its meaning; an accepting TA1 changes
nothing; the same TA1 ingested twice (the same file, or the clearinghouse sending the same
rejection again in a new interchange) changes nothing. The TA1 files are written with the
shared X12 TA1 writer and judged by our validator and pyx12 before they are ingested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from revcycle.commands.ingest import ROUTES
from services.claims.ingest import ingest_ta1
from shared.config import BaseServiceSettings
from shared.ingest import sniff_x12
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.pyx12_judge import judge
from shared.x12.validation import validate
from shared.x12.x12_ta1_005010.writer import InterchangeAcknowledgment, write_ta1
from testsupport.claims_cycle import ORG, RECEIVED, Cycle, open_cycle


@pytest.fixture
def cycle(tmp_path: Path) -> Iterator[Cycle]:
    with open_cycle(tmp_path, BaseServiceSettings(data_dir=tmp_path, organization_id=ORG)) as c:
        yield c


@dataclass(frozen=True)
class Sent:
    """The envelope of one 837 file we sent: what a TA1 answering it echoes."""

    name: str
    sender: str  # ISA06: us
    receiver: str  # ISA08: the clearinghouse
    date: str  # ISA09
    time: str  # ISA10
    control_number: str  # ISA13


def _sent_files(cycle: Cycle) -> list[Sent]:
    sent = []
    for path in sorted(p for p in cycle.outbound.iterdir() if p.is_file()):
        isa = path.read_text()[:106].split("*")
        assert isa[0] == "ISA", path.name
        sent.append(Sent(path.name, isa[6].strip(), isa[8].strip(), isa[9], isa[10], isa[13]))
    return sent


def _write_ta1(cycle: Cycle, sent: Sent, verdict: str, note: str, name: str, first: int) -> Path:
    """The clearinghouse's TA1 for `sent`, in its own interchange (ISA13 from `first`)."""
    text = write_ta1(
        [InterchangeAcknowledgment(sent.control_number, sent.date, sent.time, verdict, note)],
        sender=Party(sent.receiver),
        receiver=Party(sent.sender),
        created_at=RECEIVED,
        numbers=InMemoryControlNumbers(start=first),
    )
    assert validate(text).ok, validate(text)
    assert judge(text).ok, judge(text)
    folder = cycle.root / "ta1"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_revcycle_ingest_routes_a_ta1_to_the_claims_service(cycle: Cycle) -> None:
    cycle.post_claim("PCN-TA1-ROUTE")
    cycle.submit()
    [sent] = _sent_files(cycle)
    path = _write_ta1(cycle, sent, "R", "006", "route.ta1", 500)
    assert sniff_x12(path).transaction == "TA1"
    route = ROUTES["TA1"]
    assert route.service == "claims"
    assert route.target == f"{ingest_ta1.__module__}:{ingest_ta1.__name__}"


def test_a_rejecting_ta1_rejects_every_claim_of_the_file_naming_the_note_code(
    cycle: Cycle,
) -> None:
    first = cycle.post_claim("PCN-TA1-1")
    second = cycle.post_claim("PCN-TA1-2")
    run = cycle.submit()
    assert run["submitted"] == 2
    [sent] = _sent_files(cycle)
    ta1 = _write_ta1(cycle, sent, "R", "006", "answer.ta1", 700)

    [outcome] = cycle.ingest(ta1.parent, "ta1")
    assert outcome.ok, outcome.summary
    assert outcome.report["counts"] == {"rejected": 2}
    for claim_id in (first, second):
        view = cycle.view(claim_id)
        assert view["status"] == "rejected"
        [submission] = view["submissions"]
        assert submission["outcome"] == "rejected"
        [reason] = submission["reasons"]
        assert reason["code"] == "006"
        assert reason["description"] == "Invalid interchange sender ID"
        assert sent.control_number in reason["location"]
        [rejected] = [e for e in cycle.embedded.store.load(claim_id) if e.type == "claim.rejected"]
        assert rejected.data["ack_kind"] == "TA1"
        assert rejected.data["ack_file"] == "answer.ta1"
    before = {c: cycle.types(c) for c in (first, second)}

    # The same file again: recorded as a duplicate, nothing changes.
    [again] = cycle.ingest(ta1.parent, "ta1")
    assert again.ok and again.report.get("duplicate") is True
    # The same rejection sent again in a new interchange (other bytes): nothing is applied
    # twice; the repeat goes to the review list, the claims keep their history.
    resent = _write_ta1(cycle, sent, "R", "006", "resent.ta1", 800)
    (ta1.parent / "answer.ta1").unlink()
    [repeat] = cycle.ingest(resent.parent, "ta1")
    assert repeat.report.get("duplicate") is not True
    assert repeat.report["to_review"] and "rejected" not in repeat.report["counts"]
    assert {c: cycle.types(c) for c in (first, second)} == before
    assert [cycle.view(c)["status"] for c in (first, second)] == ["rejected", "rejected"]


def test_an_accepting_ta1_changes_nothing(cycle: Cycle) -> None:
    claim_id = cycle.post_claim("PCN-TA1-OK")
    cycle.submit()
    [sent] = _sent_files(cycle)
    before = cycle.types(claim_id)
    ta1 = _write_ta1(cycle, sent, "A", "000", "accepted.ta1", 900)
    [outcome] = cycle.ingest(ta1.parent, "ta1")
    assert outcome.ok, outcome.summary
    assert outcome.report["counts"] == {"interchange accepted": 1}
    assert cycle.types(claim_id) == before
    assert cycle.view(claim_id)["status"] == "submitted"
    assert cycle.view(claim_id)["submissions"][0]["outcome"] is None


def test_a_ta1_rejecting_an_interchange_we_never_sent_goes_to_review(cycle: Cycle) -> None:
    claim_id = cycle.post_claim("PCN-TA1-NONE")
    cycle.submit()
    [sent] = _sent_files(cycle)
    stranger = Sent(sent.name, sent.sender, sent.receiver, sent.date, sent.time, "999999991")
    ta1 = _write_ta1(cycle, stranger, "R", "001", "stranger.ta1", 950)
    [outcome] = cycle.ingest(ta1.parent, "ta1")
    assert not outcome.ok
    [item] = outcome.report["to_review"]
    assert "999999991" in item["reference"]
    assert cycle.view(claim_id)["status"] == "submitted"
