"""837 batches (issue 11 point 2): `POST /v1/batches/837`, `GET /v1/batches/{id}` and
`revcycle ingest` take an X12 file, answer our 999 and one status per claim; a rejected
transaction set creates nothing, the accepted sets of the same file still go through, a
file sent again creates nothing new, and bad input is refused whole with a clear 4xx.
(Embedded path: one SQLite file, the all-in-one app.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from revcycle.cli import app as cli
from revcycle.embedded import EmbeddedApp
from services.intake.schemas import ClaimCreate
from shared.claim_model import Claim
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from tests.unit.intake.conftest import TokenFactory, make_claim_body
from testsupport.samples import x12_samples_dir
from testsupport.x12 import RECEIVER, SUBMITTER

X12 = {"Content-Type": "application/edi-x12"}


def claim(pcn: str, **overrides: Any) -> Claim:
    return ClaimCreate(**make_claim_body(patient_control_number=pcn, **overrides)).to_claim()


def dirty(pcn: str) -> Claim:
    """Valid X12 (the 999 accepts it) that the scrubber holds: a 4-digit CPT code."""
    body = make_claim_body(patient_control_number=pcn)
    body["lines"][0]["procedure_code"] = "9921"
    return ClaimCreate(**body).to_claim()


def file_837(*claims: Claim) -> str:
    return write_837p(
        list(claims),
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        numbers=InMemoryControlNumbers(),
    )


def two_sets(first: str, second: str, *, break_second: bool = False) -> str:
    """One interchange, one group, the transaction sets of two one-set files (ST02 0001, 0002);
    `break_second` makes the second set's SE01 count wrong (a 999 rejects it, IK5 code 4)."""
    seg = [s for s in first.split("~") if s.strip()]
    other = [s.strip() for s in second.split("~") if s.strip()]
    body = other[other.index(next(s for s in other if s.startswith("ST*"))) : -2]
    body[0] = body[0].replace("*0001*", "*0002*")
    count = int(body[-1].split("*")[1]) + (5 if break_second else 0)
    body[-1] = f"SE*{count}*0002"
    ge = next(i for i, s in enumerate(seg) if s.strip().startswith("GE*"))
    seg[ge] = seg[ge].replace("GE*1*", "GE*2*")
    return "~".join(seg[:ge] + body + seg[ge:]) + "~"


def post(client: TestClient, auth: TokenFactory, text: str, **headers: str) -> Any:
    return client.post("/v1/batches/837", content=text, headers=auth(**{**X12, **headers}))


def event_types(embedded: EmbeddedApp) -> list[str]:
    return [e.type for e in embedded.store.read_all()]


def test_a_batch_answers_its_999_and_each_claim_created_or_held_and_can_be_read_later(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    response = post(client, auth, file_837(claim("ACCT-1001"), dirty("ACCT-1002")))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["batch_id"].startswith("bat_")
    assert response.headers["Location"] == f"/v1/batches/{body['batch_id']}"
    assert body["ack_999"].startswith("ISA*") and "IK5*A~" in body["ack_999"]
    assert "AK2*837*0001*005010X222A1~" in body["ack_999"]
    created, held = body["claims"]
    assert (created["patient_control_number"], created["status"]) == ("ACCT-1001", "created")
    assert (held["patient_control_number"], held["status"]) == ("ACCT-1002", "held")
    assert "lines[0].procedure_code" in [f["field"] for f in held["findings"]]
    assert body["counts"] == {"created": 1, "held": 1, "duplicate": 0, "rejected": 0}

    # Each claim is a claim like any other: created by intake, from this batch.
    first = embedded.store.load(created["claim_id"])
    assert [e.type for e in first] == ["claim.created"]
    assert first[0].data["source"] == "x12-837"
    assert first[0].data["source_reference"] == body["batch_id"]
    assert first[0].submitted_by == "biller-7"
    assert [e.type for e in embedded.store.load(held["claim_id"])] == [
        "claim.created",
        "claim.scrub_failed",
    ]

    later = client.get(f"/v1/batches/{body['batch_id']}", headers=auth())
    assert later.status_code == 200 and later.json() == body
    # Another organization cannot read it (it looks like no batch at all).
    other = client.get(f"/v1/batches/{body['batch_id']}", headers=auth(org="county-general"))
    assert other.status_code == 404


def test_a_batch_sent_again_creates_nothing_new_and_names_the_claims_it_has(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    text = file_837(claim("ACCT-2001"), dirty("ACCT-2002"))
    first = post(client, auth, text).json()
    events = event_types(embedded)
    again = post(client, auth, text)
    assert again.status_code == 201, again.text
    second = again.json()
    assert second["batch_id"] != first["batch_id"]
    assert [c["status"] for c in second["claims"]] == ["duplicate", "duplicate"]
    assert [c["claim_id"] for c in second["claims"]] == [c["claim_id"] for c in first["claims"]]
    assert event_types(embedded) == events


def test_a_rejected_transaction_set_creates_nothing_and_the_accepted_one_goes_through(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    text = two_sets(file_837(claim("ACCT-3001")), file_837(claim("ACCT-3002")), break_second=True)
    response = post(client, auth, text)
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(s["control_number"], s["status"]) for s in body["transaction_sets"]] == [
        ("0001", "A"),
        ("0002", "R"),
    ]
    assert "4" in body["transaction_sets"][1]["codes"]
    assert "AK2*837*0002*005010X222A1~" in body["ack_999"] and "IK5*R*4" in body["ack_999"]
    accepted, rejected = body["claims"]
    assert (accepted["patient_control_number"], accepted["status"]) == ("ACCT-3001", "created")
    assert (rejected["patient_control_number"], rejected["status"]) == ("ACCT-3002", "rejected")
    assert rejected["claim_id"] is None
    assert rejected["errors"][0]["code"] == "transaction_set_rejected"
    assert event_types(embedded) == ["claim.created"]

    # Both sets accepted: both claims are created.
    both = post(client, auth, two_sets(file_837(claim("ACCT-3003")), file_837(claim("ACCT-3004"))))
    assert [c["status"] for c in both.json()["claims"]] == ["created", "created"]


def test_a_claim_the_model_cannot_take_is_rejected_with_its_position_and_the_others_go_on(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    text = file_837(claim("ACCT-4001"), claim("ACCT-4002"))
    # Frequency 6 (a valid X12 code, so the 999 accepts the set) is not one we take.
    text = text.replace("CLM*ACCT-4002*250.00***11:B:1*", "CLM*ACCT-4002*250.00***11:B:6*")
    body = post(client, auth, text).json()
    assert [s["status"] for s in body["transaction_sets"]] in (["A"], ["E"])
    good, bad = body["claims"]
    assert good["status"] == "created"
    assert bad["status"] == "rejected" and bad["claim_id"] is None
    [error] = bad["errors"]
    assert (error["segment_id"], error["element"]) == ("CLM", 5)
    segments = [s.strip() for s in text.split("~") if s.strip()]
    clm = next(i for i, s in enumerate(segments) if s.startswith("CLM*ACCT-4002"))
    assert error["position"] == clm + 1  # the segment's place in the file, ISA = 1
    assert "CLM05-3" in error["message"]
    assert event_types(embedded) == ["claim.created"]


@pytest.mark.parametrize(
    ("text", "content_type", "expected"),
    [
        ("this is not an 837", "text/plain", 400),
        ("", "application/edi-x12", 400),
        ("ISA*00*", "application/json", 415),
    ],
)
def test_bad_input_is_refused_whole_with_a_clear_4xx_and_nothing_created(
    client: TestClient,
    embedded: EmbeddedApp,
    auth: TokenFactory,
    text: str,
    content_type: str,
    expected: int,
) -> None:
    response = client.post(
        "/v1/batches/837", content=text, headers=auth(**{"Content-Type": content_type})
    )
    assert response.status_code == expected, response.text
    assert response.json()["detail"]
    assert event_types(embedded) == []


def test_bytes_that_are_not_text_are_400_and_never_a_5xx(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    # A body over the limit (INTAKE_BATCH_MAX_BYTES): test_837_spooled_bodies.py.
    text = file_837(claim("ACCT-5101"))
    binary = client.post("/v1/batches/837", content=b"ISA\xff\xfe\x00" * 50, headers=auth(**X12))
    assert binary.status_code == 400, binary.text
    assert event_types(embedded) == []
    # A name in Latin-1 (not UTF-8): never a 5xx, whatever the reading makes of it.
    latin1 = text.encode().replace(b"*Ada*", b"*Ad\xe9*")
    answer = client.post("/v1/batches/837", content=latin1, headers=auth(**X12))
    assert answer.status_code < 500, answer.text


def test_a_file_without_an_interchange_header_is_refused_naming_why(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    text = file_837(claim("ACCT-5001"))
    headless = "~".join(text.split("~")[1:])  # no ISA: nobody to address a 999 to
    response = post(client, auth, headless)
    assert response.status_code == 400, response.text
    assert "ISA" in response.json()["detail"]
    assert event_types(embedded) == []


def test_batches_need_a_served_organization_and_the_write_role(
    client: TestClient, auth: TokenFactory
) -> None:
    text = file_837(claim("ACCT-6001"))
    assert post(client, auth, text, Authorization="").status_code == 401
    assert client.post("/v1/batches/837", content=text, headers=X12).status_code == 401
    unknown = post(client, auth, text, **auth(org="nobody-here"))
    assert unknown.status_code == 403 and "nobody-here" in unknown.json()["detail"]
    reader = post(client, auth, text, **auth(roles=("claims:read",)))
    assert reader.status_code == 403


# -- revcycle ingest ---------------------------------------------------------------------------

# What each public 837 sample does on ingest: (transaction set verdicts, claim statuses).
# Most samples are TR3 examples whose NPIs fail the check digit, whose GS08 names a draft
# guide (X222A2, X223A3) or whose SE01 is wrong: our 999 rejects those sets (IK5 R), so no
# claim of them is created and each is reported `rejected`.
SAMPLE_OUTCOMES: dict[str, tuple[list[str], dict[str, int]]] = {
    "837P/5010-837-professional-example.txt": (["A"], {"held": 2}),
    "837P/demo.example1.837": (["R"], {"rejected": 1}),
    "837P/x12_complex.txt": (["R", "R"], {"rejected": 6}),
    "837P/x12_many_claims.txt": (["R"], {"rejected": 820}),
    "837I/two-claims-single-provider.837i": (["R"], {"rejected": 2}),
    "837I/5010-837-institutional-example.txt": (["R", "R"], {"rejected": 2}),
}


def _ingest(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *files: Path) -> Any:
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "")
    monkeypatch.setenv("ORGANIZATION_ID", "st-elsewhere")
    from shared.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["ingest", "--json", *map(str, files)])
    finally:
        get_settings.cache_clear()
    return result


def test_revcycle_ingest_takes_the_837_samples_to_their_expected_counts_and_once_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = x12_samples_dir()
    files = [root / name for name in SAMPLE_OUTCOMES]
    result = _ingest(tmp_path, monkeypatch, *files)
    assert result.exit_code == 1, result.output  # some sets were rejected
    reports = json.loads(result.stdout)
    for name, report in zip(SAMPLE_OUTCOMES, reports, strict=True):
        sets, counts = SAMPLE_OUTCOMES[name]
        assert report["transaction"] == "837" and report["service"] == "intake"
        assert [s["status"] for s in report["transaction_sets"]] == sets, name
        expected = {"created": 0, "held": 0, "duplicate": 0, "rejected": 0, **counts}
        assert report["counts"] == expected, name
        assert report["ack_999"].startswith("ISA*"), name

    again = json.loads(_ingest(tmp_path, monkeypatch, files[0]).stdout)
    assert again["counts"] == {"created": 0, "held": 0, "duplicate": 2, "rejected": 0}


def test_revcycle_ingest_exits_0_when_every_claim_was_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "batch.837"
    path.write_text(file_837(claim("ACCT-7001"), claim("ACCT-7002")))
    result = _ingest(tmp_path / "data", monkeypatch, path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [c["status"] for c in report["claims"]] == ["created", "created"]
    assert report["summary"].startswith("837 batch bat_")
