"""Eligibility (issue 11 point 5): a 270 per requested check, the 271 recorded on the claim.

The automatic check runs as intake's `intake.eligibility` process on the embedded store
(SQLite); the payer is the simulator answering the 270 files of the outbound folder; the
271 goes through the function `revcycle ingest` routes it to. The claims service's own
readiness process is left out of these runners: it is not part of what is shown here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from channel_helpers import ORG, bearer  # type: ignore[import-not-found]
from eligibility_helpers import (  # type: ignore[import-not-found]
    INACTIVE_MEMBER,
    UNKNOWN_MEMBER,
    claim_for,
    create_requiring_eligibility,
    events_of,
    ingest,
    payer_answers,
    types_of,
)
from fastapi.testclient import TestClient

from revcycle.embedded import Embedded, EmbeddedApp
from services.followup.projections import decode_payload
from services.intake.channels import subscriptions
from services.intake.eligibility import tables
from services.intake.eligibility.answers import Answer, answers_of
from services.intake.eligibility.domain import CLAIM_ELIGIBILITY, CheckAnswered
from shared.config import BaseServiceSettings
from shared.events.claims import ClaimReady, ClaimScrubFailed
from shared.events.eligibility import ClaimEligibilityFailed, ClaimEligibilityVerifiedV2
from shared.messaging.embedded import EmbeddedRunner
from shared.x12.reader import parse
from shared.x12.validation import validate
from shared.x12.x12_271_005010X279A1.models import Transaction271
from testsupport.claim_events import claim_created
from testsupport.samples import x12_samples_dir

SAMPLES_271 = "271"
NOW = datetime(2026, 3, 12, tzinfo=UTC)
INACTIVE = Answer(trace_number="T", reference=None, active=False, inactive_reason="inactive")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The X12 samples (SAMPLES_DIR); under CI=true a missing folder fails, never skips."""
    return x12_samples_dir()


@pytest.fixture
def services(embedded: EmbeddedApp) -> Embedded:
    return embedded.embedded


@pytest.fixture
def checks(services: Embedded, settings: BaseServiceSettings) -> EmbeddedRunner:
    """Only intake's eligibility process, as the embedded composition wires it."""
    processes = subscriptions(services.store, services.clock, settings)
    return EmbeddedRunner(services.store, services.engine, processes, decode_payload)


@pytest.fixture
def outbound(settings: BaseServiceSettings) -> Path:
    return settings.data_dir / "exchange" / "outbound"


def _sent(outbound: Path) -> list[Path]:
    return sorted(p for p in outbound.glob("*.270"))


def _request(services: Embedded, runner: EmbeddedRunner, claim_id: str, member: str) -> None:
    create_requiring_eligibility(services, claim_id, claim_for(member, pcn=f"PCN-{claim_id}"))
    runner.run_until_caught_up()


# -- the 271 as read from payers' files --------------------------------------------------------


def test_a_payers_271_sample_reads_into_coverage_and_money(samples_dir: Path) -> None:
    (model,) = [
        t.model for t in parse(samples_dir / SAMPLES_271 / "271-example-3.txt").transactions
    ]
    assert isinstance(model, Transaction271)
    (answer,) = answers_of(model)
    assert answer.trace_number == "434343434"
    assert answer.active is True
    assert answer.plan_name == "Open Access Elect Choice"
    assert str(answer.plan_begin) == "2016-02-01"
    assert answer.copay == Decimal("20.00")
    assert answer.out_of_pocket_remaining == Decimal("2100.00")


def test_a_rejection_of_the_whole_270_names_its_reason(samples_dir: Path) -> None:
    path = samples_dir / SAMPLES_271 / "subscriber-health-benefit-check-error.271"
    (model,) = [t.model for t in parse(path).transactions]
    (answer,) = answers_of(model)
    assert answer.trace_number is None and answer.reference == "10001234"  # BHT03
    ((code, level),) = [(r.code, r.level) for r in answer.rejections]
    assert (code, level) == ("50", "2100B")


# -- the automatic check: 270 out, 271 in ------------------------------------------------------


def test_a_requested_check_sends_one_valid_270_and_the_271_verifies_the_claim(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_active", "XKZ480019203")
    (sent,) = _sent(outbound)
    text = sent.read_text()
    assert validate(text).ok, [str(i) for i in validate(text).errors]
    assert "*MI*XKZ480019203~" in text and "DTP*291*D8*20260310~" in text

    (answer,) = payer_answers(outbound, tmp_path / "answers")
    outcome = ingest(services, answer)
    assert outcome.ok, outcome.report
    assert outcome.report["answers"] == [
        {
            "trace_number": outcome.report["answers"][0]["trace_number"],
            "claim_id": "clm_active",
            "status": "active",
            "held": False,
        }
    ]
    verified = [e for e in events_of(services, "clm_active") if e.event_type.endswith("verified")]
    (event,) = verified
    assert isinstance(event, ClaimEligibilityVerifiedV2)
    assert event.coverage_active is True
    assert event.plan_name and event.plan_begin is not None
    assert event.service_date is not None and str(event.service_date) == "2026-03-10"
    assert event.from_cache is False
    # The clean profile's plan: 500.00 deductible, 20 % coinsurance, 25.00 office copay.
    assert (event.deductible, event.coinsurance, event.copay) == (
        Decimal("500.00"),
        Decimal("0.2"),
        Decimal("25.00"),
    )
    assert event.deductible_remaining is not None  # EB*C with EB06 29
    assert event.trace_number == outcome.report["answers"][0]["trace_number"]
    assert "claim.scrub_failed" not in types_of(services, "clm_active")


def test_the_claim_view_shows_the_last_check(
    client: TestClient,
    services: Embedded,
    checks: EmbeddedRunner,
    outbound: Path,
    tmp_path: Path,
) -> None:
    _request(services, checks, "clm_view", INACTIVE_MEMBER)
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    ingest(services, answer)
    services.settle()  # every subscription, the claim view's projection among them
    view = client.get("/v1/claims/clm_view", headers=bearer())
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["status"] == "held"
    assert body["eligibility"]["outcome"] == "inactive"
    assert [f["code"] for f in body["findings"]] == ["ELIGIBILITY_INACTIVE"]
    assert len(_sent(outbound)) == 1  # settling did not run the check a second time


def test_inactive_coverage_holds_the_claim_with_a_finding(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_inactive", INACTIVE_MEMBER)
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    outcome = ingest(services, answer)
    assert outcome.report["answers"][0]["status"] == "inactive"
    assert outcome.report["answers"][0]["held"] is True
    *_, verified, held = events_of(services, "clm_inactive")
    assert isinstance(verified, ClaimEligibilityVerifiedV2) and not verified.coverage_active
    assert verified.inactive_reason == "inactive"
    assert isinstance(held, ClaimScrubFailed)
    assert [f.code for f in held.findings] == ["ELIGIBILITY_INACTIVE"]


def test_an_aaa_rejection_becomes_eligibility_failed_with_its_reason(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_unknown", UNKNOWN_MEMBER)
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    outcome = ingest(services, answer)
    assert outcome.report["answers"][0]["status"] == "failed"
    failed = events_of(services, "clm_unknown")[-1]
    assert isinstance(failed, ClaimEligibilityFailed)
    ((code, description),) = [(p.code, p.description) for p in failed.problems]
    assert (code, description) == ("75", "Subscriber/insured not found")
    assert "claim.eligibility_verified" not in types_of(services, "clm_unknown")


def test_the_same_271_twice_records_nothing_new(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_twice", "XKZ480019203")
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    ingest(services, answer)
    before = types_of(services, "clm_twice")
    again = ingest(services, answer)
    assert again.report["counts"] == {"duplicate": 1}
    assert types_of(services, "clm_twice") == before


def test_a_second_claim_for_the_same_member_and_date_is_answered_from_the_cache(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_first", "XKZ480019203")
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    ingest(services, answer)
    _request(services, checks, "clm_second", "XKZ480019203")
    assert len(_sent(outbound)) == 1  # no second 270
    event = events_of(services, "clm_second")[-1]
    assert isinstance(event, ClaimEligibilityVerifiedV2)
    assert event.from_cache is True and event.coverage_active is True
    first = events_of(services, "clm_first")[-1]
    assert isinstance(first, ClaimEligibilityVerifiedV2)
    assert (event.copay, event.deductible_remaining) == (first.copay, first.deductible_remaining)


def test_an_old_cache_entry_is_not_used(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_old", "XKZ480019203")
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    ingest(services, answer)
    with services.engine.begin() as conn:  # the answer came a day and more ago
        conn.execute(tables.cache.update().values(answered_at=services.clock().replace(year=2000)))
    _request(services, checks, "clm_new", "XKZ480019203")
    assert len(_sent(outbound)) == 2
    assert "claim.eligibility_verified" not in types_of(services, "clm_new")


def test_an_answer_that_cannot_be_recorded_is_reported_and_rolled_back_alone(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, tmp_path: Path
) -> None:
    _request(services, checks, "clm_gone", "XKZ480019203")
    with services.engine.begin() as conn:  # the inquiry names a claim with no stream
        conn.execute(tables.inquiries.update().values(claim_id="clm_never_created"))
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    outcome = ingest(services, answer)
    assert not outcome.ok
    (row,) = outcome.report["answers"]
    assert row["status"] == "error" and row["detail"].startswith("UnknownClaim")
    with services.engine.connect() as conn:  # not marked answered: a later copy may still
        (inquiry,) = conn.execute(tables.inquiries.select()).all()
    assert inquiry.answered_at is None
    assert services.store.load("clm_never_created") == []


def test_a_271_for_a_270_we_never_sent_changes_nothing(
    services: Embedded, samples_dir: Path
) -> None:
    outcome = ingest(services, samples_dir / SAMPLES_271 / "subscriber-health-benefit-check.271")
    assert not outcome.ok
    assert outcome.report["counts"] == {"unknown": 1}


def test_a_broken_271_is_refused_whole_naming_segment_and_element(
    services: Embedded, samples_dir: Path
) -> None:
    outcome = ingest(
        services, samples_dir / SAMPLES_271 / "subscriber-health-benefit-check-error.271"
    )
    assert not outcome.ok and outcome.report["status"] == "refused"
    assert outcome.report["errors"] == [
        "segment 10 (SE), element SE02: SE02 '4323' does not match ST02 '4321'"
    ]


def test_a_claim_without_a_billing_npi_fails_the_check_without_a_270(
    services: Embedded, checks: EmbeddedRunner, outbound: Path
) -> None:
    claim = claim_for()
    claim = claim.model_copy(update={"billing_provider": None})
    create_requiring_eligibility(services, "clm_nonpi", claim)
    checks.run_until_caught_up()
    assert _sent(outbound) == []
    failed = events_of(services, "clm_nonpi")[-1]
    assert isinstance(failed, ClaimEligibilityFailed)
    assert [p.code for p in failed.problems] == ["NO_NPI"]


def test_a_redelivered_request_sends_the_same_270_once(
    services: Embedded, checks: EmbeddedRunner, outbound: Path, settings: BaseServiceSettings
) -> None:
    _request(services, checks, "clm_redeliver", "XKZ480019203")
    (first,) = _sent(outbound)
    content = first.read_bytes()
    # Another runner with no tracking of its own: the event is delivered a second time.
    (process,) = subscriptions(services.store, services.clock, settings)
    (envelope,) = [e for e in services.store.load("clm_redeliver") if e.type.endswith("requested")]
    handler = process.handlers[envelope.type]
    with services.engine.begin() as conn:
        handler(conn, decode_payload(envelope), envelope)
    assert _sent(outbound) == [first] and first.read_bytes() == content
    with services.engine.connect() as conn:
        assert conn.execute(tables.inquiries.select()).all().__len__() == 1


# -- the domain: when inactive coverage holds -------------------------------------------------


def test_inactive_coverage_does_not_move_a_claim_already_ready() -> None:
    state = CLAIM_ELIGIBILITY.given(
        "clm_1",
        claim_created("clm_1"),
        ClaimReady(claim_id="clm_1", payer_id="87726", total_charge=Decimal("145.00")),
    )
    command = CheckAnswered("87726", None, "T", INACTIVE)
    events = CLAIM_ELIGIBILITY.decide(state, command, NOW)
    assert [e.event_type for e in events] == ["claim.eligibility_verified"]


def test_inactive_coverage_holds_a_claim_still_waiting_to_be_ready() -> None:
    state = CLAIM_ELIGIBILITY.given("clm_1", claim_created("clm_1"))
    command = CheckAnswered("87726", None, "T", INACTIVE)
    events = CLAIM_ELIGIBILITY.decide(state, command, NOW)
    assert [e.event_type for e in events] == ["claim.eligibility_verified", "claim.scrub_failed"]


# -- POST /v1/eligibility ----------------------------------------------------------------------


def test_post_eligibility_sends_a_270_then_shows_the_answer(
    client: TestClient, services: Embedded, outbound: Path, tmp_path: Path
) -> None:
    create_requiring_eligibility(services, "clm_api", claim_for())
    sent = client.post("/v1/eligibility", json={"claim_id": "clm_api"}, headers=bearer())
    assert sent.status_code == 202, sent.text
    trace = sent.json()["trace_number"]
    assert sent.json()["status"] == "sent" and len(_sent(outbound)) == 1

    pending = client.get(f"/v1/eligibility/{trace}", headers=bearer())
    assert pending.status_code == 200 and pending.json()["status"] == "sent"
    (answer,) = payer_answers(outbound, tmp_path / "answers")
    assert ingest(services, answer).ok
    shown = client.get(f"/v1/eligibility/{trace}", headers=bearer()).json()
    assert shown["status"] == "answered" and shown["answer"]["active"] is True

    cached = client.post("/v1/eligibility", json={"claim_id": "clm_api"}, headers=bearer())
    assert cached.status_code == 200
    assert cached.json()["status"] == "answered" and cached.json()["from_cache"] is True


def test_post_eligibility_refuses_what_it_cannot_check(
    client: TestClient, services: Embedded
) -> None:
    create_requiring_eligibility(services, "clm_theirs", claim_for())
    other = bearer(org="another-hospital")
    assert (
        client.post("/v1/eligibility", json={"claim_id": "clm_theirs"}, headers=other).status_code
        == 404
    )
    assert (
        client.post(
            "/v1/eligibility", json={"claim_id": "clm_nobody"}, headers=bearer()
        ).status_code
        == 404
    )
    bad = client.post("/v1/eligibility", json={"claim": "x"}, headers=bearer())
    assert bad.status_code == 422
    assert client.get("/v1/eligibility/unknown", headers=bearer()).status_code == 404
    assert client.get("/v1/eligibility/unknown", headers=other).status_code == 404
    assert ORG != "another-hospital"


# -- revcycle ingest FILE.271 on the embedded default -------------------------------------------


def test_revcycle_ingest_records_a_271_and_the_claim_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from revcycle.cli import app
    from revcycle.embedded import open_embedded
    from shared.config import get_settings

    data = tmp_path / "data"
    for key, value in {
        "DATA_DIR": str(data),
        "DATABASE_URL": "",
        "KAFKA_BOOTSTRAP_SERVERS": "",
        "ORGANIZATION_ID": ORG,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        services = open_embedded(get_settings())
        try:  # the whole embedded default: intake's process sends the 270 when settled
            create_requiring_eligibility(services, "clm_cli", claim_for(pcn="CLI-1"))
            services.settle()
        finally:
            services.close()
        (answer,) = payer_answers(data / "exchange" / "outbound", tmp_path / "answers")
        result = CliRunner().invoke(app, ["ingest", "--json", str(answer)])
        assert result.exit_code == 0, result.output
        assert '"transaction": "271"' in result.output and '"active": 1' in result.output
        services = open_embedded(get_settings())
        try:
            types = types_of(services, "clm_cli")
            # Active coverage recorded; the claims service waited for it, then made the
            # claim ready (once, after the answer).
            assert types[-2:] == ["claim.eligibility_verified", "claim.ready"], types
            assert types.count("claim.ready") == 1
            again = CliRunner().invoke(app, ["ingest", str(answer)])
            assert again.exit_code == 0 and "1 duplicate" in again.output, again.output
        finally:
            services.close()
    finally:
        get_settings.cache_clear()
