"""Secondary claims on the embedded default: the primary's 835 (from the simulator), posted by
a stand-in for the remit service (`claim.paid` built from the 835's CLP/SVC/CAS), makes the
claims service bill the secondary payer: `claim.secondary_created`, the secondary claim's own
stream, an 837 with 2320/2330B/2430 that balances the primary's payment and passes pyx12;
a claim the primary crossed over (MA18) is not billed again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from services.claims.ingest import ingest_277ca, ingest_999
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.claim_model import OtherPayer, Payer, Relationship
from shared.config import BaseServiceSettings
from shared.events.registry import to_envelope
from shared.events.remittance import (
    Adjustment,
    AdjustmentEffect,
    AdjustmentGroup,
    ClaimPaid,
    LinePayment,
)
from shared.ingest import IngestContext
from shared.x12.pyx12_judge import judge
from shared.x12.x12_835_005010X221A1.reader import read_835
from simulator.profile import load_profile
from simulator.respond import respond
from testsupport.claims import _payer, _secondary_payer, _subscriber, professional_claim

ORG = "org-a"
RECEIVED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _with_secondary_coverage(pcn: str, *, medicare_second: bool = False) -> dict[str, Any]:
    if medicare_second:
        # A group health plan pays first, Medicare Part B second (the working aged, say).
        primary = _payer()
        second = Payer(payer_id="MCRB1", name="Medicare Part B", claim_filing_indicator="MB")
        subscriber = _subscriber(member_id="1EG4TE5MK73", group_number=None)
    else:
        primary = _payer().model_copy(update={"claim_filing_indicator": "MB"})
        second = _secondary_payer()
        subscriber = _subscriber(member_id="GCB0045512", group_number="GC88001")
    other = OtherPayer(
        payer=second, responsibility="S", subscriber=subscriber, relationship=Relationship.SELF
    )
    claim = professional_claim(patient_control_number=pcn, payer=primary, other_payers=(other,))
    return claim.model_dump(mode="json", exclude={"claim_id", "organization_id"})


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[EmbeddedApp, TestClient, dict[str, str]]]:
    settings = BaseServiceSettings(data_dir=tmp_path, organization_id=ORG)
    embedded = build_embedded_app(settings, run_subscriptions=True)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    with TestClient(embedded.app) as client:
        yield embedded, client, {"Authorization": f"Bearer {token}"}
    embedded.embedded.close()


def _primary_paid(
    embedded: EmbeddedApp,
    client: TestClient,
    headers: dict[str, str],
    root: Path,
    pcn: str,
    *,
    medicare_second: bool = False,
) -> tuple[str, ClaimPaid]:
    """Submit the primary claim, let the simulator answer, ingest its acks, and read its 835."""
    body = _with_secondary_coverage(pcn, medicare_second=medicare_second)
    answer = client.post("/v1/claims", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    claim_id = str(answer.json()["claim_id"])
    assert client.post("/v1/submissions", headers=headers).json()["submitted"] == 1
    outbound = root / "exchange" / "outbound"
    answers = root / "answers"
    respond(outbound, answers, profile=load_profile("clean"), seed=3, as_of=RECEIVED)
    context = IngestContext(
        organization_id=ORG, submitted_by="biller-1", services=embedded.embedded
    )
    for path in sorted(answers.glob("*.999")):
        ingest_999(path, context)
    for path in sorted(answers.glob("*.277ca")):
        ingest_277ca(path, context)
    embedded.embedded.settle()
    for path in outbound.iterdir():
        path.unlink()
    [remit_file] = sorted(answers.glob("*.835"))
    [transaction] = read_835(remit_file.read_text())
    [clp] = list(transaction.claims())

    def effect(group: str) -> AdjustmentEffect:
        patient = group == AdjustmentGroup.PATIENT_RESPONSIBILITY
        return AdjustmentEffect.PATIENT if patient else AdjustmentEffect.CONTRACTUAL

    lines = tuple(
        LinePayment(
            line_number=number,
            matched_by="position",
            procedure_code=service.svc.procedure.code,
            charge=service.svc.charge or Decimal("0.00"),
            paid=service.svc.payment or Decimal("0.00"),
            units_paid=service.svc.units_paid,
            adjustments=tuple(
                Adjustment(
                    group=AdjustmentGroup(cas.group),
                    reason_code=a.reason,
                    amount=a.amount or Decimal("0.00"),
                    effect=effect(cas.group),
                )
                for cas in service.adjustments
                for a in cas.adjustments
            ),
        )
        for number, service in enumerate(clp.services, start=1)
    )
    assert clp.clp.payment is not None and clp.clp.total_charge is not None
    paid = ClaimPaid(
        claim_id=claim_id,
        remittance_id=f"rmt-{remit_file.stem}",
        payer_id="87726",
        payer_claim_number=clp.clp.payer_claim_control_number,
        claim_status_code=str(clp.clp.status),
        charge_amount=clp.clp.total_charge,
        paid_amount=clp.clp.payment,
        patient_responsibility=clp.clp.patient_responsibility or Decimal("0.00"),
        lines=lines,
        paid_on=transaction.bpr.payment_date or RECEIVED.date(),
    )
    return claim_id, paid


def _post_as_remit(embedded: EmbeddedApp, event: ClaimPaid) -> None:
    store = embedded.store
    version = store.stream_version(event.claim_id)
    store.append(
        event.claim_id,
        version,
        [
            to_envelope(
                event,
                stream_version=version + 1,
                occurred_at=RECEIVED,
                organization_id=ORG,
                producer="remit",
            )
        ],
    )
    embedded.embedded.settle()


def test_a_primary_payment_bills_the_secondary_with_the_primarys_adjudication(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]], tmp_path: Path
) -> None:
    embedded, client, headers = served
    claim_id, paid = _primary_paid(embedded, client, headers, tmp_path, "PCN-COB-1")
    assert paid.patient_responsibility > 0, "the clean payer leaves the patient a share"
    _post_as_remit(embedded, paid)

    primary_types = [e.type for e in embedded.store.load(claim_id)]
    assert primary_types[-1] == "claim.secondary_created"
    [created] = [e for e in embedded.store.load(claim_id) if e.type == "claim.secondary_created"]
    secondary_id = created.data["secondary_claim_id"]
    assert [e.type for e in embedded.store.load(secondary_id)] == [
        "claim.secondary_opened",
        "claim.ready",
    ]
    view = client.get(f"/v1/claims/{secondary_id}", headers=headers).json()
    assert view["status"] == "ready" and view["primary_claim_id"] == claim_id

    run = client.post("/v1/submissions", headers=headers).json()
    assert run["submitted"] == 1
    [sent] = sorted((tmp_path / "exchange" / "outbound").iterdir())
    text = sent.read_text()
    verdict = judge(text)
    assert verdict.ok, verdict
    segments = text.split("~\n") if "~\n" in text else text.split("~")
    assert any(s.startswith("SBR*S*") for s in segments), "billed as the secondary payer"
    # 2320: the primary as the other payer, with its own claim filing indicator (MB).
    assert any(re.match(r"SBR\*P\*18\*.*\*MB$", s) for s in segments)
    assert f"AMT*D*{paid.paid_amount}" in segments
    # 2430: the line's adjudication balances the primary's payment.
    [svd] = [s for s in segments if s.startswith("SVD*")]
    assert svd.split("*")[2] == str(paid.paid_amount)
    line_cas = [s for s in segments[segments.index(svd) :] if s.startswith("CAS*")]
    cas_total = sum(
        (Decimal(part) for s in line_cas for part in s.split("*")[3::3] if part), Decimal(0)
    )
    assert paid.paid_amount + cas_total == paid.charge_amount
    assert any(s.startswith("DTP*573*D8*") for s in segments)

    # A second 835 for the same claim bills nobody again.
    again = paid.model_copy(update={"remittance_id": "rmt-again"})
    _post_as_remit(embedded, again)
    types = [e.type for e in embedded.store.load(claim_id)]
    assert types.count("claim.secondary_created") == 1


def test_a_claim_the_primary_crossed_over_is_not_billed_again(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]], tmp_path: Path
) -> None:
    embedded, client, headers = served
    claim_id, paid = _primary_paid(embedded, client, headers, tmp_path, "PCN-XOVER-1")
    crossed = paid.model_copy(update={"claim_status_code": "19", "remark_codes": ("MA18",)})
    _post_as_remit(embedded, crossed)
    types = [e.type for e in embedded.store.load(claim_id)]
    assert types[-1] == "claim.crossed_over"
    assert "claim.secondary_created" not in types
    assert not embedded.store.load(f"{claim_id}-s")
    assert client.post("/v1/submissions", headers=headers).json()["submitted"] == 0


def test_medicare_billed_after_a_group_plan_says_why_it_is_secondary(
    served: tuple[EmbeddedApp, TestClient, dict[str, str]], tmp_path: Path
) -> None:
    """837P 2000B SBR05: Medicare is the destination payer and not primary (X222A1)."""
    from shared.x12.validation import validate

    embedded, client, headers = served
    claim_id, paid = _primary_paid(
        embedded, client, headers, tmp_path, "PCN-MSP-1", medicare_second=True
    )
    _post_as_remit(embedded, paid)
    assert [e.type for e in embedded.store.load(claim_id)][-1] == "claim.secondary_created"
    run = client.post("/v1/submissions", headers=headers).json()
    assert run["submitted"] == 1, run
    [sent] = sorted((tmp_path / "exchange" / "outbound").iterdir())
    text = sent.read_text()
    verdict = judge(text)
    assert verdict.ok, verdict
    report = validate(text)
    assert report.ok, report.errors
    segments = text.split("~\n") if "~\n" in text else text.split("~")
    # 2000B: Medicare billed as S; the subscriber (born 1968) is under 65: disability (43).
    [billed] = [s for s in segments if s.startswith("SBR*S*")]
    assert billed.split("*")[5] == "43" and billed.endswith("*MB"), billed
    # 2320: the group plan that paid first, with no insurance type code of its own.
    [prior] = [s for s in segments if s.startswith("SBR*P*")]
    assert prior.split("*")[5] == "" and prior.endswith("*CI"), prior
