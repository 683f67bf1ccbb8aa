"""`unmatched-remittances` and `unmatched-deposits` fill from what the remit service really
appends (embedded default, SQLite): an 835 posted through remit's own ingest with a claim
payment nobody sent opens an item (`remittance.claim_unmatched`), matching it by hand closes it
(`remittance.claim_matched`); a deposit no 835 explains opens an item when the follow-up sweep
finds it still unmatched N days after its date (`deposit.follow_up_due`), and closes when remit
matches it to an 835 (`deposit.matched`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from services.followup.payer_rules import load_payer_rules
from services.followup.queue_process import sweep
from services.followup.queue_queries import list_items, queue_summaries
from services.remit.deposits import DepositIn, record_deposit
from services.remit.handlers import match_by_hand
from services.remit.ingest import ingest_835
from shared.events.deposit import DepositSource
from shared.ingest import IngestContext
from testsupport.claims import professional_claim, professional_claim_several_lines
from testsupport.remit import ORG, RemitWorld, x12_835
from testsupport.remittances import claim_payment, remittance

D = Decimal


@pytest.fixture
def world(tmp_path: Path) -> Iterator[RemitWorld]:
    built = RemitWorld(tmp_path)
    try:
        yield built
    finally:
        built.close()


def queue(world: RemitWorld, name: str) -> tuple[int, Decimal]:
    with world.embedded.engine.connect() as conn:
        found = {q.name: q for q in queue_summaries(conn, ORG, world.clock())}
    return found[name].open, found[name].dollars


def items(world: RemitWorld, name: str, status: str = "open") -> list[object]:
    with world.embedded.engine.connect() as conn:
        return list(list_items(conn, ORG, name, world.clock(), status=status).items)


def test_an_835_payment_for_a_claim_nobody_sent_opens_an_item_a_hand_match_closes(
    world: RemitWorld,
) -> None:
    claim = professional_claim()
    world.create_submitted(claim)
    never_sent = professional_claim_several_lines()
    stranger = dataclasses.replace(
        claim_payment(never_sent),
        patient_control_number="UNKNOWN77",
        member_id="NOBODY9",
        patient_last_name="STRANGER",
    )
    # Remit's real ingest (as `revcycle ingest FILE.835` routes it); the second payment is ours.
    path = world.write(x12_835(remittance([claim_payment(claim), stranger])))
    outcome = ingest_835(
        path,
        IngestContext(organization_id=ORG, submitted_by="tests", services=world.embedded),
    )
    world.settle()
    assert not outcome.ok  # an unmatched payment is not "every payment posted"
    assert queue(world, "unmatched-remittances") == (1, stranger.paid)
    (item,) = items(world, "unmatched-remittances")
    remittance_id = outcome.report["remittances"][0]["remittance_id"]
    assert item.reference == f"{remittance_id}:2"  # type: ignore[attr-defined]
    assert item.amount_at_stake == stranger.paid  # type: ignore[attr-defined]
    assert "UNKNOWN77" in item.reason  # type: ignore[attr-defined]

    # The same file again: a duplicate, nothing opens twice.
    ingest_835(
        path, IngestContext(organization_id=ORG, submitted_by="tests", services=world.embedded)
    )
    world.settle()
    assert queue(world, "unmatched-remittances")[0] == 1

    # The visit is keyed in late; a biller matches the payment to it by hand.
    late_claim_id = world.create_submitted(never_sent)
    match_by_hand(
        world.embedded.remit,
        organization_id=ORG,
        remittance_id=remittance_id,
        claim_index=2,
        claim_id=late_claim_id,
        matched_by="biller-1",
    )
    world.settle()
    assert queue(world, "unmatched-remittances") == (0, D("0.00"))
    (closed,) = items(world, "unmatched-remittances", status="closed")
    assert closed.item_id == item.item_id  # type: ignore[attr-defined]
    world.audit()


def record(world: RemitWorld, trace: str, amount: Decimal, on: date) -> str:
    remit = world.embedded.remit
    with remit.engine.begin() as conn:
        uow = remit.unit_of_work().bound(conn)
        result = record_deposit(
            uow,
            ORG,
            DepositIn(deposit_date=on, amount=amount, trace_number=trace),
            source=DepositSource.API,
        )
    world.settle()
    return result.deposit_id


def run_sweep(world: RemitWorld, as_of: date) -> int:
    found = sweep(
        world.embedded.engine,
        world.embedded.store,
        load_payer_rules(),
        as_of,
        deposit_match_days=5,
        organization_id=ORG,
        clock=world.clock,
    )
    world.settle()
    return found.unmatched_deposits


def test_a_deposit_no_835_matched_within_n_days_opens_an_item_its_835_closes(
    world: RemitWorld,
) -> None:
    claim = professional_claim()
    world.create_submitted(claim)
    payment = claim_payment(claim)
    on = world.clock().date()
    early = record(world, "EFT777", payment.paid, on)
    # Money whose 835 was already here is matched at once and never becomes work.
    world.ingest(x12_835(remittance([payment], trace_number="EFT111")))
    record(world, "EFT111", payment.paid, on)

    assert run_sweep(world, on + timedelta(days=4)) == 0
    assert queue(world, "unmatched-deposits")[0] == 0
    assert run_sweep(world, on + timedelta(days=5)) == 1
    assert queue(world, "unmatched-deposits") == (1, payment.paid)
    (item,) = items(world, "unmatched-deposits")
    assert item.reference == early  # type: ignore[attr-defined]
    assert run_sweep(world, on + timedelta(days=9)) == 0  # flagged once

    # The 835 for that money finally arrives: remit matches the deposit, the item closes.
    claim_b = professional_claim(patient_control_number="PCN-B2")
    world.create_submitted(claim_b)
    late = claim_payment(claim_b)
    assert late.paid == payment.paid
    world.ingest(x12_835(remittance([late], trace_number="EFT777"), start=10))
    assert queue(world, "unmatched-deposits") == (0, D("0.00"))
    assert run_sweep(world, on + timedelta(days=30)) == 0
    world.audit()
