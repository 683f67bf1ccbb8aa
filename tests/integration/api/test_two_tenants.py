"""Organizations never meet in a read-model key: `acme` and `acme:north`, same patient
control number, through the API, the relay, Kafka and the follow-up consumers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated
from shared.events.patient_account import patient_account_id
from shared.events.registry import to_envelope
from tests.integration.api.support import Pipeline, bearer
from testsupport.claims import professional_claim


def _claim(pcn: str, charge: str) -> dict[str, Any]:
    return {
        "patient_control_number": pcn,
        "total_charge": charge,
        "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
        "subscriber": {"last_name": "Testperson", "first_name": "Ada", "member_id": "ZZX01"},
        "lines": [{"line_number": 1, "procedure_code": "99213", "charge": charge}],
    }


def test_acme_and_acme_north_with_one_control_number_have_two_accounts(
    pipeline: Pipeline,
) -> None:
    client = pipeline.client
    acme = client.post("/v1/claims", json=_claim("1001", "100.00"), headers=bearer("acme"))
    north = client.post("/v1/claims", json=_claim("1001", "250.00"), headers=bearer("acme:north"))
    assert acme.status_code == north.status_code == 201, (acme.text, north.text)

    # An event whose account id spells exactly the other tenant's: `acme` + `north:1001`
    # (a control number with ':' cannot come through the API, but an event store may hold
    # one) and `acme:north` + `1001` are both "acme:north:1001".
    snapshot = snapshot_v1(professional_claim(total_charge=Decimal("5.00")))
    event = ClaimCreated(
        claim_id="clm_spelled_alike",
        account_id=patient_account_id("acme", "north:1001"),
        organization_id="acme",
        claim=snapshot.model_copy(
            update={"patient_control_number": "north:1001", "claim_id": "clm_spelled_alike"}
        ),
    )
    assert event.account_id == north.json()["account_id"] == "acme:north:1001"
    pipeline.embedded.store.append(
        "clm_spelled_alike",
        0,
        [
            to_envelope(
                event,
                stream_version=1,
                occurred_at=datetime.now(UTC),
                organization_id="acme",
                producer="intake",
            )
        ],
    )

    # Three claims; the two posted are held by the scrubber (no billing provider), so each
    # claim.created of theirs is followed by a claim.scrub_failed.
    assert pipeline.relay() == 5
    stats = pipeline.project()
    assert all((s.applied + s.ignored, s.dead_lettered) == (5, 0) for s in stats.values()), stats

    mine = client.get(acme.json()["links"]["account"], headers=bearer("acme")).json()
    assert (mine["account_id"], mine["charges"], mine["claim_count"]) == ("acme:1001", "100.00", 1)
    theirs = client.get(north.json()["links"]["account"], headers=bearer("acme:north")).json()
    assert (theirs["charges"], theirs["claim_ids"]) == ("250.00", [north.json()["claim_id"]])
    # The same account id text, read by `acme`, is acme's own 5.00 account, not north's.
    alike = client.get(north.json()["links"]["account"], headers=bearer("acme")).json()
    assert (alike["charges"], alike["claim_ids"]) == ("5.00", ["clm_spelled_alike"])

    # Each claim only for its own organization.
    assert client.get(acme.json()["links"]["self"], headers=bearer("acme:north")).status_code == 404
    assert client.get(north.json()["links"]["self"], headers=bearer("acme")).status_code == 404
    assert client.get("/v1/accounts/acme:1001", headers=bearer("acme:north")).status_code == 404
