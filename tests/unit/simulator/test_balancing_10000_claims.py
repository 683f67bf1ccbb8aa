"""Every 835 balances, on 10,000 simulated claims (issue 10, point 4).

The 835s are read back with the project's X12 reader (not the simulator's own numbers):
BPR02 = sum of CLP04 less PLB; for each claim CLP03 - CLP04 = its CAS (claim and lines) and
CLP05 = its PR; lines add up to the claim; each line SVC02 - SVC03 = its CAS. The truth file
agrees with the 835s claim payment by claim payment, and each adjudicated claim's charge
equals what was paid plus every adjustment.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from simulator.truth import load_truth
from testsupport.claims import random_institutional_claims, random_professional_claims

ZERO = Decimal("0.00")


def _cas_total(segments) -> Decimal:
    return sum((a.amount for s in segments for a in s.adjustments), ZERO)


def test_every_835_balances_on_10000_claims(sim, make_profile) -> None:
    professional = list(random_professional_claims(8_000, seed=101))
    sim.add_837p(professional, name="professional.837")
    sim.add_837i(random_institutional_claims(2_000, seed=102), name="institutional.837")
    shares = {
        "reject_999": 0, "reject_277ca": 0.03, "deny": 0.08, "partial_payment": 0.08,
        "underpayment": 0.08, "reversal": 0.05, "provider_adjustment": 0.5, "split_check": 0.5,
    }  # fmt: skip
    # Every claim goes to one payer and one billing provider: a few large checks; split one.
    rules = [
        {"patient_control_number": professional[0].patient_control_number, "split_check": True}
    ]
    sim.respond(make_profile("default", shares=shares, rules=rules), seed=2026)
    truth = load_truth(sim.out / "truth.jsonl")
    assert len(truth.claims) == 10_000

    written: dict[tuple[str, str, str], tuple[Decimal, Decimal, Decimal]] = {}
    checks: dict[str, Decimal] = defaultdict(lambda: ZERO)
    plb_seen = 0
    for remit in sim.remittances():
        claims = list(remit.claims())
        paid = sum((c.clp.payment for c in claims), ZERO)
        plb = sum((p.total for p in remit.provider_adjustments), ZERO)
        plb_seen += len(remit.provider_adjustments)
        assert remit.bpr.total_payment == paid - plb
        assert remit.bpr.total_payment >= ZERO
        checks[remit.trn.reference] += remit.bpr.total_payment
        for claim in claims:
            clp = claim.clp
            adjustments = _cas_total(claim.adjustments) + sum(
                (_cas_total(s.adjustments) for s in claim.services), ZERO
            )
            assert clp.total_charge - clp.payment == adjustments, clp.patient_control_number
            patient = sum(
                (
                    a.amount
                    for segments in [claim.adjustments, *(s.adjustments for s in claim.services)]
                    for seg in segments
                    if seg.group == "PR"
                    for a in seg.adjustments
                ),
                ZERO,
            )
            assert (clp.patient_responsibility or ZERO) == patient
            assert sum((s.svc.charge for s in claim.services), ZERO) == clp.total_charge
            assert sum((s.svc.payment for s in claim.services), ZERO) == clp.payment
            for service in claim.services:
                assert service.svc.charge - service.svc.payment == _cas_total(service.adjustments)
            key = (clp.patient_control_number, clp.payer_claim_control_number, str(clp.status))
            written[key] = (clp.total_charge, clp.payment, clp.patient_responsibility or ZERO)
    assert plb_seen > 0

    payments = 0
    for claim in truth.claims:
        for payment in claim.payments:
            payments += 1
            key = (claim.patient_control_number, payment.payer_claim_number, payment.status)
            assert written[key] == (payment.charge, payment.paid, payment.patient_responsibility)
        if claim.net is not None:
            adjusted = sum(claim.net.adjustments.values(), ZERO)
            assert claim.charge == claim.net.paid + adjusted, claim.patient_control_number
    assert payments == len(written)

    splits = [r for r in truth.remittances if r.split is not None]
    assert splits
    for remittance in splits:
        assert checks[remittance.trace_number] == remittance.split.check_total
    outcomes = {c.outcome for c in truth.claims}
    assert {"paid", "partially_paid", "denied", "rejected_277ca"} <= outcomes
