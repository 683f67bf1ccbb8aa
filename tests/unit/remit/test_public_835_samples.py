"""The public 835 samples (`$SAMPLES_DIR/x12/835*`) through the poster: never a crash, every
claim payment accounted for (held unmatched, never dropped) or the file refused naming each
imbalance; PLB recorded on the remittance; the ledger audit balances after all of them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from shared.events.registry import decode
from shared.events.remittance import RemittanceClaimUnmatched, RemittanceReceived
from testsupport.remit import RemitWorld, temporary_world

SAMPLES = Path(os.environ.get("SAMPLES_DIR", Path(__file__).parents[4] / "shared/samples"))
FILES = sorted(
    p for folder in ("835", "835-4010") for p in (SAMPLES / "x12" / folder).glob("*") if p.is_file()
)


@pytest.fixture(scope="module")
def world() -> Iterator[RemitWorld]:
    w = temporary_world()
    try:
        yield w
        w.audit()
    finally:
        w.close()


def _claim_payments(path: Path) -> int:
    """CLP segments in the file, counted independently of the reader (every sample uses
    '*' between elements and '~' or line ends between segments)."""
    text = path.read_bytes().decode("latin-1")
    return sum(1 for s in re.split(r"[~\r\n]", text) if s.strip().startswith("CLP*"))


def test_the_samples_are_there() -> None:
    assert len(FILES) >= 13, f"no public 835 samples under {SAMPLES}"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_public_sample_is_posted_held_or_refused_by_name_never_dropped(
    world: RemitWorld, path: Path
) -> None:
    report = world.ingest(path)
    claims = [c for r in report.remittances for c in r.claims]
    assert len(claims) == _claim_payments(path), report.to_dict()
    if report.status == "refused":
        assert report.imbalances or report.problems
        for imbalance in report.imbalances:
            assert imbalance["expected"] != imbalance["found"]
            assert imbalance["message"]
        assert all(c.result in ("out_of_balance", "refused") for c in claims)
        return
    # No claim of ours in this database: every payment is held (a predetermination moves
    # no money), with its amounts on the remittance stream.
    assert {c.result for c in claims} <= {"unmatched", "not_posted"}
    for result in report.remittances:
        assert result.remittance_id is not None
        held = [
            e
            for e in map(decode, world.events(result.remittance_id))
            if isinstance(e, RemittanceClaimUnmatched)
        ]
        assert len(held) == sum(1 for c in result.claims if c.result == "unmatched")
        for event in held:
            claim = result.claims[event.claim_index - 1]
            assert event.payment.paid_amount == claim.paid
            assert event.payment.charge_amount == claim.charge


def test_the_medicare_part_a_plb_is_recorded_on_the_remittance(world: RemitWorld) -> None:
    path = SAMPLES / "x12" / "835" / "medicare-part-a.835"
    report = world.ingest(path)  # again: a duplicate, the remittance is the first one's
    remittance_id = report.remittances[0].remittance_id or report.remittances[0].duplicate_of
    assert remittance_id is not None
    received = decode(world.events(remittance_id)[0])
    assert isinstance(received, RemittanceReceived)
    assert received.provider_adjustments
    plb = sum((p.amount for p in received.provider_adjustments), Decimal("0"))
    assert received.totals.provider_adjustments == plb
    # BPR02 = the claims' payments less the PLB amounts.
    assert received.payment_amount == received.totals.claims_paid - plb
