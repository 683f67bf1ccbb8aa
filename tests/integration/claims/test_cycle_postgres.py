"""The claim cycle on PostgreSQL (the embedded composition on a real server), answered by
the simulator: one claim accepted, one rejected by the payer's front end (277CA), corrected
and accepted when sent again; the views read back through the API."""

from __future__ import annotations

from pathlib import Path

from shared.config import BaseServiceSettings
from testsupport.claims import professional_claim
from testsupport.claims_cycle import ORG, open_cycle

SECRET = "claims-cycle-test-secret-" + "x" * 32


def test_accepted_and_rejected_then_corrected_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = BaseServiceSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers="",
        data_dir=tmp_path,
        organization_id=ORG,
        auth_jwt_secret=SECRET,
    )
    with open_cycle(tmp_path, settings) as cycle:
        good = cycle.post_claim("PCN-PG-OK")
        bad = cycle.post_claim("PCN-PG-REJ")
        assert cycle.submit()["submitted"] == 2
        answers = cycle.answer(
            [{"patient_control_number": "PCN-PG-REJ", "outcome": "reject_277ca"}]
        )
        assert all(o.ok for o in cycle.ingest(answers, "999"))
        cycle.ingest(answers, "277ca")
        assert cycle.view(good)["status"] == "accepted"
        assert cycle.view(good)["payer_claim_number"]
        assert cycle.types(good) == [
            "claim.created",
            "claim.ready",
            "claim.submitted",
            "claim.acknowledged",
            "claim.accepted",
        ]
        rejected = cycle.view(bad)
        assert rejected["status"] == "rejected"
        assert rejected["submissions"][0]["reasons"][0]["location"].startswith("STC A7:")

        body = professional_claim(patient_control_number="PCN-PG-REJ").model_dump(
            mode="json", exclude={"claim_id", "organization_id", "frequency"}
        )
        answer = cycle.client.post(
            f"/v1/claims/{bad}/corrections",
            json={"claim": body, "reason": "member id fixed"},
            headers=cycle.headers,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["frequency"] == "1", "a front-end rejection goes out as a new original"
        assert cycle.submit()["submitted"] == 1
        answers = cycle.answer([])
        cycle.ingest(answers, "999")
        cycle.ingest(answers, "277ca")
        view = cycle.view(bad)
        assert view["status"] == "accepted"
        assert [s["outcome"] for s in view["submissions"]] == ["rejected", "accepted"]
