"""Same seed and inputs, same bytes; --as-of moves only dates; one more claim moves nothing else."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator.profile import load_profile
from simulator.truth import load_truth
from testsupport.claims import random_institutional_claims, random_professional_claims


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _inputs(sim, claims: int = 60) -> None:
    sim.add_837p(random_professional_claims(claims, seed=11), name="p.837")
    sim.add_837i(random_institutional_claims(claims // 3, seed=12), name="i.837")


def test_same_seed_and_inputs_give_byte_identical_answers(sim) -> None:
    _inputs(sim)
    profile = load_profile("default")
    sim.respond(profile, seed=42, out=sim.out / "a")
    sim.respond(profile, seed=42, out=sim.out / "b")
    first, second = _files(sim.out / "a"), _files(sim.out / "b")
    assert len(first) > 5
    assert first == second


def test_another_seed_draws_other_outcomes(sim) -> None:
    _inputs(sim)
    profile = load_profile("default")
    sim.respond(profile, seed=1, out=sim.out / "a")
    sim.respond(profile, seed=2, out=sim.out / "b")
    outcomes = [
        [(c.outcome, tuple(c.behaviours)) for c in load_truth(sim.out / run / "truth.jsonl").claims]
        for run in ("a", "b")
    ]
    assert outcomes[0] != outcomes[1]


def _masked(text: str, as_of: datetime) -> str:
    """The answer dates (as-of plus the clean profile's delays) replaced by their offsets."""
    for days in (0, 1, 14, 28):
        day = as_of + timedelta(days=days)
        for form in ("%Y%m%d", "%Y-%m-%d", "%y%m%d"):
            text = re.sub(rf"(?<![0-9]){day.strftime(form)}(?![0-9])", f"<D+{days}>", text)
    return text


def test_as_of_moves_only_the_dates(sim) -> None:
    _inputs(sim)
    profile = load_profile("clean")
    # Received after every date of service (2026), so no service date looks like an answer's.
    early = datetime(2027, 1, 5, 8, 30, tzinfo=UTC)
    late = datetime(2027, 2, 20, 8, 30, tzinfo=UTC)
    sim.respond(profile, seed=7, as_of=early, out=sim.out / "early")
    sim.respond(profile, seed=7, as_of=late, out=sim.out / "late")
    first = {
        _masked(name, early): _masked(content.decode(), early)
        for name, content in _files(sim.out / "early").items()
    }
    second = {
        _masked(name, late): _masked(content.decode(), late)
        for name, content in _files(sim.out / "late").items()
    }
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name


def _claim_view(claim) -> tuple[object, ...]:
    def line_view(line) -> tuple[object, ...]:
        return (line.allowed, line.paid, [(a.group, a.reason, a.amount) for a in line.adjustments])

    payments = [
        (p.role, p.status, p.payer_claim_number, p.charge, p.paid, p.patient_responsibility,
         [line_view(line) for line in p.lines])
        for p in claim.payments
    ]  # fmt: skip
    return (claim.outcome, tuple(claim.behaviours), claim.rejection, claim.net, payments)


def test_adding_a_claim_changes_no_other_claims_outcome(sim) -> None:
    claims = list(random_professional_claims(80, seed=21))
    extra = next(iter(random_professional_claims(1, seed=99)))
    profile = load_profile("default")
    sim.add_837p(claims, name="batch.837")
    sim.respond(profile, seed=5, out=sim.out / "without")
    sim.clear_inbound()
    sim.add_837p([*claims[:40], extra, *claims[40:]], name="batch.837")
    sim.respond(profile, seed=5, out=sim.out / "with")
    without = {
        c.patient_control_number: c for c in load_truth(sim.out / "without" / "truth.jsonl").claims
    }
    with_extra = {
        c.patient_control_number: c for c in load_truth(sim.out / "with" / "truth.jsonl").claims
    }
    assert set(with_extra) - set(without) == {extra.patient_control_number}
    behaviours = {b for c in without.values() for b in c.behaviours} | {
        c.outcome for c in without.values()
    }
    assert len(behaviours) >= 4  # the default profile's draws are exercised, not all "paid"
    for pcn, claim in without.items():
        assert _claim_view(with_extra[pcn]) == _claim_view(claim), pcn
