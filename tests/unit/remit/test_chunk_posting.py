"""Posting a chunk of an 835 at once: the claims are loaded, decided and appended together.

Two payments of one claim in one chunk (a reversal and its corrected payment) are decided in
order on the claim as the first left it; when another service appends to a claim while the
chunk is decided (a conflict at the chunk's append), nothing of the chunk is written and it
is posted again claim by claim. The books balance either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from services.remit import handlers
from shared.events.claims import ClaimAccepted
from shared.events.registry import to_envelopes
from testsupport.claims import professional_claim, professional_claim_several_lines
from testsupport.remit import RemitWorld, temporary_world, x12_835
from testsupport.remittances import claim_payment, remittance, reversal_of

D = Decimal


@pytest.fixture
def world() -> Iterator[RemitWorld]:
    w = temporary_world()
    try:
        yield w
    finally:
        w.audit()
        w.close()


def test_a_payment_its_reversal_and_the_corrected_payment_in_one_chunk_post_in_order(
    world: RemitWorld,
) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    first = claim_payment(claim, allowed_rate=D("0.70"), payer_claim_number="ICN-1")
    corrected = claim_payment(claim, payer_claim_number="ICN-2")
    report = world.ingest(x12_835(remittance([first, reversal_of(first), corrected])))

    assert report.ok, report.to_dict()
    assert [c.event_type for c in report.remittances[0].claims] == [
        "claim.paid",
        "claim.reversed",
        "claim.paid",
    ]
    postings = ("claim.paid", "claim.reversed")
    types = [t for t in world.types(claim_id) if t in postings]
    assert types == ["claim.paid", "claim.reversed", "claim.paid"]
    assert world.view(claim_id).money.paid == corrected.paid


def test_a_claim_appended_to_meanwhile_rolls_the_chunk_back_and_posts_claim_by_claim(
    world: RemitWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = [
        professional_claim_several_lines(patient_control_number=f"PCN2603110{n}") for n in (1, 2)
    ]
    ids = [world.create_submitted(c) for c in claims]
    attempts: list[bool] = []
    flush = handlers._ChunkClaims.flush

    def meanwhile(self: Any) -> None:
        attempts.append(self.deferred)
        if len(attempts) == 1:
            # The claims service accepts the first claim while remit decides the chunk.
            version = self.deps.store._version(self.conn, ids[0])  # noqa: SLF001
            accepted = ClaimAccepted(claim_id=ids[0], payer_claim_number="ICN-LATE")
            self.deps.store.append_in(
                self.conn,
                ids[0],
                version,
                to_envelopes(
                    [accepted],
                    expected_version=version,
                    occurred_at=world.clock(),
                    organization_id=world.organization_id,
                    producer="claims",
                ),
            )
        flush(self)

    monkeypatch.setattr(handlers._ChunkClaims, "flush", meanwhile)
    report = world.ingest(x12_835(remittance([claim_payment(c) for c in claims])))

    assert attempts == [True, False], "deferred first, then claim by claim"
    assert report.ok and report.counts() == {"posted": 2}, report.to_dict()
    for claim_id in ids:
        assert world.types(claim_id).count("claim.paid") == 1
    # The first attempt was rolled back whole: its stand-in acceptance is gone too.
    assert "claim.accepted" not in world.types(ids[0])
