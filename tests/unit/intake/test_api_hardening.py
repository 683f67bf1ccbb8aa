"""Hostile input through the embedded API: every kind answers 4xx with the reason, never 500,
and no answer or log line repeats the patient data it was sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.config import BaseServiceSettings
from shared.http import harden

TokenFactory = Callable[..., dict[str, str]]
BodyFactory = Callable[..., dict[str, Any]]


def _locs(response: Any) -> list[list[Any]]:
    return [e["loc"] for e in response.json()["detail"]]


def _post_raw(client: TestClient, text: str, headers: dict[str, str]) -> Any:
    return client.post(
        "/v1/claims",
        content=text.encode("utf-8", "surrogatepass"),
        headers={**headers, "Content-Type": "application/json"},
    )


def test_money_beyond_what_an_837_and_the_read_model_carry_is_422(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    for amount in ("1e26", "100000000000000000000000000.00", "10000000000.00", "-10000000000.00"):
        response = client.post("/v1/claims", json=claim_body(total_charge=amount), headers=auth())
        assert response.status_code == 422, (amount, response.text)
        assert ["body", "total_charge"] in _locs(response)
    at_the_bound = claim_body(
        total_charge="9999999999.99",
        lines=[{"line_number": 1, "procedure_code": "99214", "charge": "9999999999.99"}],
    )
    assert client.post("/v1/claims", json=at_the_bound, headers=auth()).status_code == 201


def test_a_nul_character_in_any_string_is_422_naming_the_field(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    body = claim_body()
    body["subscriber"]["last_name"] = "Test\x00person"
    response = client.post("/v1/claims", json=body, headers=auth())
    assert response.status_code == 422
    assert ["body", "subscriber", "last_name"] in _locs(response)
    assert "Testperson" not in response.text and "Test\\u0000person" not in response.text


def test_a_lone_surrogate_is_422_and_the_answer_is_valid_json(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    text = json.dumps(claim_body()).replace('"Testperson"', '"Test\\ud800person"')
    response = _post_raw(client, text, auth())
    assert response.status_code == 422
    assert ["body", "subscriber", "last_name"] in _locs(response)
    # A lone surrogate as an unknown key: echoed in the path, replaced so JSON can carry it.
    text = json.dumps(claim_body()).replace('"diagnoses"', '"\\udc00x": 1, "diagnoses"')
    response = _post_raw(client, text, auth())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_validation_errors_name_the_field_and_never_echo_the_value(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    body = claim_body()
    body["subscriber"]["last_name"] = "Testperson-" + "x" * 60  # over NM103's 60
    body["subscriber"]["birth_date"] = "1980-02-31"
    response = client.post("/v1/claims", json=body, headers=auth())
    assert response.status_code == 422
    assert ["body", "subscriber", "last_name"] in _locs(response)
    assert ["body", "subscriber", "birth_date"] in _locs(response)
    assert "Testperson" not in response.text
    assert "1980-02-31" not in response.text
    assert all(set(e) == {"loc", "msg", "type"} for e in response.json()["detail"])


def test_a_claim_id_of_any_length_is_refused_as_the_servers_to_assign(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    response = client.post("/v1/claims", json=claim_body(claim_id="c" * 201), headers=auth())
    assert response.status_code == 422
    assert _locs(response) == [["body", "claim_id"]]


def test_a_token_with_an_oversized_or_malformed_org_or_sub_is_401(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    for headers in (
        auth(org="o" * 65),
        auth(org="acme\x00"),
        auth(org="-acme"),
        auth(subject="s" * 201),
        auth(subject="bad\nsubject"),
    ):
        assert client.get("/v1/claims/clm_x", headers=headers).status_code == 401
        response = client.post("/v1/claims", json=claim_body(), headers=headers)
        assert response.status_code == 401
        assert "invalid token" in response.json()["detail"]
    assert client.get("/v1/claims/clm_x", headers=auth(org="o" * 64)).status_code == 404


def test_path_ids_that_cannot_exist_are_422(client: TestClient, auth: TokenFactory) -> None:
    for path in (
        "/v1/claims/" + "c" * 201,
        "/v1/claims/clm%00x",
        "/v1/accounts/" + "a" * 201,
        "/v1/accounts/st-elsewhere:A%00B",
        "/v1/client-references/R%00",
    ):
        response = client.get(path, headers=auth())
        assert response.status_code == 422, (path, response.text)
    assert client.get("/v1/claims/clm_unknown", headers=auth()).status_code == 404
    assert client.get("/v1/accounts/st-elsewhere:NONE", headers=auth()).status_code == 404


def test_the_line_count_follows_the_guide_of_the_claims_kind(
    client: TestClient, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    def lines(n: int) -> list[dict[str, Any]]:
        return [
            {"line_number": i, "revenue_code": "0450", "procedure_code": "99284", "charge": "1.00"}
            for i in range(1, n + 1)
        ]

    professional = claim_body(total_charge="51.00", lines=lines(51))
    response = client.post("/v1/claims", json=professional, headers=auth())
    assert response.status_code == 422
    assert _locs(response) == [["body", "lines"]]
    assert "at most 50" in response.text
    fifty = claim_body(total_charge="50.00", lines=lines(50))
    assert client.post("/v1/claims", json=fifty, headers=auth()).status_code == 201
    institutional = claim_body(kind="institutional", total_charge="51.00", lines=lines(51))
    assert client.post("/v1/claims", json=institutional, headers=auth()).status_code == 201


def test_repeated_line_numbers_are_accepted_and_projected_line_by_line(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    # A payer rule (the scrubber's PX019 holds the claim), not a storage limit: the read
    # model keys lines by position, so the claim is visible with both lines.
    body = claim_body(
        lines=[
            {"line_number": 1, "procedure_code": "99214", "charge": "180.00"},
            {"line_number": 1, "procedure_code": "36415", "charge": "70.00"},
        ]
    )
    created = client.post("/v1/claims", json=body, headers=auth())
    assert created.status_code == 201
    embedded.project()
    claim = client.get(created.json()["links"]["self"], headers=auth()).json()
    assert [(ln["line_number"], ln["procedure_code"]) for ln in claim["lines"]] == [
        (1, "99214"),
        (1, "36415"),
    ]


@pytest.fixture
def small_limit(settings: BaseServiceSettings) -> Iterator[EmbeddedApp]:
    limited = settings.model_copy(update={"http_max_body_bytes": 2048})
    app = build_embedded_app(limited, run_subscriptions=False)
    yield app
    app.engine.dispose()


def test_a_body_over_the_limit_is_413_before_it_is_read(
    small_limit: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    client = TestClient(small_limit.app)
    assert client.post("/v1/claims", json=claim_body(), headers=auth()).status_code == 201
    big = claim_body(diagnoses=["E11.9"] * 12, client_reference="x" * 100)
    big["lines"] = [
        {"line_number": i, "procedure_code": "99214", "charge": "1.00", "ndc": "0" * 48}
        for i in range(1, 40)
    ]
    declared = client.post("/v1/claims", json=big, headers=auth())
    assert declared.status_code == 413
    assert "2048 bytes" in declared.json()["detail"]

    # Streamed without a Content-Length (chunked): refused once the count passes the limit.
    payload = json.dumps(big).encode()
    chunks_sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal chunks_sent
        for start in range(0, len(payload), 512):
            chunks_sent += 1
            yield payload[start : start + 512]

    streamed = client.post(
        "/v1/claims",
        content=chunks(),
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert [e.type for e in small_limit.store.read_all()] == ["claim.created"]


def test_an_unexpected_error_is_a_500_whose_log_line_holds_no_patient_data(
    caplog: pytest.LogCaptureFixture, settings: BaseServiceSettings
) -> None:
    app = FastAPI()
    harden(app, settings)

    @app.get("/boom/{account}")
    def boom(account: str) -> None:
        {}["Testperson born 1980-02-03"]  # a KeyError quotes its key: a value

    caplog.set_level(logging.DEBUG)
    response = TestClient(app).get("/boom/ACCT-1001")
    assert response.status_code == 500
    assert set(response.json()) == {"detail", "error_id"}
    # httpx logs the URL it requested: that is the test's client, not the server.
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(caplog.handler.format(r) for r in server)
    assert response.json()["error_id"] in text
    assert "/boom/{account}" in text and "KeyError" in text
    for secret in ("Testperson", "1980-02-03", "ACCT-1001"):
        assert secret not in text


def test_every_link_the_api_returns_resolves_whatever_the_control_number_holds(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    numbers = ["A/B", "100%", "Q?x=1", "H#2", "sp ace", "..", "a/../b", "+plus", "x=&y"]
    links: list[str] = []
    for index, number in enumerate(numbers):
        reference = f"ref/{index}?#%"
        created = client.post(
            "/v1/claims",
            json=claim_body(patient_control_number=number, client_reference=reference),
            headers=auth(),
        )
        assert created.status_code == 201, (number, created.text)
        body = created.json()
        links += [*body["links"].values(), created.headers["Location"]]
        found = client.get("/v1/client-references/" + quote(reference, safe=""), headers=auth())
        assert found.status_code == 200, (reference, found.text)
        links += list(found.json()["links"].values())
    embedded.project()
    for link in links:
        response = client.get(link, headers=auth())
        assert response.status_code == 200, (link, response.text)
        if "/accounts/" in link:
            assert response.json()["account_id"].startswith("st-elsewhere:")


def test_another_organizations_claim_answers_exactly_as_an_unknown_one(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory, claim_body: BodyFactory
) -> None:
    body = claim_body(client_reference="SHARED-REF-1")
    created = client.post("/v1/claims", json=body, headers=auth()).json()
    embedded.project()
    stranger = auth(org="county-general")
    pairs = [
        (created["links"]["self"], "/v1/claims/clm_00000000000000000000000000000000"),
        (created["links"]["account"], "/v1/accounts/st-elsewhere:NO-SUCH-ACCOUNT"),
        ("/v1/client-references/SHARED-REF-1", "/v1/client-references/NO-SUCH-REF"),
    ]
    for theirs, unknown in pairs:
        a, b = client.get(theirs, headers=stranger), client.get(unknown, headers=stranger)
        assert (a.status_code, a.json(), dict(a.headers)) == (
            b.status_code,
            b.json(),
            {**dict(b.headers), "content-length": a.headers["content-length"]},
        )
        assert a.status_code == 404
    # Its own use of the same reference is a new claim, not a conflict that would tell it
    # the reference exists elsewhere.
    mine = client.post("/v1/claims", json=body, headers=stranger)
    assert mine.status_code == 201


KAFKA_DEFAULT_MESSAGE_BYTES = 1_048_576  # kafka-python max_request_size; broker ~1 MiB too


def test_the_largest_claims_the_body_limit_admits_make_events_kafka_carries(
    client: TestClient,
    embedded: EmbeddedApp,
    settings: BaseServiceSettings,
    auth: TokenFactory,
    claim_body: BodyFactory,
) -> None:
    limit = settings.http_max_body_bytes
    # Two worst cases: lines as short as a request allows (the event spells out every
    # default and null), and lines padded with every bounded text field near the body limit.
    minimal = claim_body(
        kind="institutional",
        total_charge="999.00",
        lines=[{"line_number": i, "charge": "1.00"} for i in range(1, 1000)],
    )
    padded_line = {
        "procedure_code": "9" * 20,
        "revenue_code": "0" * 10,
        "modifiers": ["AA", "BB", "CC", "DD"],
        "ndc": "0" * 48,
        "charge": "9999999999.99",
        "units": "999999999999.999",
        "service_date": "2026-03-10",
        "service_date_end": "2026-03-11",
        "place_of_service": "11",
        "rendering_provider": {
            "npi": "9" * 80,
            "last_name": "L" * 60,
            "first_name": "F" * 35,
            "taxonomy": "T" * 50,
        },
    }
    padded = claim_body(kind="institutional", lines=[])
    size = len(json.dumps(padded))
    while True:
        line = {**padded_line, "line_number": len(padded["lines"]) + 1}
        grown = size + len(json.dumps(line)) + 2
        if grown > limit or len(padded["lines"]) == 999:
            break
        padded["lines"].append(line)
        size = grown
    for body in (minimal, padded):
        response = client.post("/v1/claims", json=body, headers=auth())
        assert response.status_code == 201, response.text[:300]
    # What the relay publishes: the envelope as compact JSON. Both claims are held (no
    # revenue codes, made-up NPIs...): their claim.scrub_failed must fit too, however
    # many findings 999 lines make.
    recorded = embedded.store.read_all()
    assert [e.type for e in recorded] == ["claim.created", "claim.scrub_failed"] * 2
    sizes = [len(e.model_dump_json().encode()) for e in recorded]
    assert max(sizes) < KAFKA_DEFAULT_MESSAGE_BYTES * 0.9, sizes
