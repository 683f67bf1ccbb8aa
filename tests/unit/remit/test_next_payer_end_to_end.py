"""The next payer end to end on the embedded default, driven the way a billing office runs it.

A claim with primary and secondary coverage is created and sent (`POST /v1/claims`,
`POST /v1/submissions`), the payer simulator answers, and every answer goes in through
`revcycle ingest` (999 and 277CA to the claims service, the 835 to remit's real posting).
Remit's posting of the primary's 835 is what drives the claims service's next-payer
process: either the secondary claim is created and billed (an 837 whose 2320/2430 carry
the primary's adjudication, judged by pyx12), adjudicated by the simulator and its 835
posted by remit; or, when the primary crossed the claim over (CLP02 19, NM1*TT, MA18),
remit marks the secondary as expected by forward and the claims service bills nobody.
Every scenario ends with `revcycle audit ledger`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from revcycle.cli import app as cli
from revcycle.embedded import EmbeddedApp, build_embedded_app
from services.remit.config import get_remit_settings
from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.claim_model import OtherPayer, Relationship
from shared.config import get_settings
from shared.events.registry import decode
from shared.events.remittance import ClaimPaid, ClaimPosting, NextPayerAction
from shared.x12.pyx12_judge import judge
from simulator import profiles
from simulator.profile import Profile, load_profile, parse_profile
from simulator.respond import respond
from simulator.truth import load_truth
from testsupport.claims import (
    _payer,
    _secondary_payer,
    _subscriber,
    professional_claim_several_lines,
)

ORG = "org-e2e-cob"
PRIMARY_DAY = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
D = Decimal
runner = CliRunner()


@dataclass
class Office:
    """The embedded app and the folders the simulator answers through."""

    root: Path
    served: EmbeddedApp
    client: TestClient
    headers: dict[str, str]

    @property
    def outbound(self) -> Path:
        return self.root / "exchange" / "outbound"

    @property
    def answers(self) -> Path:
        return self.root / "answers"

    def settle(self) -> None:
        self.served.embedded.settle()

    def send(self) -> Path:
        """`POST /v1/submissions`: the one 837 file it writes."""
        for old in self.outbound.glob("*"):
            old.unlink()
        run = self.client.post("/v1/submissions", headers=self.headers)
        assert run.status_code == 200, run.text
        assert run.json()["submitted"] == 1, run.json()
        self.settle()
        [sent] = sorted(self.outbound.iterdir())
        return sent

    def payer_answers(self, profile: Profile, as_of: datetime) -> list[Path]:
        """The simulator answers the outbound folder; the new answers, in delivery order."""
        before = set(self.answers.glob("*")) if self.answers.exists() else set()
        respond(self.outbound, self.answers, profile=profile, seed=5, as_of=as_of)
        new = [p for p in self.answers.iterdir() if p not in before and p.suffix != ".jsonl"]
        order = {".999": 0, ".ta1": 0, ".277ca": 1, ".835": 2}
        return sorted(new, key=lambda p: (order.get(p.suffix, 3), p.name))

    def ingest(self, paths: list[Path]) -> list[dict[str, Any]]:
        """`revcycle ingest --json FILE...` (routed by ST01); every file must succeed."""
        result = runner.invoke(cli, ["ingest", "--json", *map(str, paths)])
        assert result.exit_code == 0, result.output
        start = result.stdout.index("[") if "[" in result.stdout else result.stdout.index("{")
        answer = json.loads(result.stdout[start:])
        self.settle()
        return answer if isinstance(answer, list) else [answer]

    def types(self, stream_id: str) -> list[str]:
        return [e.type for e in self.served.store.load(stream_id)]

    def postings(self, claim_id: str) -> list[ClaimPosting]:
        out = []
        for envelope in self.served.store.load(claim_id):
            event = decode(envelope)
            if isinstance(event, ClaimPosting):
                out.append(event)
        return out

    def view(self, claim_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/v1/claims/{claim_id}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def audit(self) -> None:
        result = runner.invoke(cli, ["audit", "ledger"])
        assert result.exit_code == 0, result.output
        assert "ledger balances" in result.stdout


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    yield from open_office(tmp_path, monkeypatch)


def open_office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str = ""
) -> Iterator[Office]:
    """The office on the embedded default (SQLite), or on `database_url` (PostgreSQL)."""
    # The app and every `revcycle` command read one environment: one database.
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORGANIZATION_ID", ORG)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    if database_url:
        monkeypatch.setenv("DATABASE_URL", database_url)
        # Outside the embedded default the development secrets are refused.
        monkeypatch.setenv("AUTH_JWT_SECRET", "e2e-" + "s" * 40)
        monkeypatch.setenv("REPORTING_PSEUDONYM_KEY", "e2e-" + "k" * 40)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_remit_settings.cache_clear()
    settings = get_settings()
    # The test settles after each request itself: no background runner beside the CLI's.
    served = build_embedded_app(settings, run_subscriptions=False)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ],
        secret=settings.auth_jwt_secret,
    )
    try:
        with TestClient(served.app) as client:
            yield Office(tmp_path, served, client, {"Authorization": f"Bearer {token}"})
    finally:
        served.embedded.close()
        get_settings.cache_clear()
        get_remit_settings.cache_clear()


def _claim_with_secondary(pcn: str) -> dict[str, Any]:
    other = OtherPayer(
        payer=_secondary_payer(),
        responsibility="S",
        subscriber=_subscriber(member_id="GCB0045512", group_number="GC88001"),
        relationship=Relationship.SELF,
    )
    claim = professional_claim_several_lines(
        patient_control_number=pcn, payer=_payer(), other_payers=(other,)
    )
    return claim.model_dump(mode="json", exclude={"claim_id", "organization_id"})


def _create(office: Office, pcn: str) -> str:
    answer = office.client.post(
        "/v1/claims", json=_claim_with_secondary(pcn), headers=office.headers
    )
    assert answer.status_code == 201, answer.text
    office.settle()
    return str(answer.json()["claim_id"])


def _crossing_over() -> Profile:
    """The clean profile with the primary (87726) configured to cross every claim naming a
    secondary over to it (its `crossover` share at 1)."""
    text = (Path(profiles.__file__).parent / "clean.yaml").read_text()
    payer = '  - payer_id: "87726"\n'
    assert payer in text
    return parse_profile(text.replace(payer, payer + "    shares: {crossover: 1}\n"), "clean+xover")


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.replace("\n", "").split("~") if s.strip()]


def _money(view: dict[str, Any]) -> dict[str, Decimal]:
    return {k: D(v) for k, v in view["money"].items() if isinstance(v, str)}


def test_remits_posting_of_the_primary_bills_the_secondary_and_posts_its_835(
    office: Office,
) -> None:
    clean = load_profile("clean")
    claim_id = _create(office, "PCN-E2E-COB1")
    office.send()

    # The primary answers; the 835 goes through remit's real posting (no stand-in event).
    answers = office.payer_answers(clean, PRIMARY_DAY)
    assert [p.suffix for p in answers] == [".999", ".277ca", ".835"], answers
    office.ingest(answers)
    [primary] = office.postings(claim_id)
    assert isinstance(primary, ClaimPaid)
    assert primary.next_payer is not None and primary.next_payer.action == NextPayerAction.BILL
    assert primary.ledger.patient_responsibility > 0, "the clean payer leaves the patient a share"

    # The claims service reacted to remit's posting: the secondary claim, ready to send.
    assert office.types(claim_id)[-1] == "claim.secondary_created"
    secondary_id = f"{claim_id}-s"
    assert office.types(secondary_id)[:2] == ["claim.secondary_opened", "claim.ready"]

    # The secondary 837: billed to the secondary payer, the primary's adjudication in
    # 2320 (AMT*D = its payment) and 2430 (per line: paid + CAS = the line's charge).
    sent = office.send().read_text()
    verdict = judge(sent)
    assert verdict.ok, verdict
    segments = _segments(sent)
    assert any(s.startswith("SBR*S*") for s in segments)
    assert f"AMT*D*{primary.paid_amount}" in segments
    svds = [i for i, s in enumerate(segments) if s.startswith("SVD*")]
    assert len(svds) == len(primary.lines) == 4
    line_paid = D("0.00")
    for number, (at, posted) in enumerate(zip(svds, primary.lines, strict=True), start=1):
        svd = segments[at].split("*")
        assert (svd[1], D(svd[2])) == ("87726", posted.paid), f"SVD of line {number}"
        end = next(
            (j for j in range(at + 1, len(segments)) if segments[j][:3] in ("LX*", "SVD", "SE*")),
            len(segments),
        )
        cas = [s.split("*") for s in segments[at + 1 : end] if s.startswith("CAS*")]
        adjusted = sum((D(c[i]) for c in cas for i in range(3, len(c), 3) if c[i]), D("0.00"))
        assert posted.paid + adjusted == posted.charge, f"2430 of line {number} does not balance"
        line_paid += posted.paid
    assert line_paid == primary.paid_amount

    # The secondary payer adjudicates it; remit posts its 835 on the secondary claim.
    later = PRIMARY_DAY + timedelta(days=30)
    second_answers = office.payer_answers(clean, later)
    assert [p.suffix for p in second_answers] == [".999", ".277ca", ".835"], second_answers
    [remit_report] = [r for r in office.ingest(second_answers) if r["transaction"] == "835"]
    assert remit_report["counts"] == {"posted": 1}, remit_report["counts"]
    [secondary] = office.postings(secondary_id)
    assert isinstance(secondary, ClaimPaid) and secondary.claim_status_code == "2"
    assert secondary.payer_id == "60054" and secondary.next_payer is None
    assert len(office.postings(claim_id)) == 1, (
        "nothing of the secondary's 835 lands on the primary"
    )

    # Money: what the payers decided (truth.jsonl), each claim balanced, the books audited.
    truth = load_truth(office.answers / "truth.jsonl")
    decided = {
        (c.payer_id, c.responsibility): c
        for c in truth.claims
        if c.patient_control_number == "PCN-E2E-COB1"
    }
    assert decided[("87726", "P")].net.paid == primary.paid_amount
    assert decided[("60054", "S")].net.paid == secondary.paid_amount > 0
    first, second = _money(office.view(claim_id)), _money(office.view(secondary_id))
    for money in (first, second):
        assert money["charge"] == (
            money["paid"]
            + money["adjustments"]
            + money["patient_responsibility"]
            + money["insurance_balance"]
        )
        assert money["insurance_balance"] == 0
    assert first["paid"] == primary.paid_amount and second["paid"] == secondary.paid_amount
    # The secondary pays part of what the primary left the patient; the rest stays theirs.
    assert (
        second["patient_responsibility"] == first["patient_responsibility"] - secondary.paid_amount
    )
    office.audit()

    # Follow-up's books: the secondary claim is theirs too (none of its events refused), the
    # primary's patient share moved to the secondary payer, and the account counts the
    # charge once and owes only what the secondary left to the patient.
    with office.served.embedded.engine.connect() as conn:
        refused = conn.execute(
            sa.text("SELECT projection, event_type, error FROM projection_dead_letters")
        ).all()
    assert refused == []
    account = office.client.get(f"/v1/accounts/{ORG}:PCN-E2E-COB1", headers=office.headers)
    assert account.status_code == 200, account.text
    books = account.json()
    by_claim = {c["claim_id"]: c for c in books["claims"]}
    assert set(by_claim) == {claim_id, secondary_id}
    assert by_claim[secondary_id]["primary_claim_id"] == claim_id
    assert D(books["charges"]) == first["charge"]
    assert D(by_claim[claim_id]["patient_balance"]) == 0, "moved to the secondary payer"
    assert D(by_claim[secondary_id]["charges"]) == first["patient_responsibility"]
    assert D(by_claim[secondary_id]["insurance_balance"]) == 0
    assert D(books["patient_ar"]) == second["patient_responsibility"]
    assert D(books["balance"]) == second["patient_responsibility"]
    assert D(books["charges"]) - D(books["payments"]) - D(books["adjustments"]) == D(
        books["balance"]
    )


def _crossed_over_by_the_primary(office: Office, pcn: str, *, edit: Any = None) -> str:
    """The primary, configured to cross claims over, pays it and forwards it itself."""
    claim_id = _create(office, pcn)
    office.send()
    answers = office.payer_answers(_crossing_over(), PRIMARY_DAY)
    [remit_file] = [p for p in answers if p.suffix == ".835"]
    text = remit_file.read_text()
    assert "NM1*TT*2*Gulf Coast Benefit Assurance*****PI*60054" in text and "MA18" in text
    if edit is not None:
        remit_file.write_text(edit(text))
    office.ingest(answers)
    return claim_id


def _assert_expected_by_forward(office: Office, claim_id: str) -> None:
    [posted] = office.postings(claim_id)
    # Remit's half: the secondary is expected by forward, not billed by us.
    assert posted.next_payer is not None
    assert posted.next_payer.action == NextPayerAction.CROSSOVER
    assert (posted.next_payer.payer_id, posted.next_payer.responsibility) == ("60054", "S")
    view = office.view(claim_id)
    assert view["next_payer"]["action"] == "crossover"
    # The claims service's half: it records the crossover and bills nobody.
    types = office.types(claim_id)
    assert types[-1] == "claim.crossed_over"
    assert "claim.secondary_created" not in types
    assert office.types(f"{claim_id}-s") == []
    run = office.client.post("/v1/submissions", headers=office.headers)
    assert run.status_code == 200 and run.json()["submitted"] == 0, run.json()
    office.audit()


def test_a_crossover_from_the_simulator_is_expected_by_forward_and_not_billed(
    office: Office,
) -> None:
    claim_id = _crossed_over_by_the_primary(office, "PCN-E2E-XOVER1")
    truth = load_truth(office.answers / "truth.jsonl").claim("PCN-E2E-XOVER1")
    assert "crossover" in truth.behaviours and truth.payments[0].status == "19"
    _assert_expected_by_forward(office, claim_id)


def test_a_crossover_named_only_by_nm1_tt_is_not_billed_either(office: Office) -> None:
    """Some payers say it with the crossover carrier alone (NM1*TT), CLP02 1, no MA18."""

    def only_the_carrier(text: str) -> str:
        text = text.replace("*MA18", "")
        return re.sub(r"(CLP\*[^*~]+\*)19\*", r"\g<1>1*", text)

    claim_id = _crossed_over_by_the_primary(office, "PCN-E2E-XOVER2", edit=only_the_carrier)
    [posted] = office.postings(claim_id)
    assert posted.claim_status_code == "1" and "MA18" not in posted.remark_codes
    _assert_expected_by_forward(office, claim_id)
