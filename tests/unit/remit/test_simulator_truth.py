"""The simulator's 835s posted and compared line by line with its `truth.jsonl`.

Claims go through intake and a stand-in submission; the same claims, written as an 837P,
are answered by the simulator under its default profile (denials, partial payments,
underpayments, reversals with corrected claims, crossovers, split checks, PLB). Every 835 is
posted in payment-date order; then, for every claim the payer adjudicated, the claim's
money and the lines of its standing posting must be what the payer says it decided.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from shared.claim_model import Claim
from shared.events.registry import decode
from shared.events.remittance import ClaimPosting, ClaimReversed, RemittanceReceived
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from simulator.profile import PROFILE_DIR, Profile, parse_profile
from simulator.respond import respond
from simulator.truth import ClaimTruth, TruthPayment, load_truth
from testsupport.claims import professional_claim_secondary, random_professional_claims
from testsupport.remit import RemitWorld, temporary_world
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

AS_OF = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
CLAIMS = 60
ADJUDICATED = ("paid", "partially_paid", "denied")


@pytest.fixture(scope="module")
def posted(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RemitWorld, dict[str, str], Path]]:
    root = tmp_path_factory.mktemp("sim")
    world = temporary_world()
    # Plus a claim to a secondary payer carrying the primary's adjudication (COB: OA-23).
    claims = [*random_professional_claims(CLAIMS, seed=11), professional_claim_secondary()]
    ids = {claim.patient_control_number: world.create_submitted(claim) for claim in claims}
    inbound, out = root / "in", root / "out"
    inbound.mkdir()
    numbers = InMemoryControlNumbers()
    by_payer: dict[str, list[Claim]] = {}
    for claim in claims:  # one 837 file per payer
        by_payer.setdefault(claim.payer.payer_id, []).append(claim)
    for payer_id, batch in by_payer.items():
        (inbound / f"batch-{payer_id}.837").write_text(
            str(
                write_837p(
                    batch,
                    submitter=SUBMITTER,
                    receiver=RECEIVER,
                    created_at=CREATED_AT,
                    numbers=numbers,
                )
            ),
            encoding="ascii",
        )
    respond(
        inbound,
        out,
        profile=_profile([c.patient_control_number for c in claims]),
        seed=5,
        as_of=AS_OF,
    )
    try:
        yield world, ids, out
        world.audit()
    finally:
        world.close()


def _profile(pcns: list[str]) -> Profile:
    """The default profile, with the rarer behaviours forced on a few claims."""
    data = yaml.safe_load((PROFILE_DIR / "default.yaml").read_text())
    forced: list[dict[str, object]] = [
        {"outcome": "reversal"},
        {"outcome": "reversal", "split_check": True},
        {"outcome": "pay", "provider_adjustment": "WO"},
        {"outcome": "pay", "provider_adjustment": "L6"},
        {"outcome": "pay", "provider_adjustment": "FB", "split_check": True},
        {"outcome": "underpayment", "underpayment_percent": 12},
    ]
    data["rules"] = [
        {"patient_control_number": re.escape(pcn), **rule}
        for pcn, rule in zip(pcns, forced, strict=False)
    ]
    return parse_profile(yaml.safe_dump(data), "default+forced")


def _payment_files(out: Path) -> list[Path]:
    # <payer>-<YYYYMMDD>-<trace>[-partNofM].835: post in payment-date order.
    return sorted(out.glob("*.835"), key=lambda p: (p.name.split("-")[1], p.name))


def test_every_simulated_835_posts_each_payment(
    posted: tuple[RemitWorld, dict[str, str], Path],
) -> None:
    world, _, out = posted
    files = _payment_files(out)
    assert any("part2of2" in p.name for p in files), "no split check to post"
    plb = {
        p["reason"]
        for r in load_truth(out / "truth.jsonl").remittances
        for p in r.model_dump()["provider_adjustments"]
    }
    assert plb, "no PLB to post"  # one per check: the forced claims may share a check
    for path in files:
        report = world.ingest(path)
        assert report.ok, (path.name, report.to_dict())
        assert set(report.counts()) <= {"posted"}, (path.name, report.counts())
    # Each check's PLB is on our remittance as the payer wrote it.
    ours = sorted(
        (
            e.trace_number,
            e.payment_amount,
            sorted((p.reason_code, p.amount) for p in e.provider_adjustments),
        )
        for e in map(decode, world.all_events("remittance.received"))
        if isinstance(e, RemittanceReceived)
    )
    theirs = sorted(
        (r.trace_number, r.amount, sorted((p.reason, p.amount) for p in r.provider_adjustments))
        for r in load_truth(out / "truth.jsonl").remittances
    )
    assert ours == theirs
    # Posting every file again changes nothing.
    for path in files:
        assert world.ingest(path).status == "duplicate"


def _standing(truth: ClaimTruth) -> list[TruthPayment]:
    """The payments that stand: reversals and what they reversed taken out."""
    standing = [p for p in truth.payments if p.role not in ("reversal", "reversal_of_replaced")]
    reversed_numbers = [p.payer_claim_number for p in truth.payments if p.status == "22"]
    for number in reversed_numbers:
        for index, payment in enumerate(standing):
            if payment.payer_claim_number == number and payment.status != "22":
                del standing[index]
                break
    return standing


def test_each_claim_s_money_and_lines_are_what_the_payer_decided(
    posted: tuple[RemitWorld, dict[str, str], Path],
) -> None:
    world, ids, out = posted
    truth = load_truth(out / "truth.jsonl")
    seen: set[str] = set()
    for pcn, claim_id in ids.items():
        decided = truth.claim(pcn)
        view = world.view(claim_id)
        postings = [decode(e) for e in world.events(claim_id)]
        postings = [p for p in postings if isinstance(p, ClaimPosting | ClaimReversed)]
        if decided.outcome not in ADJUDICATED:
            assert postings == [], (pcn, decided.outcome)
            continue
        seen.add(decided.outcome)
        seen.update(decided.behaviours)
        assert decided.net is not None
        assert view.money.paid == decided.net.paid, pcn
        assert view.money.patient_responsibility == decided.net.patient_responsibility, pcn
        assert view.money.charge == decided.charge
        assert len(postings) == len(decided.payments), pcn
        standing = _standing(decided)
        live = [p for p in postings if isinstance(p, ClaimPosting)]
        assert len(live) - sum(isinstance(p, ClaimReversed) for p in postings) == len(standing)
        last, expected = live[-1], standing[-1]
        assert last.paid_amount == expected.paid and last.charge_amount == expected.charge
        assert last.trace_number == expected.remittance.trace_number
        by_line = {line.line_number: line for line in last.lines}
        for line in expected.lines:
            ours = by_line[line.line_number]
            assert (ours.paid, ours.charge) == (line.paid, line.charge), (pcn, line.line_number)
            # The 835 leaves AMT*B6 out on a line allowed nothing: absent stays absent.
            assert ours.allowed == (line.allowed if ours.allowed is not None else None)
            assert ours.allowed is not None or line.allowed == 0, (pcn, line.line_number)
            assert sorted((a.group.value, a.reason_code, a.amount) for a in ours.adjustments) == (
                sorted((a.group, a.reason, a.amount) for a in line.adjustments)
            ), (pcn, line.line_number)
            assert set(line.remarks) <= set(ours.remark_codes), (pcn, line.line_number)
        denied = sum(
            (a.amount for line in last.lines for a in line.adjustments if a.effect == "denied"),
            Decimal("0"),
        )
        if decided.outcome == "denied":
            assert view.status == "denied" and view.money.insurance_balance == denied > 0
    # The default profile's behaviours all occurred in this batch (else the test proves less).
    expected = {"paid", "denied", "partially_paid", "reversal", "underpayment"}
    secondary = truth.claim(professional_claim_secondary().patient_control_number)
    assert secondary.outcome == "paid" and secondary.responsibility == "S"
    assert secondary.payments[0].status == "2"
    assert expected <= seen, seen
