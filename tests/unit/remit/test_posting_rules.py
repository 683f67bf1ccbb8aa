"""Two posting rules: a match must agree on who the patient is, and a payment is posted only to
a claim billed for the charge it pays.

(a) An 835 carrying a copy of a payment under another patient (another PCN, member id and
name, the same payer claim number, charge and dates) once posted the same money twice to our
claim: the copy now waits in the unmatched queue, naming why, and the claim is paid once.
(b) Matching by hand a payment whose charge (CLP03) is not the claim's once posted it and
left `revcycle audit ledger` failing: it is refused naming both charges, nothing posted, and
the payment stays unmatched for the right claim.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import build_embedded_app
from services.remit.api import ROLE_REMITTANCES_READ, ROLE_REMITTANCES_WRITE
from services.remit.domain import ChargeMismatch
from services.remit.handlers import list_unmatched, match_by_hand
from shared.auth import issue_token
from shared.claim_model import Claim
from shared.config import BaseServiceSettings
from testsupport.claims import professional_claim
from testsupport.remit import ORG, RemitWorld, temporary_world, x12_835
from testsupport.remittances import claim_payment, remittance

D = Decimal


@pytest.fixture
def world() -> Iterator[RemitWorld]:
    w = temporary_world()
    try:
        yield w
    finally:
        w.audit()
        w.close()


def _paid_events(world: RemitWorld, claim_id: str) -> list[str]:
    return [t for t in world.types(claim_id) if t in ("claim.paid", "claim.partially_paid")]


def test_a_copy_of_a_payment_under_another_patient_is_held_not_posted_twice(
    world: RemitWorld,
) -> None:
    claim = professional_claim()
    claim_id = world.create_submitted(claim, payer_claim_number="PCN26031001X")
    payment = claim_payment(claim, payer_claim_number="PCN26031001X")
    copy = dataclasses.replace(
        payment,
        patient_control_number="PCN99990001",
        member_id="QQA771100452",
        patient_last_name="ABERNATHY",
        patient_first_name="CORMAC",
    )
    report = world.ingest(x12_835(remittance([payment, copy])))

    results = [c.result for c in report.remittances[0].claims]
    assert results == ["posted", "unmatched"], report.to_dict()
    held = report.remittances[0].claims[1]
    assert held.reason is not None and "another patient" in held.reason, held.reason
    assert _paid_events(world, claim_id) == ["claim.paid"]
    assert world.view(claim_id).money.paid == payment.paid
    with world.embedded.engine.connect() as conn:
        (listed,) = list_unmatched(conn, world.organization_id)
    assert (listed["patient_control_number"], D(listed["paid"])) == ("PCN99990001", copy.paid)


def test_the_copy_alone_is_not_posted_on_the_payer_claim_number_either(world: RemitWorld) -> None:
    """The payer's claim number is known from the 277CA: it fits, the patient does not."""
    claim = professional_claim()
    claim_id = world.create_submitted(claim, payer_claim_number="PCN26031001X")
    copy = dataclasses.replace(
        claim_payment(claim, payer_claim_number="PCN26031001X"),
        patient_control_number="PCN99990001",
        member_id="QQA771100452",
        patient_last_name="ABERNATHY",
    )
    report = world.ingest(x12_835(remittance([copy])))
    assert report.counts() == {"unmatched": 1}
    assert _paid_events(world, claim_id) == []


def test_a_payer_that_corrected_the_name_or_the_member_id_still_matches(
    world: RemitWorld,
) -> None:
    """One of the two agreeing is the same patient (payers correct a name or an id)."""
    first = professional_claim(patient_control_number="PCN26031001")
    second = professional_claim(patient_control_number="PCN26031002")
    first_id = world.create_submitted(first)
    second_id = world.create_submitted(second)
    renamed = dataclasses.replace(claim_payment(first), patient_first_name="THEA")
    new_id = dataclasses.replace(claim_payment(second), member_id="XKZ480019299")
    report = world.ingest(x12_835(remittance([renamed, new_id])))
    assert report.ok, report.to_dict()
    assert [c.claim_id for c in report.remittances[0].claims] == [first_id, second_id]


def _billed_190(**overrides: object) -> Claim:
    """The office visit billed at 190.00 instead of 145.00."""
    claim = professional_claim(**overrides)
    line = claim.lines[0].model_copy(update={"charge": D("190.00")})
    return claim.model_copy(update={"lines": (line,), "total_charge": D("190.00")})


def _held_for_another_charge(world: RemitWorld) -> tuple[str, str, str]:
    """A claim billed 145.00 and an unmatched payment of a 190.00 claim (and that claim)."""
    claim = professional_claim()
    claim_id = world.create_submitted(claim)
    billed_190 = _billed_190(patient_control_number="PCN26031077")
    stranger = dataclasses.replace(
        claim_payment(billed_190),
        patient_control_number="NOSUCHPCN",
        member_id="ZZZ999",
        patient_last_name="NOBODY",
    )
    report = world.ingest(x12_835(remittance([stranger])))
    assert report.counts() == {"unmatched": 1}
    remittance_id = report.remittances[0].remittance_id
    assert remittance_id is not None
    right_id = world.create_submitted(billed_190)
    return claim_id, remittance_id, right_id


def test_matching_by_hand_to_a_claim_of_another_charge_is_refused_naming_both(
    world: RemitWorld,
) -> None:
    claim_id, remittance_id, right_id = _held_for_another_charge(world)

    with pytest.raises(ChargeMismatch) as refused:
        match_by_hand(
            world.embedded.remit,
            organization_id=world.organization_id,
            remittance_id=remittance_id,
            claim_index=1,
            claim_id=claim_id,
            matched_by="biller-7",
        )
    assert "145.00" in str(refused.value) and "190.00" in str(refused.value)
    world.settle()
    assert _paid_events(world, claim_id) == []
    with world.embedded.engine.connect() as conn:
        assert len(list_unmatched(conn, world.organization_id)) == 1

    # The right claim takes it; the books balance (the fixture audits them).
    match_by_hand(
        world.embedded.remit,
        organization_id=world.organization_id,
        remittance_id=remittance_id,
        claim_index=1,
        claim_id=right_id,
        matched_by="biller-7",
    )
    world.settle()
    assert _paid_events(world, right_id) == ["claim.paid"]


def test_the_match_route_answers_422_naming_both_charges(tmp_path: Path) -> None:
    settings = BaseServiceSettings(data_dir=tmp_path / "var", organization_id=ORG)
    served = build_embedded_app(settings, run_subscriptions=False)
    world = RemitWorld(tmp_path)
    try:
        claim_id, remittance_id, _ = _held_for_another_charge(world)
        token = issue_token(
            subject="biller-7",
            organization_id=ORG,
            roles=[ROLE_REMITTANCES_WRITE, ROLE_REMITTANCES_READ],
            secret=settings.auth_jwt_secret,
        )
        with TestClient(served.app) as client:
            answer = client.post(
                f"/v1/remittances/{remittance_id}/claims/1/match",
                json={"claim_id": claim_id},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert answer.status_code == 422, answer.text
        [problem] = answer.json()["detail"]
        assert problem["loc"] == ["body", "claim_id"]
        assert "145.00" in problem["msg"] and "190.00" in problem["msg"], problem
        world.settle()
        assert _paid_events(world, claim_id) == []
        world.audit()
    finally:
        served.embedded.close()
        world.close()
