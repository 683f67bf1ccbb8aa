"""FHIR R4 and HL7 v2 over MLLP on real PostgreSQL, end to end to the claim view.

The embedded composition on PostgreSQL (as `revcycle serve` with DATABASE_URL): the R4
examples (professional, institutional) posted to `/fhir/Claim`, an MLLP client session of
ADT and DFT messages over a socket, each retried; the claims and their views are checked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channel_helpers import ORG, SECRET, bearer, fhir_text  # type: ignore[import-not-found]
from fastapi.testclient import TestClient
from hl7.client import MLLPClient  # type: ignore[import-untyped]
from hl7_messages import inpatient_stay, outpatient_visit  # type: ignore[import-not-found]

from revcycle.embedded import EmbeddedApp, build_embedded_app
from services.intake.hl7.mllp import MllpServer, address_of, serve_in_thread
from services.intake.hl7.service import HL7_CLAIM_SOURCE, Hl7Channel
from shared.config import BaseServiceSettings
from shared.events.claim_snapshot import Address, Provider, claim_from_snapshot
from shared.events.claims import ClaimChannel, ClaimCreated
from shared.events.registry import decode

pytestmark = pytest.mark.integration

FHIR = {"Content-Type": "application/fhir+json"}
HOSPITAL = Provider(
    npi="1456789019",
    organization_name="Harbor General Hospital",
    tax_id="010203040",
    address=Address(line1="1 Hospital Dr", city="Portland", state="ME", postal_code="041010000"),
)


@pytest.fixture(scope="module")
def embedded(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedApp]:
    settings = BaseServiceSettings(
        data_dir=tmp_path_factory.mktemp("channels"),
        database_url=postgres_url,
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
        organization_id=ORG,
    )
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app
    app.engine.dispose()


def _created(embedded: EmbeddedApp, source: ClaimChannel) -> list[ClaimCreated]:
    events = [decode(e) for e in embedded.store.read_all(limit=10_000) if e.type == "claim.created"]
    return [e for e in events if isinstance(e, ClaimCreated) and e.source is source]


def test_the_r4_examples_become_claims_on_postgres_and_a_retry_creates_nothing(
    embedded: EmbeddedApp,
) -> None:
    client = TestClient(embedded.app)
    locations = []
    for name, key in (("claim-professional.json", "pg-p"), ("claim-institutional.json", "pg-i")):
        headers = {**bearer(), **FHIR, "Idempotency-Key": key}
        first = client.post("/fhir/Claim", content=fhir_text(name), headers=headers)
        assert first.status_code == 201, first.text
        again = client.post("/fhir/Claim", content=fhir_text(name), headers=headers)
        assert again.status_code == 201, again.text
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["Idempotent-Replayed"] == "true"
        locations.append(first.headers["Location"])
    created = _created(embedded, ClaimChannel.FHIR)
    kinds = sorted(claim_from_snapshot(c.claim).kind.value for c in created)
    assert kinds == ["institutional", "professional"]
    embedded.project()
    for location in locations:
        claim_id = location.rsplit("/", 1)[1]
        assert client.get(location, headers=bearer()).status_code == 200
        view = client.get(f"/v1/claims/{claim_id}", headers=bearer())
        assert view.status_code == 200, view.text


def test_an_mllp_session_on_postgres_ends_in_the_expected_claims(embedded: EmbeddedApp) -> None:
    channel = Hl7Channel(embedded.embedded.intake, ORG, billing=HOSPITAL)
    server = MllpServer(("127.0.0.1", 0), channel.handle)
    serve_in_thread(server)
    try:
        host, port = address_of(server)
        with MLLPClient(host, port) as client:
            answers = [
                client.send_message(m)
                for m in [*outpatient_visit("PG800"), *inpatient_stay("PG801")]
            ]
            retried = [client.send_message(m) for m in outpatient_visit("PG800")]
    finally:
        server.shutdown()
        server.server_close()
    assert all(b"MSA|AA|" in a for a in [*answers, *retried])
    created = _created(embedded, HL7_CLAIM_SOURCE)
    by_pcn = {claim_from_snapshot(c.claim).patient_control_number: c for c in created}
    assert sorted(by_pcn) == ["PG800", "PG801"]  # the retried session added nothing
    assert claim_from_snapshot(by_pcn["PG801"].claim).kind.value == "institutional"
    assert claim_from_snapshot(by_pcn["PG800"].claim).kind.value == "professional"
