"""The claims jobs and reads on the embedded default, with a clock the test moves: timely
filing (a warning before the deadline, a ready claim past it flagged and not sent), 276
inquiries for a silent payer answered by the simulator's 277, acknowledgements that match
nothing on the review list, and `revcycle claims show` by id or patient control number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from services.claims.ingest import ingest_277, ingest_277ca, ingest_999
from services.claims.jobs import check_timely_filing, send_status_inquiries
from shared.auth import ROLE_CLAIMS_READ, ROLE_CLAIMS_WRITE, issue_token
from shared.config import BaseServiceSettings
from shared.ingest import IngestContext, IngestOutcome
from simulator.profile import load_profile
from simulator.respond import respond
from testsupport.claims import SERVICE_DATE, professional_claim

ORG = "org-a"


@dataclass
class Clock:
    now: datetime = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Office:
    embedded: EmbeddedApp
    client: TestClient
    headers: dict[str, str]
    root: Path
    clock: Clock
    taken: set[str] = field(default_factory=set)

    @property
    def deps(self) -> Any:
        return self.embedded.embedded.claims

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

    def answer(self) -> Path:
        """The simulator (clean payers) answers what was sent since its last answer."""
        fresh = self.root / f"in-{len(self.taken)}"
        fresh.mkdir()
        for path in sorted(p for p in self.outbound.iterdir() if p.is_file()):
            if path.name not in self.taken:
                self.taken.add(path.name)
                (fresh / path.name).write_bytes(path.read_bytes())
        answers = self.root / "answers"
        respond(fresh, answers, profile=load_profile("clean"), seed=1, as_of=self.clock())
        return answers

    def ingest(self, answers: Path, suffix: str) -> list[IngestOutcome]:
        context = IngestContext(
            organization_id=ORG, submitted_by="biller-1", services=self.embedded.embedded
        )
        ingest = {"999": ingest_999, "277ca": ingest_277ca, "277": ingest_277}[suffix]
        outcomes = [ingest(p, context) for p in sorted(answers.glob(f"*.{suffix}"))]
        self.embedded.embedded.settle()
        return outcomes

    def view(self, claim_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/v1/claims/{claim_id}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def types(self, claim_id: str) -> list[str]:
        return [e.type for e in self.embedded.store.load(claim_id)]


def _office(root: Path, clock: Clock) -> Iterator[Office]:
    settings = BaseServiceSettings(data_dir=root, organization_id=ORG)
    embedded = build_embedded_app(settings, run_subscriptions=True, clock=clock)
    token = issue_token(
        subject="biller-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_WRITE, ROLE_CLAIMS_READ],
        secret=settings.auth_jwt_secret,
    )
    with TestClient(embedded.app) as client:
        yield Office(embedded, client, {"Authorization": f"Bearer {token}"}, root, clock)
    embedded.embedded.close()


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    yield from _office(tmp_path, Clock())


def test_a_claim_near_its_filing_limit_is_warned_once_and_past_it_is_flagged_not_sent(
    office: Office,
) -> None:
    deadline = SERVICE_DATE + timedelta(days=365)  # the shipped default limit
    claim_id = office.post_claim("PCN-TF-1")
    assert check_timely_filing(office.deps).events == [], "far from the deadline: nothing"

    office.clock.now = datetime.combine(deadline - timedelta(days=10), datetime.min.time(), UTC)
    report = check_timely_filing(office.deps)
    office.embedded.embedded.settle()
    assert [e["type"] for e in report.events] == ["claim.timely_filing_at_risk"]
    assert check_timely_filing(office.deps).events == [], "warned once per deadline"
    [at_risk] = [e for e in office.embedded.store.load(claim_id) if e.type.endswith("at_risk")]
    assert at_risk.data["deadline"] == deadline.isoformat()
    assert at_risk.data["days_left"] == 10

    office.clock.now = datetime.combine(deadline + timedelta(days=1), datetime.min.time(), UTC)
    run = office.submit()
    assert run["submitted"] == 0
    assert [f["claim_id"] for f in run["flagged"]] == [claim_id]
    assert not [p for p in office.outbound.iterdir() if p.is_file()]
    assert office.view(claim_id)["status"] == "filing_limit_passed"
    assert "claim.submitted" not in office.types(claim_id)


@pytest.fixture
def asks_after_five_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    monkeypatch.setenv("CLAIMS_STATUS_INQUIRY_AFTER_DAYS", "5")
    yield from _office(tmp_path, Clock())


def test_a_silent_payer_is_asked_with_a_276_and_its_277_updates_the_claim(
    asks_after_five_days: Office,
) -> None:
    office = asks_after_five_days
    claim_id = office.post_claim("PCN-276-1")
    office.submit()
    answers = office.answer()
    office.ingest(answers, "999")  # the 277CA never arrives: the payer stays silent
    assert office.view(claim_id)["status"] == "acknowledged"

    assert send_status_inquiries(office.deps).batches == [], "not yet: after 5 days"
    office.clock.now += timedelta(days=6)
    report = send_status_inquiries(office.deps)
    office.embedded.embedded.settle()
    [batch] = report.batches
    assert batch["transaction"] == "276" and batch["claims"] == 1
    assert (office.outbound / batch["file"]).read_text().startswith("ISA*")
    assert "claim.status_requested" in office.types(claim_id)
    assert send_status_inquiries(office.deps).batches == [], "asked once per period"

    answers = office.answer()
    [status] = office.ingest(answers, "277")
    assert status.ok, status.summary
    view = office.view(claim_id)
    assert office.types(claim_id)[-1] == "claim.status_received"
    assert view["status"] == "accepted", "pending at the payer (277 P1): it has the claim"
    assert view["payer_claim_number"]

    # Still no 835 ten days later: asked again, and the payer has decided by now (its
    # clean profile pays 14 days after receipt).
    office.clock.now += timedelta(days=10)
    [again] = send_status_inquiries(office.deps).batches
    office.embedded.embedded.settle()
    answers = office.answer()
    outcomes = office.ingest(answers, "277")
    assert all(o.ok for o in outcomes), [o.summary for o in outcomes]
    assert office.view(claim_id)["status"] == "finalized"
    assert again["claims"] == 1


def test_acknowledgements_that_match_nothing_go_to_the_review_list(
    office: Office, tmp_path_factory: pytest.TempPathFactory
) -> None:
    office.post_claim("PCN-ELSEWHERE-1")
    office.submit()
    answers = office.answer()
    # Another office (its own database) receives these answers: nothing matches there.
    for stranger in _office(tmp_path_factory.mktemp("stranger"), Clock()):
        outcomes = stranger.ingest(answers, "277ca")
        assert [o.ok for o in outcomes] == [False]
        listed = stranger.client.get("/v1/exchange/unmatched", headers=stranger.headers)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert items and "PCN-ELSEWHERE-1" in listed.text
        again = stranger.ingest(answers, "277ca")
        assert again[0].report.get("duplicate") is True
        listed_again = stranger.client.get("/v1/exchange/unmatched", headers=stranger.headers)
        assert len(listed_again.json()["items"]) == len(items), "same file: nothing added"


def test_claims_show_finds_a_claim_by_id_or_patient_control_number(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from revcycle.commands.claims import find_claim_views

    claim_id = office.post_claim("PCN-SHOW-1")
    office.submit()
    with office.embedded.embedded.engine.connect() as conn:
        by_id = find_claim_views(conn, ORG, claim_id)
        by_pcn = find_claim_views(conn, ORG, "PCN-SHOW-1")
    assert [v.claim_id for v in by_id] == [claim_id] == [v.claim_id for v in by_pcn]
    [view] = by_pcn
    assert view.status == "submitted" and view.submissions[0].file
    dumped = json.loads(view.model_dump_json())
    assert [t["type"] for t in dumped["timeline"]] == [
        "claim.created",
        "claim.ready",
        "claim.submitted",
    ]


@pytest.fixture
def ninety_day_payer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    rules = tmp_path / "payer_rules.yaml"
    rules.write_text(
        "version: 1\n"
        "defaults:\n"
        "  timely_filing_days: 365\n"
        "payers:\n"
        "  - name: Sunshine Mutual\n"
        "    match:\n"
        '      payer_id: ["87726"]\n'
        "    timely_filing_days: 90\n"
    )
    monkeypatch.setenv("PAYER_RULES_PATH", str(rules))
    yield from _office(tmp_path / "office", Clock())


def test_each_payer_has_its_own_filing_limit_from_the_payer_rules(
    ninety_day_payer: Office,
) -> None:
    office = ninety_day_payer
    deadline = SERVICE_DATE + timedelta(days=90)
    claim_id = office.post_claim("PCN-TF-90")
    office.clock.now = datetime.combine(deadline - timedelta(days=20), datetime.min.time(), UTC)
    report = check_timely_filing(office.deps)
    [warning] = report.events
    assert warning["type"] == "claim.timely_filing_at_risk"
    [event] = [e for e in office.embedded.store.load(claim_id) if e.type.endswith("at_risk")]
    assert event.data["deadline"] == deadline.isoformat()
    assert event.data["filing_limit_days"] == 90


def test_the_workers_scheduled_tick_submits_ready_claims(office: Office) -> None:
    from services.claims.worker import run_jobs

    claim_id = office.post_claim("PCN-TICK-1")
    done = run_jobs(office.deps)
    office.embedded.embedded.settle()
    assert done["submitted"] == 1 and done["batches"] == 1
    assert office.view(claim_id)["status"] == "submitted"
    assert run_jobs(office.deps)["submitted"] == 0


def test_a_claim_acknowledged_twice_goes_to_the_review_list(office: Office) -> None:
    claim_id = office.post_claim("PCN-TWICE-1")
    office.submit()
    answers = office.answer()
    office.ingest(answers, "999")
    [first] = office.ingest(answers, "277ca")
    assert first.ok
    events = office.types(claim_id)
    # The same acceptance again in another file (a clearinghouse resending it).
    [receipt] = sorted(answers.glob("*.277ca"))
    resent = office.root / "resent"
    resent.mkdir()
    (resent / f"again-{receipt.name}").write_text(receipt.read_text() + "\n")
    [second] = office.ingest(resent, "277ca")
    assert not second.ok and second.report["to_review"]
    assert office.types(claim_id) == events, "nothing applied twice"
    listed = office.client.get("/v1/exchange/unmatched", headers=office.headers).json()
    assert [item["claim_id"] for item in listed["items"]] == [claim_id]
    assert listed["items"][0]["file"] == f"again-{receipt.name}"


def test_a_ta1_rejecting_our_276_leaves_the_claim_and_it_is_asked_again(
    asks_after_five_days: Office,
) -> None:
    from shared.x12.control_numbers import InMemoryControlNumbers
    from shared.x12.envelope_writer import Party
    from shared.x12.x12_ta1_005010.writer import InterchangeAcknowledgment, write_ta1

    office = asks_after_five_days
    claim_id, inquiry = _silent_claim_asked(office, "PCN-276-TA1")
    events = office.types(claim_id)
    isa = inquiry.read_text()[:106].split("*")
    text = write_ta1(
        [InterchangeAcknowledgment(isa[13], isa[9], isa[10], "R", "008")],
        sender=Party(isa[8].strip()),
        receiver=Party(isa[6].strip()),
        created_at=office.clock(),
        numbers=InMemoryControlNumbers(start=300),
    )
    folder = office.root / "ta1"
    folder.mkdir()
    (folder / "inquiry.ta1").write_text(text)
    context = IngestContext(
        organization_id=ORG, submitted_by="biller-1", services=office.embedded.embedded
    )
    from services.claims.ingest import ingest_ta1

    outcome = ingest_ta1(folder / "inquiry.ta1", context)
    office.embedded.embedded.settle()
    [item] = outcome.report["to_review"]
    assert "276" in item["reason"] and item["claim_id"] is None
    assert office.types(claim_id) == events, "a rejected inquiry changes nothing on the claim"
    assert office.view(claim_id)["status"] == "acknowledged"
    office.clock.now += timedelta(days=6)
    assert len(send_status_inquiries(office.deps).batches) == 1, "asked again after the period"


# -- 277 answers a hand-built payer gives: information requested, not found ---------------------


def _silent_claim_asked(office: Office, pcn: str) -> tuple[str, Path]:
    """A claim acknowledged by the 999 whose payer stays silent, asked about in a 276."""
    claim_id = office.post_claim(pcn)
    office.submit()
    office.ingest(office.answer(), "999")
    office.clock.now += timedelta(days=6)
    [batch] = send_status_inquiries(office.deps).batches
    office.embedded.embedded.settle()
    assert office.types(claim_id)[-1] == "claim.status_requested"
    return claim_id, office.outbound / batch["file"]


def _answer_276(
    office: Office,
    inquiry_file: Path,
    statuses: tuple[tuple[str, str, str | None], ...],
    payer_claim_number: str | None = None,
) -> IngestOutcome:
    """The payer's 277 to our 276, written with the shared 277 writer, then ingested."""
    from shared.x12.claim837_writing import Submitter
    from shared.x12.control_numbers import InMemoryControlNumbers
    from shared.x12.envelope_writer import Party
    from shared.x12.reader import parse
    from shared.x12.validation import validate
    from shared.x12.x12_277_005010X212.writer import ClaimStatusResponse, write_277
    from simulator.inbound import inquiries_of_276

    text = inquiry_file.read_text()
    isa = text[:106].split("*")
    [parsed] = parse(text).transactions
    responses = [
        ClaimStatusResponse(
            inquiry,
            statuses,
            office.clock().date(),
            payer_claim_number=payer_claim_number,
        )
        for inquiry in inquiries_of_276(parsed)
    ]
    answer = write_277(
        responses,
        receiver=Submitter("Revcycle Billing", isa[6].strip(), "", ""),
        sender=Party(isa[8].strip()),
        receiver_party=Party(isa[6].strip()),
        created_at=office.clock(),
        numbers=InMemoryControlNumbers(start=len(office.taken) * 10 + 400),
    )
    assert validate(answer).ok, validate(answer).errors  # pyx12 has no 277 X212 map
    folder = office.root / f"hand-277-{len(list(office.root.glob('hand-277-*')))}"
    folder.mkdir()
    (folder / f"{inquiry_file.name}.277").write_text(answer)
    [outcome] = office.ingest(folder, "277")
    return outcome


def _correct(office: Office, claim_id: str, pcn: str, **changes: Any) -> Any:
    body = professional_claim(patient_control_number=pcn).model_dump(
        mode="json", exclude={"claim_id", "organization_id"}
    )
    body.update(changes)
    return office.client.post(
        f"/v1/claims/{claim_id}/corrections",
        json={"claim": body, "reason": "what the payer asked for"},
        headers=office.headers,
    )


@pytest.mark.parametrize("category", ["R4", "R3"])
def test_a_277_requesting_information_keeps_the_claim_with_the_payer(
    asks_after_five_days: Office, category: str
) -> None:
    office = asks_after_five_days
    claim_id, inquiry = _silent_claim_asked(office, f"PCN-RFI-{category}")
    outcome = _answer_276(office, inquiry, ((category, "60", None),), "PAYER-RFI-1")
    assert outcome.ok, outcome.summary
    view = office.view(claim_id)
    assert view["status"] == "info_requested"
    assert view["payer_claim_number"] == "PAYER-RFI-1"
    [received] = [e for e in office.embedded.store.load(claim_id) if e.type.endswith("received")]
    assert received.data["answer"] == "info_requested"
    assert received.data["statuses"][0]["category"] == category
    assert received.data["statuses"][0]["code_description"] == "Electronic request for information"

    # The payer has the claim: it is asked about again after the period, and a correction
    # goes out as a replacement of the payer's claim (frequency 7, REF*F8).
    office.clock.now += timedelta(days=6)
    assert len(send_status_inquiries(office.deps).batches) == 1
    office.embedded.embedded.settle()
    refused = _correct(office, claim_id, f"PCN-RFI-{category}")
    assert refused.status_code == 422, "an original (frequency 1) is refused: the payer has it"
    assert "frequency 7" in refused.text, refused.text
    answer = _correct(
        office,
        claim_id,
        f"PCN-RFI-{category}",
        frequency="7",
        original_payer_claim_number="PAYER-RFI-1",
    )
    assert answer.status_code in (200, 201), answer.text
    assert office.view(claim_id)["status"] == "ready"
    office.submit()
    sent = sorted(p for p in office.outbound.iterdir() if p.suffix != ".276" and p.is_file())
    text = sent[-1].read_text()
    assert "REF*F8*PAYER-RFI-1~" in text and ":B:7*" in text


@pytest.mark.parametrize("category", ["A4", "D0"])
def test_a_277_not_finding_the_claim_keeps_it_unaccepted_and_a_correction_is_a_new_original(
    asks_after_five_days: Office, category: str
) -> None:
    office = asks_after_five_days
    claim_id, inquiry = _silent_claim_asked(office, f"PCN-NF-{category}")
    outcome = _answer_276(office, inquiry, ((category, "35", None),))
    assert outcome.ok, outcome.summary
    view = office.view(claim_id)
    assert view["status"] == "not_found"
    [received] = [e for e in office.embedded.store.load(claim_id) if e.type.endswith("received")]
    assert received.data["answer"] == "not_found"
    assert received.data["statuses"][0]["code_description"] == "Claim/encounter not found"

    # Not accepted: the filing limit still matters (a warning near the deadline) ...
    deadline = SERVICE_DATE + timedelta(days=365)
    office.clock.now = datetime.combine(deadline - timedelta(days=5), datetime.min.time(), UTC)
    report = check_timely_filing(office.deps)
    office.embedded.embedded.settle()
    assert [e["claim_id"] for e in report.events] == [claim_id]
    assert report.events[0]["type"] == "claim.timely_filing_at_risk"
    # ... and the claim goes out again as a new original (the payer never had it).
    answer = _correct(office, claim_id, f"PCN-NF-{category}")
    assert answer.status_code in (200, 201), answer.text
    assert office.view(claim_id)["status"] == "ready"
    run = office.submit()
    assert run["submitted"] == 1
    sent = sorted(p for p in office.outbound.iterdir() if p.is_file())
    text = (office.outbound / run["batches"][0]["file"]).read_text()
    assert ":B:1*" in text and "REF*F8" not in text, sent


def test_a_claim_the_payer_did_not_find_is_voided_without_a_frequency_8(
    asks_after_five_days: Office,
) -> None:
    office = asks_after_five_days
    claim_id, inquiry = _silent_claim_asked(office, "PCN-NF-VOID")
    assert _answer_276(office, inquiry, (("A4", "35", None),)).ok
    office.clock.now += timedelta(days=6)
    assert len(send_status_inquiries(office.deps).batches) == 1, "asked again after the period"
    office.embedded.embedded.settle()
    answer = office.client.post(
        f"/v1/claims/{claim_id}/void", json={"reason": "duplicate entry"}, headers=office.headers
    )
    assert answer.status_code == 200, answer.text
    assert office.view(claim_id)["status"] == "voided"
    assert office.submit()["submitted"] == 0, "nothing to tell a payer that never had it"
