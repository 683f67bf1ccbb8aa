"""Schemathesis against every operation of the OpenAPI document, on the real app and a real
PostgreSQL: positive and negative examples (bounded, fixed seed), zero server errors.

The operations' strategies are driven by Hypothesis directly (schemathesis' lazy pytest
fixture does not run under this pytest version); the cases, calls and data are the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.config import BaseServiceSettings
from tests.integration.api.support import SECRET, bearer

pytestmark = pytest.mark.integration

# 30 per operation and mode over ~80 operations: 3.5 minutes at 60 was the suite's longest test.
EXAMPLES_PER_OPERATION_AND_MODE = 30

# Bodies that are files (an 835, a bank CSV) travel as text, like text/plain.
schemathesis.serializer.alias(["application/edi-x12", "text/csv"], "text/plain")


@pytest.fixture(scope="module")
def app_on_postgres(postgres_url: str) -> Iterator[EmbeddedApp]:
    settings = BaseServiceSettings(
        database_url=postgres_url,
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
        organization_id="schemathesis-org",  # the organization intake serves
    )
    embedded = build_embedded_app(settings, run_subscriptions=False)
    yield embedded
    embedded.engine.dispose()


def _claim(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "patient_control_number": "ACCT-1",
        "total_charge": "10.00",
        "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
        "subscriber": {"last_name": "Testperson", "member_id": "ZZX01"},
        "lines": [{"line_number": 1, "procedure_code": "99213", "charge": "10.00"}],
    }
    for key, value in overrides.items():
        if key == "last_name":
            body["subscriber"]["last_name"] = value
        else:
            body[key] = value
    return body


def test_no_operation_of_the_openapi_answers_a_server_error(app_on_postgres: EmbeddedApp) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app_on_postgres.app)
    headers = bearer("schemathesis-org")  # schemathesis varies everything else
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /v1/claims",
        "GET /v1/claims/{claim_id}",
        "GET /v1/accounts/{account_id}",
        "GET /v1/client-references/{client_reference}",
    }
    statuses: Counter[tuple[str, int]] = Counter()
    server_errors: list[str] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @seed(20261129)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                statuses[(f"{case.method} {case.operation.path}", response.status_code)] += 1
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{response.text[:300]}"
                    )

            try:
                call()
            except Unsatisfiable:
                # An operation without parameters or a body schema (GET /fhir/metadata, the
                # FHIR POSTs that read their body themselves) has nothing to make invalid.
                if mode is not GenerationMode.NEGATIVE:
                    raise

    # The kinds of input that once ended in 500, sent as schemathesis cases of each
    # operation (random generation rarely reaches them): NUL, a lone surrogate, ids far over
    # their columns, money beyond what Decimal quantizes.
    hostile_ids = ["clm\x00x", "c" * 300, "%00", "a/" * 150, "\x7f"]
    hostile_bodies = [
        _claim(last_name="Test\x00person"),
        _claim(last_name="Test\ud800"),
        _claim(total_charge="1e26"),
        _claim(claim_id="c" * 201),
        _claim(patient_control_number="P" * 300),
    ]
    for operation in operations:
        names = re.findall(r"\{(\w+)", operation.path)
        if operation.method.upper() == "POST":
            # Operations with path parameters (work items, accounts) get a plain id for them.
            ids = {name: "x1" for name in names}
            cases = [
                operation.Case(body=b, media_type="application/json", path_parameters=ids)
                for b in hostile_bodies
            ]
        elif names:
            cases = [
                operation.Case(path_parameters={name: value for name in names})
                for value in hostile_ids
            ]
        else:
            continue  # no path: nothing hostile to put in it (queries are generated above)
        for case in cases:
            response = case.call(headers=headers)
            statuses[(f"{case.method} {operation.path}", response.status_code)] += 1
            if response.status_code >= 500:
                server_errors.append(
                    f"hostile {case.method} {operation.path} -> {response.text[:300]}"
                )

    requests = sum(statuses.values())
    assert requests >= 4 * EXAMPLES_PER_OPERATION_AND_MODE, statuses
    assert server_errors == [], f"{len(server_errors)} of {requests}: {server_errors[:10]}"
    # Positive cases get through validation for real: claims were created.
    assert statuses[("POST /v1/claims", 201)] > 0, statuses
