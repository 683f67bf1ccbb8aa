"""Delays per answer, what payers remember (replacements, voids), 271 and 277 answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.claim_model import Frequency
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.reader import parse
from shared.x12.validation import validate
from shared.x12.x12_270_005010X279A1.writer import inquiry_for_claim, write_270
from shared.x12.x12_271_005010X279A1.models import Transaction271
from shared.x12.x12_276_005010X212.writer import status_inquiry_for_claim, write_276
from simulator.engine import InboundFile, Simulator
from testsupport.claims import _subscriber, professional_claim
from testsupport.x12 import CREATED_AT, SUBMITTER

D = Decimal
RECEIVED = datetime(2026, 3, 12, 9, 15, tzinfo=UTC)


def _270(claims, traces):
    inquiries = [inquiry_for_claim(c, t) for c, t in zip(claims, traces, strict=True)]
    return write_270(
        inquiries,
        sender=Party("RIVERBEND01"),
        receiver=Party("CLEARX"),
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def _276(claims, traces, payer_claim_numbers=None):
    numbers = payer_claim_numbers or [None] * len(claims)
    inquiries = [
        status_inquiry_for_claim(c, t, n) for c, t, n in zip(claims, traces, numbers, strict=True)
    ]
    return write_276(
        inquiries,
        submitter=SUBMITTER,
        sender=Party("RIVERBEND01"),
        receiver=Party("CLEARX"),
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


# -- delays ----------------------------------------------------------------------------------


def test_each_answer_is_due_after_the_profiles_delay_and_dated_so(sim, make_profile) -> None:
    sim.add_837p([professional_claim()])
    profile = make_profile(
        top={
            "timing": {"ack_999": 0, "ack_277ca": 2, "remittance_835": 10, "reversal_after_835": 7}
        }
    )
    batch = Simulator(profile, seed=3).answer(
        [InboundFile("batch.837", (sim.inbound / "batch.837").read_bytes())], RECEIVED
    )
    due = {answer.kind: answer.due_at for answer in batch.answers}
    assert due == {
        "999": RECEIVED,
        "277CA": RECEIVED + timedelta(days=2),
        "835": RECEIVED + timedelta(days=10),
    }
    for answer in batch.answers:
        isa = answer.content.decode().split("~")[0].split("*")
        assert isa[9] == answer.due_at.strftime("%y%m%d") and isa[10] == "0915"
    remit = next(a for a in batch.answers if a.kind == "835").content.decode()
    assert "BPR*" in remit and "*20260322~" in remit.split("BPR*")[1].split("\n")[0]


# -- what payers remember --------------------------------------------------------------------


def test_a_replacement_claim_reverses_the_original_and_is_paid_anew(sim, make_profile) -> None:
    original = professional_claim(patient_control_number="REPL-1")
    sim.add_837p([original])
    sim.respond(make_profile())
    paid = sim.truth().claim("REPL-1")
    replacement = original.model_copy(
        update={
            "frequency": Frequency.REPLACEMENT,
            "original_payer_claim_number": paid.payer_claim_number,
        }
    )
    sim.clear_inbound()
    sim.add_837p([replacement], name="replacement.837")
    sim.respond(make_profile())
    again = sim.truth().claim("REPL-1")
    assert again.replaces == {
        "payer_claim_number": paid.payer_claim_number,
        "patient_control_number": "REPL-1",
    }
    assert [p.role for p in again.payments] == ["reversal_of_replaced", "original"]
    reversal, new = again.payments
    assert reversal.status == "22" and reversal.paid == -paid.payments[0].paid
    assert new.payer_claim_number != paid.payer_claim_number
    assert "replacement" in again.behaviours
    # The reversal and the new payment travel in one 835.
    assert reversal.remittance.file == new.remittance.file


def test_a_void_reverses_the_original_only(sim, make_profile) -> None:
    original = professional_claim(patient_control_number="VOID-1")
    sim.add_837p([original])
    sim.respond(make_profile())
    paid = sim.truth().claim("VOID-1")
    void = original.model_copy(
        update={"frequency": Frequency.VOID, "original_payer_claim_number": paid.payer_claim_number}
    )
    sim.clear_inbound()
    sim.add_837p([void], name="void.837")
    sim.respond(make_profile())
    voided = sim.truth().claim("VOID-1")
    assert voided.outcome == "voided"
    assert [(p.role, p.status) for p in voided.payments] == [("reversal_of_replaced", "22")]
    # Voiding a claim that is no longer standing is returned at the front end.
    sim.clear_inbound()
    sim.add_837p([void], name="void-again.837")
    sim.respond(make_profile())
    assert sim.truth().claim("VOID-1").outcome == "rejected_277ca"


def test_the_payers_memory_survives_a_restart_through_the_truth_file(sim, make_profile) -> None:
    """Answering in two runs gives the same money as one run (member totals carry over)."""
    member = _subscriber(member_id="CARRY0001")
    claims = [
        professional_claim(patient_control_number=f"CARRY-{n}", subscriber=member) for n in range(3)
    ]
    profile = make_profile(cost_share={"deductible": "150.00", "deductible_met_share": 0})
    sim.add_837p(claims[:1], name="a.837")
    sim.respond(profile)
    sim.clear_inbound()
    sim.add_837p(claims[1:], name="b.837")
    sim.respond(profile)
    split_runs = [c.net for c in sim.truth().claims]

    sim.clear_inbound()
    sim.add_837p(claims[:1], name="a.837")
    sim.add_837p(claims[1:], name="b.837")
    sim.respond(profile, out=sim.out.parent / "one-run")
    from simulator.truth import load_truth

    one_run = [c.net for c in load_truth(sim.out.parent / "one-run" / "truth.jsonl").claims]
    assert split_runs == one_run
    assert sum(n.adjustments.get("PR", D(0)) for n in one_run) > 0


# -- 271 -------------------------------------------------------------------------------------


def test_a_270_for_an_unknown_member_gets_a_271_with_aaa(sim, make_profile) -> None:
    known = professional_claim()
    unknown = professional_claim(subscriber=_subscriber(member_id="NOBODY0001"))
    malformed = professional_claim(subscriber=_subscriber(member_id="x1"))
    sim.add("eligibility.270", _270([known, unknown, malformed], ["T1", "T2", "T3"]))
    profile = make_profile(
        eligibility={"member_id_pattern": "^[A-Z0-9]{6,20}$", "unknown_members": ["NOBODY0001"]}
    )
    sim.respond(profile)
    text = sim.text("eligibility.270.271")
    assert validate(text).ok
    (model,) = [t.model for t in parse(text).transactions]
    assert isinstance(model, Transaction271)
    assert "AAA*N**75*C~" in text and "AAA*N**72*C~" in text
    answers = {(e.trace_number, e.answer, e.reason) for e in sim.truth().eligibility}
    assert answers == {("T1", "active", None), ("T2", "rejected", "75"), ("T3", "rejected", "72")}


def test_a_271_shows_the_deductible_left_after_adjudicated_claims(sim, make_profile) -> None:
    claim = professional_claim()
    profile = make_profile(
        cost_share={"deductible": "100.00", "copay": "0.00", "deductible_met_share": 0},
        eligibility={"inactive_members": ["INACTIVE01"]},
    )
    sim.add_837p([claim])
    sim.respond(profile)
    sim.clear_inbound()
    inactive = professional_claim(subscriber=_subscriber(member_id="INACTIVE01"))
    sim.add("check.270", _270([claim, inactive], ["T1", "T2"]))
    sim.respond(profile)
    text = sim.text("check.270.271")
    assert "EB*C*IND*30***23*100.00~" in text
    assert "EB*C*IND*30***29*7.50~" in text  # the visit's 92.50 went to the deductible
    assert "EB*6*IND*30~" in text


# -- 277 -------------------------------------------------------------------------------------


def test_a_276_gets_the_claims_status_as_of_the_answer(sim, make_profile) -> None:
    paid = professional_claim(patient_control_number="STAT-PAID")
    rejected = professional_claim(patient_control_number="STAT-REJ")
    rules = [{"patient_control_number": "STAT-REJ", "outcome": "reject_277ca"}]
    profile = make_profile(rules=rules)
    sim.add_837p([paid, rejected])
    sim.respond(profile)
    # Asked the same day: accepted, the 835 is two weeks away.
    sim.clear_inbound()
    stranger = professional_claim(patient_control_number="STAT-NONE")
    sim.add("ask.276", _276([paid, rejected, stranger], ["Q1", "Q2", "Q3"]))
    sim.respond(profile)
    statuses = {s.trace_number: s.statuses[0][:2] for s in sim.truth().statuses}
    assert statuses == {"Q1": ["P1", "20"], "Q2": ["A7", "21"], "Q3": ["A4", "35"]}
    # Asked after the payment date: finalized and paid, with the check.
    sim.clear_inbound()
    sim.add("ask-later.276", _276([paid], ["Q4"]))
    sim.respond(profile, as_of=datetime(2026, 11, 2, tzinfo=UTC))
    text = sim.text("ask-later.276.277")
    assert validate(text).ok, validate(text).errors
    stc = next(line for line in text.splitlines() if line.startswith("STC*"))
    truth = sim.truth().claim("STAT-PAID")
    payment = truth.payments[-1]
    assert stc.startswith("STC*F1:65*20261102**145.00*")
    assert f"*{payment.remittance.trace_number}~" in stc
    assert f"REF*1K*{truth.payer_claim_number}~" in text


def test_a_share_of_members_is_not_found(sim, make_profile) -> None:
    claims = [
        professional_claim(subscriber=_subscriber(member_id=f"MEMBER{n:04d}")) for n in range(10)
    ]
    sim.add("eligibility.270", _270(claims, [f"T{n}" for n in range(10)]))
    sim.respond(make_profile(eligibility={"not_found_share": 1}))
    assert {(e.answer, e.reason) for e in sim.truth().eligibility} == {("rejected", "75")}
