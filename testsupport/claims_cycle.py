"""The claim cycle driven as an office does, for tests: claims posted through the embedded
API, submitted, answered by the simulator, the answers ingested, the claim read back.

`open_cycle(root, settings)` builds it on the embedded default (SQLite under `root`) or on
the database the settings name (PostgreSQL in integration tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from services.claims.ingest import ingest_277, ingest_277ca, ingest_999, ingest_ta1
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.config import BaseServiceSettings
from shared.ingest import IngestContext, IngestOutcome
from shared.x12.pyx12_judge import judge
from simulator.profile import load_profile
from simulator.respond import respond
from testsupport.claims import professional_claim

ORG = "org-a"
RECEIVED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@dataclass
class Cycle:
    embedded: EmbeddedApp
    client: TestClient
    headers: dict[str, str]
    root: Path
    rounds: int = 0

    @property
    def outbound(self) -> Path:
        return self.root / "exchange" / "outbound"

    def post_claim(self, pcn: str) -> str:
        body = professional_claim(patient_control_number=pcn).model_dump(
            mode="json", exclude={"claim_id", "organization_id"}
        )
        answer = self.client.post("/v1/claims", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["claim_id"])

    def submit(self) -> dict[str, Any]:
        answer = self.client.post("/v1/submissions", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def answer(self, rules: list[dict[str, str]]) -> Path:
        """The simulator answers the files sent since the last round; returns its folder
        (earlier rounds' answers stay there: ingesting them again changes nothing)."""
        self.rounds += 1
        sent = sorted(p for p in self.outbound.iterdir() if p.is_file())
        fresh = self.root / f"round{self.rounds}"
        fresh.mkdir()
        for path in sent:
            judged = judge(path.read_text())
            assert judged.ok, (path.name, judged)
            (fresh / path.name).write_bytes(path.read_bytes())
            path.unlink()
        # One answers folder: its truth.jsonl is the payers' memory (what they accepted).
        answers = self.root / "answers"
        profile = load_profile("clean").model_copy(update={"rules": _rules(rules)})
        respond(fresh, answers, profile=profile, seed=1, as_of=RECEIVED)
        return answers

    def ingest(self, answers: Path, suffix: str) -> list[IngestOutcome]:
        context = IngestContext(
            organization_id=ORG, submitted_by="biller-1", services=self.embedded.embedded
        )
        ingest = {
            "999": ingest_999,
            "277ca": ingest_277ca,
            "277": ingest_277,
            "ta1": ingest_ta1,
        }[suffix]
        outcomes = [ingest(p, context) for p in sorted(answers.glob(f"*.{suffix}"))]
        self.embedded.embedded.settle()
        return outcomes

    def view(self, claim_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/v1/claims/{claim_id}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def types(self, claim_id: str) -> list[str]:
        return [e.type for e in self.embedded.store.load(claim_id)]


def _rules(rules: list[dict[str, str]]) -> Any:
    from simulator.profile import Rule

    return tuple(Rule.model_validate(rule) for rule in rules)


@contextmanager
def open_cycle(root: Path, settings: BaseServiceSettings) -> Iterator[Cycle]:
    """The embedded app on `settings` (files under `root`), a biller's token, the helpers."""
    embedded = build_embedded_app(settings, run_subscriptions=True)
    token = issue_token(
        subject="biller-1",
        organization_id=settings.organization_id,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    try:
        with TestClient(embedded.app) as client:
            yield Cycle(embedded, client, {"Authorization": f"Bearer {token}"}, root)
    finally:
        embedded.embedded.close()
