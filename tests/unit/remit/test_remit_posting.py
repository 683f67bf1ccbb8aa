"""Posting 835s to the cent in embedded mode: each edge of issue 13 ends with the ledger audit.

Every scenario drives the embedded composition (`testsupport.remit.RemitWorld`): claims
through intake, a stand-in submission, an 835 written by our writer (or edited to break
it), then the claim view, the events on the claim's stream and `audit_ledger`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

import pytest

from services.remit.handlers import list_unmatched, match_by_hand
from shared.claim_model import Adjustment, Claim, OtherPayer, Payer
from shared.events.registry import decode
from shared.events.remittance import (
    ClaimDenied,
    ClaimPaid,
    ClaimReversed,
    NextPayerAction,
    RemittanceReceived,
)
from shared.x12.x12_835_005010X221A1.writer import ProviderAdjustment, ServicePayment
from testsupport.claims import (
    professional_claim,
    professional_claim_modifiers,
    professional_claim_several_lines,
)
from testsupport.remit import RemitWorld, temporary_world, x12_835
from testsupport.remittances import claim_payment, denied_claim_payment, remittance, reversal_of

D = Decimal


@pytest.fixture
def world() -> Iterator[RemitWorld]:
    w = temporary_world()
    try:
        yield w
    finally:
        w.audit()
        w.close()


def _claim_events(world: RemitWorld, claim_id: str, prefix: str = "claim.") -> list[object]:
    return [
        decode(e)
        for e in world.events(claim_id)
        if e.type.startswith(prefix)
        and e.type
        not in (
            "claim.created",
            "claim.ready",
            "claim.submitted",
            "claim.accepted",
            # The claims service answers a posting that leaves a balance for the next payer.
            "claim.secondary_created",
            "claim.crossed_over",
        )
    ]


def test_a_paid_claim_posts_paid_allowed_and_every_adjustment_with_the_remittance(
    world: RemitWorld,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = world.create_submitted(claim)
    report = world.ingest(x12_835(remittance([claim_payment(claim)])))

    assert report.ok and report.status == "posted"
    answer = report.to_dict()["remittances"][0]
    assert answer["trace_number"] == "EFT20260402001"
    assert answer["payer"]["id"] == "87726"
    assert answer["claims"][0]["result"] == "posted"
    assert answer["claims"][0]["claim_id"] == claim_id

    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid)
    assert paid.remittance_id == answer["remittance_id"]
    assert paid.trace_number == "EFT20260402001" and paid.payer_id == "87726"
    assert [line.line_number for line in paid.lines] == [1, 2, 3, 4]
    assert paid.lines[0].allowed == D("168.00")
    assert {(a.group.value, a.reason_code) for a in paid.lines[0].adjustments} == {
        ("CO", "45"),
        ("PR", "2"),
    }
    money = world.view(claim_id).money
    assert world.view(claim_id).status == "paid"
    # 386.50 charged, allowed 80 % = 309.20, coinsurance 20 % of allowed = 61.84.
    assert (money.charge, money.paid, money.adjustments) == (D("386.50"), D("247.36"), D("77.30"))
    assert (money.patient_responsibility, money.patient_balance) == (D("61.84"), D("61.84"))
    assert money.insurance_balance == D("0.00")

    received = [decode(e) for e in world.events(answer["remittance_id"])][0]
    assert isinstance(received, RemittanceReceived)
    assert received.payment_amount == D("247.36") and received.claim_count == 1


def test_the_same_file_twice_posts_once_and_says_duplicate(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    text = x12_835(remittance([claim_payment(claim)]))
    first = world.ingest(text)
    again = world.ingest(text)

    assert first.status == "posted"
    assert again.ok and again.status == "duplicate"
    assert again.counts() == {"duplicate": 1}
    assert again.remittances[0].duplicate_of == first.remittances[0].remittance_id
    assert world.types(claim_id).count("claim.paid") == 1


def test_the_same_payer_and_trace_number_in_other_bytes_is_a_duplicate(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    world.ingest(x12_835(remittance([claim_payment(claim)])))
    # Other control numbers and another creation time: a resent check, not the same file.
    resent = world.ingest(x12_835(remittance([claim_payment(claim)]), start=40))

    assert resent.ok and resent.counts() == {"duplicate": 1}
    assert world.types(claim_id).count("claim.paid") == 1


def test_one_check_split_across_two_files_posts_each_payment_once(world: RemitWorld) -> None:
    first_claim = professional_claim()
    second_claim = professional_claim_modifiers()
    first_id = world.create_submitted(first_claim)
    second_id = world.create_submitted(second_claim)
    part_one = x12_835(remittance([claim_payment(first_claim)], trace_number="CHK777"))
    part_two = x12_835(
        remittance(
            [claim_payment(first_claim), claim_payment(second_claim)], trace_number="CHK777"
        ),
        start=10,
    )
    one = world.ingest(part_one)
    two = world.ingest(part_two)

    assert one.counts() == {"posted": 1}
    # The second part repeats the first claim payment: taken once, the other posted.
    assert two.ok and two.counts() == {"duplicate": 1, "posted": 1}
    assert world.types(first_id).count("claim.paid") == 1
    assert world.types(second_id).count("claim.paid") == 1


def test_a_reversal_undoes_the_posting_exactly_and_the_corrected_payment_posts_anew(
    world: RemitWorld,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = world.create_submitted(claim)
    original = claim_payment(claim)
    world.ingest(x12_835(remittance([original])))
    corrected = claim_payment(claim, allowed_rate=D("0.90"))
    take_back = x12_835(
        remittance([reversal_of(original), corrected], trace_number="EFT20260420009"), start=20
    )
    report = world.ingest(take_back)

    assert report.ok and report.counts() == {"posted": 2}
    paid, reversed_, repaid = _claim_events(world, claim_id)
    assert isinstance(reversed_, ClaimReversed) and isinstance(repaid, ClaimPaid)
    assert isinstance(paid, ClaimPaid)
    assert reversed_.ledger == paid.ledger.negated()
    money = world.view(claim_id).money
    # Only the corrected payment remains: allowed 90 % of 386.50 per line, 20 % coinsurance.
    assert money.paid == repaid.ledger.paid == corrected.paid
    assert money.adjustments == repaid.ledger.adjustments
    assert money.patient_balance == repaid.ledger.patient_responsibility
    assert money.insurance_balance == D("0.00")
    # A repost after a reversal is not a duplicate, but the take-back file again is.
    assert world.ingest(take_back).counts() == {"duplicate": 2}


def test_a_reversal_of_nothing_posted_is_not_posted_silently(world: RemitWorld) -> None:
    claim = professional_claim()
    other = professional_claim_several_lines()
    claim_id = world.create_submitted(claim)
    world.create_submitted(other)
    # A take-back of a payment never posted here, in a check that also pays another claim.
    report = world.ingest(
        x12_835(remittance([reversal_of(claim_payment(claim)), claim_payment(other)]))
    )

    assert not report.ok
    assert report.remittances[0].claims[0].result != "posted"
    assert "claim.reversed" not in world.types(claim_id)


def test_a_denial_stays_open_with_its_reason_and_queue_never_a_write_off(
    world: RemitWorld,
) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    report = world.ingest(x12_835(remittance([denied_claim_payment(claim, reason="29")])))

    assert report.ok
    (denied,) = _claim_events(world, claim_id)
    assert isinstance(denied, ClaimDenied)
    assert denied.denial_category == "timely-filing"
    assert denied.queue == "denials.timely-filing"
    assert denied.ledger.denied == claim.total_charge and denied.ledger.adjustments == 0
    view = world.view(claim_id)
    assert view.status == "denied"
    assert view.money.insurance_balance == claim.total_charge
    assert view.money.adjustments == 0 and view.money.written_off == 0
    assert "claim.written_off" not in world.types(claim_id)


def test_patient_responsibility_moves_to_the_patient_and_contractual_is_no_payment(
    world: RemitWorld,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = world.create_submitted(claim)
    base = claim_payment(claim, allowed_rate=D("1"), coinsurance_rate=D("0"))
    # Line 1: 210.00 = 100.00 paid + CO-45 40.00 + PR-1 50.00 + PR-3 20.00.
    line1 = dataclasses.replace(
        base.services[0],
        paid=D("100.00"),
        allowed=D("170.00"),
        adjustments=(
            Adjustment(group="CO", reason="45", amount=D("40.00")),
            Adjustment(group="PR", reason="1", amount=D("50.00")),
            Adjustment(group="PR", reason="3", amount=D("20.00")),
        ),
    )
    payment = dataclasses.replace(
        base, services=(line1, *base.services[1:]), paid=base.paid - D("110.00")
    )
    assert world.ingest(x12_835(remittance([payment]))).ok
    money = world.view(claim_id).money
    assert money.patient_responsibility == money.patient_balance == D("70.00")
    assert money.adjustments == D("40.00")
    assert money.paid == payment.paid
    assert money.charge == money.paid + money.adjustments + money.patient_responsibility


def test_a_dropped_or_reordered_modifier_still_matches_the_line(world: RemitWorld) -> None:
    claim = professional_claim_modifiers()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    dropped = dataclasses.replace(payment.services[0], modifiers=())
    reordered = dataclasses.replace(payment.services[2], modifiers=("59", "GP"))
    # The payer also sends the lines in another order.
    payment = dataclasses.replace(payment, services=(reordered, payment.services[1], dropped))
    assert world.ingest(x12_835(remittance([payment]))).ok

    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid)
    by_line = {line.line_number: line for line in paid.lines}
    assert set(by_line) == {1, 2, 3}
    assert by_line[1].modifiers == () and by_line[1].matched_by == "dropped_modifier"
    assert by_line[3].matched_by == "reordered_modifiers"
    assert by_line[2].matched_by in ("procedure", "line_control_number")


def test_lines_found_by_line_item_control_number_when_the_payer_recoded_them(
    world: RemitWorld,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    recoded = dataclasses.replace(
        payment.services[0], procedure_code="99213", line_control_number=f"{claim_id}.1"
    )
    payment = dataclasses.replace(payment, services=(recoded, *payment.services[1:]))
    assert world.ingest(x12_835(remittance([payment]))).ok
    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid)
    assert paid.lines[0].line_number == 1
    assert paid.lines[0].matched_by == "line_control_number"


def test_claims_are_found_by_payer_claim_number_then_patient_dates_and_charge(
    world: RemitWorld,
) -> None:
    by_number = professional_claim()
    by_patient = professional_claim_modifiers()
    first = world.create_submitted(by_number, payer_claim_number="PAYER-0001")
    second = world.create_submitted(by_patient)
    wrong_pcn_1 = dataclasses.replace(
        claim_payment(by_number, payer_claim_number="PAYER-0001"),
        patient_control_number="GARBLED1",
    )
    wrong_pcn_2 = dataclasses.replace(claim_payment(by_patient), patient_control_number="GARBLED2")
    report = world.ingest(x12_835(remittance([wrong_pcn_1, wrong_pcn_2])))

    assert report.ok, report.to_dict()
    assert [c.claim_id for c in report.remittances[0].claims] == [first, second]
    matched = [decode(world.events(c)[-1]) for c in (first, second)]
    assert [getattr(m, "matched_by", None) for m in matched] == [
        "payer_claim_number",
        "patient_dates_charge",
    ]


def test_an_unmatched_payment_is_listed_with_its_amounts_and_posts_when_matched_by_hand(
    world: RemitWorld,
) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    stranger = dataclasses.replace(
        claim_payment(claim),
        patient_control_number="NOSUCHPCN",
        member_id="ZZZ999",
        patient_last_name="NOBODY",
    )
    report = world.ingest(x12_835(remittance([stranger])))

    assert not report.ok and report.status == "partial"
    assert report.counts() == {"unmatched": 1}
    remittance_id = report.remittances[0].remittance_id
    assert remittance_id is not None
    with world.embedded.engine.connect() as conn:
        (listed,) = list_unmatched(conn, world.organization_id)
    assert listed["remittance_id"] == remittance_id
    assert D(listed["paid"]) == stranger.paid and D(listed["charge"]) == stranger.charge
    assert "claim.paid" not in world.types(claim_id)

    result = match_by_hand(
        world.embedded.remit,
        organization_id=world.organization_id,
        remittance_id=remittance_id,
        claim_index=1,
        claim_id=claim_id,
        matched_by="biller-7",
    )
    world.settle()
    assert result.event_types == ("claim.paid",)
    assert world.view(claim_id).money.paid == stranger.paid
    with world.embedded.engine.connect() as conn:
        assert list_unmatched(conn, world.organization_id) == []


def test_plb_is_recorded_on_the_remittance_not_on_a_claim(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    plb = (
        ProviderAdjustment(reason="L6", amount=D("-3.17"), reference="INTEREST"),
        ProviderAdjustment(reason="WO", amount=D("25.00"), reference="OVERPAY123"),
    )
    report = world.ingest(x12_835(remittance([payment], provider_adjustments=plb)))

    assert report.ok
    answer = report.to_dict()["remittances"][0]
    # BPR02 = claims paid less PLB: interest (negative PLB) adds, a recoupment takes.
    assert D(answer["payment_amount"]) == payment.paid + D("3.17") - D("25.00")
    received = decode(world.events(answer["remittance_id"])[0])
    assert isinstance(received, RemittanceReceived)
    assert [(p.reason_code, p.amount) for p in received.provider_adjustments] == [
        ("L6", D("-3.17")),
        ("WO", D("25.00")),
    ]
    assert world.view(claim_id).money.paid == payment.paid


def _unbalanced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_a_claim_that_does_not_balance_refuses_the_file_whole(world: RemitWorld) -> None:
    good = professional_claim()
    bad = professional_claim_modifiers()
    good_id = world.create_submitted(good)
    bad_id = world.create_submitted(bad)
    bad_payment = claim_payment(bad)
    text = x12_835(remittance([claim_payment(good), bad_payment]))
    # CLP04 and BPR02 raised together: the file total agrees, the claim does not.
    paid = format(bad_payment.paid, "f")
    text = _unbalanced(text, f"*{paid}*", f"*{bad_payment.paid + 1:f}*")
    total = claim_payment(good).paid + bad_payment.paid
    text = _unbalanced(text, f"BPR*I*{total:f}", f"BPR*I*{total + 1:f}")
    report = world.ingest(text)

    assert report.status == "refused" and not report.ok
    assert report.imbalances, report.to_dict()
    first = report.imbalances[0]
    assert first["claim"] == 2 and first["check"] == "claim"
    assert "expected" in first and "found" in first
    assert "claim.paid" not in world.types(good_id)
    assert "claim.paid" not in world.types(bad_id)
    assert world.all_events("remittance.") == []


def test_a_file_whose_bpr02_is_not_the_claims_less_plb_is_refused(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    text = _unbalanced(
        x12_835(remittance([payment])),
        f"BPR*I*{payment.paid:f}",
        f"BPR*I*{payment.paid + D('0.01'):f}",
    )
    report = world.ingest(text)

    assert report.status == "refused"
    (imbalance,) = report.imbalances
    assert imbalance["expected"] == format(payment.paid, "f")
    assert imbalance["found"] == format(payment.paid + D("0.01"), "f")
    assert "claim.paid" not in world.types(claim_id)


def test_lines_that_do_not_sum_to_the_claim_refuse_the_file(world: RemitWorld) -> None:
    claim = professional_claim_several_lines()
    world.create_submitted(claim)
    text = x12_835(remittance([claim_payment(claim)]))
    # Line 2 pays a cent more and its CO-45 is a cent less: the line itself balances, the
    # lines no longer sum to the claim's CLP04.
    text = _unbalanced(text, "SVC*HC:36415*18.00*11.52", "SVC*HC:36415*18.00*11.53")
    text = _unbalanced(text, "CAS*CO*45*3.60", "CAS*CO*45*3.59")
    report = world.ingest(text)

    assert report.status == "refused"
    (imbalance,) = [i for i in report.imbalances if i["check"] == "lines_paid"]
    assert imbalance["claim"] == 1
    assert (imbalance["expected"], imbalance["found"]) == ("247.36", "247.37")


def test_an_unknown_service_line_is_kept_on_the_posting_never_dropped(world: RemitWorld) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    extra = ServicePayment(
        charge=D("10.00"),
        paid=D("10.00"),
        procedure_code="99999",
        service_date=payment.services[0].service_date,
    )
    payment = dataclasses.replace(
        payment,
        services=(*payment.services, extra),
        charge=payment.charge + D("10.00"),
        paid=payment.paid + D("10.00"),
    )
    assert world.ingest(x12_835(remittance([payment]))).ok
    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid)
    (extra_line,) = [line for line in paid.lines if line.procedure_code == "99999"]
    assert extra_line.line_number is None and extra_line.matched_by == "unmatched"
    assert extra_line.paid == D("10.00")
    assert world.view(claim_id).money.paid == payment.paid


def _with_secondary_coverage() -> Claim:
    """A primary claim whose patient also has a secondary payer (2320 with SBR01 = S)."""
    secondary = OtherPayer(
        payer=Payer(payer_id="GC001", name="Gulf Coast Secondary"),
        responsibility="S",
        subscriber=professional_claim().subscriber.model_copy(update={"member_id": "GCB0045512"}),
    )
    return professional_claim_several_lines(other_payers=(secondary,))


def test_a_primary_payment_with_a_balance_names_the_secondary_to_bill(world: RemitWorld) -> None:
    claim = _with_secondary_coverage()
    claim_id = world.create_submitted(claim)
    assert world.ingest(x12_835(remittance([claim_payment(claim)]))).ok

    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid)
    assert paid.next_payer is not None
    assert paid.next_payer.action == NextPayerAction.BILL
    assert (paid.next_payer.payer_id, paid.next_payer.responsibility) == ("GC001", "S")
    assert paid.next_payer.balance == paid.ledger.patient_responsibility == D("61.84")
    view = world.view(claim_id)
    assert view.next_payer is not None and view.next_payer.action == "bill"


def test_no_secondary_to_bill_without_a_balance_or_without_secondary_coverage(
    world: RemitWorld,
) -> None:
    covered = _with_secondary_coverage()
    alone = professional_claim()
    covered_id = world.create_submitted(covered)
    alone_id = world.create_submitted(alone)
    nothing_left = claim_payment(covered, coinsurance_rate=D("0"))
    world.ingest(x12_835(remittance([nothing_left, claim_payment(alone)])))
    for claim_id in (covered_id, alone_id):
        (paid,) = _claim_events(world, claim_id)
        assert isinstance(paid, ClaimPaid) and paid.next_payer is None


def test_a_crossover_marks_the_secondary_as_expected_by_forward_not_billed(
    world: RemitWorld,
) -> None:
    claim = _with_secondary_coverage()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    # MA18: "the claim information is also being forwarded to the patient's supplemental
    # insurer"; the payer sends it to the secondary itself.
    first = dataclasses.replace(payment.services[0], remarks=("MA18",))
    payment = dataclasses.replace(payment, services=(first, *payment.services[1:]))
    assert world.ingest(x12_835(remittance([payment]))).ok

    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid) and paid.next_payer is not None
    assert paid.next_payer.action == NextPayerAction.CROSSOVER
    assert paid.next_payer.payer_id == "GC001"
    assert world.view(claim_id).next_payer.action == "crossover"  # type: ignore[union-attr]


def test_lines_the_payer_bundled_into_one_are_matched_to_every_line_billed(
    world: RemitWorld,
) -> None:
    claim = professional_claim_several_lines()
    claim_id = world.create_submitted(claim)
    payment = claim_payment(claim)
    first, venipuncture, panel, therapy = payment.services
    # The payer pays the panel (80053, 62.50) and the draw (36415, 18.00) as one line.
    bundled = ServicePayment(
        charge=D("80.50"),
        paid=D("50.00"),
        procedure_code="80053",
        service_date=panel.service_date,
        adjustments=(Adjustment(group="CO", reason="45", amount=D("30.50")),),
        allowed=D("50.00"),
    )
    services = (first, bundled, therapy)
    payment = dataclasses.replace(
        payment, services=services, paid=sum((s.paid for s in services), D("0.00"))
    )
    assert world.ingest(x12_835(remittance([payment]))).ok

    (paid,) = _claim_events(world, claim_id)
    assert isinstance(paid, ClaimPaid)
    line = paid.lines[1]
    assert (line.line_number, line.bundled_line_numbers, line.matched_by) == (3, (2,), "bundled")
    assert [p.line_number for p in paid.lines] == [1, 3, 4]
    assert world.view(claim_id).money.insurance_balance == D("0.00")
