"""Schemathesis against every operation of the OpenAPI document, on the real app and a real
PostgreSQL: positive and negative examples (bounded, fixed seed), zero server errors.

The operations' strategies are driven by Hypothesis directly (schemathesis' lazy pytest
fixture does not run under this pytest version); the cases, calls and data are the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.generation import GenerationMode

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.config import BaseServiceSettings
from tests.integration.api.support import SECRET, bearer

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION_AND_MODE = 60


@pytest.fixture(scope="module")
def app_on_postgres(postgres_url: str) -> Iterator[EmbeddedApp]:
    settings = BaseServiceSettings(
        database_url=postgres_url, kafka_bootstrap_servers="", auth_jwt_secret=SECRET
    )
    embedded = build_embedded_app(settings, run_projector=False)
    yield embedded
    embedded.engine.dispose()


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

            call()

    requests = sum(statuses.values())
    assert requests >= 4 * EXAMPLES_PER_OPERATION_AND_MODE, statuses
    assert server_errors == [], f"{len(server_errors)} of {requests}: {server_errors[:10]}"
    # Positive cases get through validation for real: claims were created.
    assert statuses[("POST /v1/claims", 201)] > 0, statuses
