"""The claims commands as an office runs them, one process each on the embedded default:
`revcycle claims submit --json`, the simulator answering, `revcycle exchange poll` (the 999
through the adapter's inbound side), `revcycle ingest` (the 277CA, twice), `revcycle claims
show PCN --json`.

Each command settles the embedded processes and projections before it exits, so the next
one (a fresh process) sees what the previous one did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from revcycle.embedded import build_embedded_app
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.config import BaseServiceSettings
from testsupport.claims import professional_claim

ORG = "org-cli"
REPO = Path(__file__).resolve().parents[3]


def revcycle(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env |= {
        "DATA_DIR": str(root),
        "ORGANIZATION_ID": ORG,
        "EXCHANGE_INBOUND_DIR": str(root / "inbound"),
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("revcycle")), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _post_claims(root: Path, pcns: list[str]) -> None:
    settings = BaseServiceSettings(data_dir=root, organization_id=ORG)
    embedded = build_embedded_app(settings, run_subscriptions=True)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    try:
        with TestClient(embedded.app) as client:
            for pcn in pcns:
                body = professional_claim(patient_control_number=pcn).model_dump(
                    mode="json", exclude={"claim_id", "organization_id"}
                )
                answer = client.post(
                    "/v1/claims", json=body, headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status_code == 201, answer.text
    finally:
        embedded.embedded.close()


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(done.stdout)


def test_submit_poll_and_show_from_the_command_line(tmp_path: Path) -> None:
    _post_claims(tmp_path, ["PCN-CLI-1", "PCN-CLI-2"])

    run = _json(
        revcycle(tmp_path, "claims", "submit", "--outbound", str(tmp_path / "outbound"), "--json")
    )
    assert run["submitted"] == 2
    [batch] = run["batches"]
    assert (tmp_path / "outbound" / batch["file"]).is_file()
    assert _json(revcycle(tmp_path, "claims", "submit", "--json"))["submitted"] == 0

    answered = revcycle(
        tmp_path,
        "sim",
        "respond",
        "--in",
        str(tmp_path / "outbound"),
        "--out",
        str(tmp_path / "inbound"),
        "--profile",
        "clean",
        "--seed",
        "1",
        "--as-of",
        "2026-03-20",
    )
    assert answered.returncode == 0, answered.stderr[-3000:]
    (tmp_path / "inbound" / "truth.jsonl").unlink()
    for remittance in (tmp_path / "inbound").glob("*.835"):
        remittance.unlink()  # the remit service's, not this test's

    # The 277CA arrives another way (a download): `revcycle ingest` routes it here.
    held_back = tmp_path / "downloads"
    held_back.mkdir()
    [receipt] = sorted((tmp_path / "inbound").glob("*.277ca"))
    receipt = receipt.rename(held_back / receipt.name)

    polled = revcycle(tmp_path, "exchange", "poll", "--json")
    assert polled.returncode == 0, polled.stdout[-2000:] + polled.stderr[-3000:]
    assert "999" in polled.stdout
    shown = _json(revcycle(tmp_path, "claims", "show", "PCN-CLI-1", "--json"))
    [view] = shown if isinstance(shown, list) else [shown]
    assert view["status"] == "acknowledged", "the poll settled before it exited"

    ingested = revcycle(tmp_path, "ingest", str(receipt))
    assert ingested.returncode == 0, ingested.stdout[-2000:] + ingested.stderr[-3000:]
    twice = revcycle(tmp_path, "ingest", str(receipt))
    assert twice.returncode == 0 and "already ingested" in twice.stdout + twice.stderr

    shown = _json(revcycle(tmp_path, "claims", "show", "PCN-CLI-1", "--json"))
    [view] = shown if isinstance(shown, list) else [shown]
    assert view["status"] == "accepted"
    assert view["payer_claim_number"]
    [submission] = view["submissions"]
    assert submission["file"] == batch["file"]
    assert submission["interchange_control_number"] == batch["interchange_control_number"]
    assert [t["type"] for t in view["timeline"]] == [
        "claim.created",
        "claim.ready",
        "claim.submitted",
        "claim.acknowledged",
        "claim.accepted",
    ]

    # A second poll finds nothing new; the claim is as it was.
    again = revcycle(tmp_path, "exchange", "poll", "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    shown = _json(revcycle(tmp_path, "claims", "show", view["claim_id"], "--json"))
    [same] = shown if isinstance(shown, list) else [shown]
    assert len(same["timeline"]) == 5
