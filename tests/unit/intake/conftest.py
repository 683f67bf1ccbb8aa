"""Intake/follow-up API fixtures on the embedded path: a SQLite file, the all-in-one app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.auth import issue_token
from shared.config import BaseServiceSettings

SECRET = "unit-test-secret-0123456789abcdef0123456789"
ALL_ROLES = ("claims:write", "claims:read", "accounts:read")


@pytest.fixture
def settings(tmp_path: Path) -> BaseServiceSettings:
    # Explicitly embedded: a DATABASE_URL exported for the integration tests must not leak in.
    return BaseServiceSettings(
        data_dir=tmp_path,
        database_url="",
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
        organization_id="st-elsewhere",
    )


OTHER_ORGANIZATION = "county-general"


@pytest.fixture
def embedded(
    settings: BaseServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmbeddedApp]:
    # Two organizations served: the deployment's own, and a second for the tenancy tests.
    monkeypatch.setenv("INTAKE_ORGANIZATIONS", OTHER_ORGANIZATION)
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app
    app.engine.dispose()


@pytest.fixture
def client(embedded: EmbeddedApp) -> TestClient:
    return TestClient(embedded.app)


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth() -> TokenFactory:
    def _headers(
        roles: tuple[str, ...] = ALL_ROLES,
        org: str = "st-elsewhere",
        subject: str = "biller-7",
        lifetime: timedelta = timedelta(hours=1),
        secret: str = SECRET,
        **extra: str,
    ) -> dict[str, str]:
        token = issue_token(
            subject=subject,
            organization_id=org,
            roles=roles,
            secret=secret,
            lifetime=lifetime,
            now=datetime.now(UTC),
        )
        return {"Authorization": f"Bearer {token}", **extra}

    return _headers


def make_claim_body(**overrides: Any) -> dict[str, Any]:
    """A clean professional claim as a hospital would POST it (fictional patient).

    Served ten days ago, so the scrubber's date edits (future date, timely filing) pass
    whatever day the suite runs.
    """
    served = (datetime.now(UTC).date() - timedelta(days=10)).isoformat()
    body: dict[str, Any] = {
        "patient_control_number": "ACCT-1001",
        "total_charge": "250.00",
        "place_of_service": "11",
        "billing_provider": {
            "npi": "1234567893",
            "organization_name": "Riverbend Family Medicine",
            "taxonomy": "207Q00000X",
            "tax_id": "591234567",
            "address": {
                "line1": "1200 Harbor View Drive",
                "city": "Tampa",
                "state": "FL",
                "postal_code": "336021234",
            },
        },
        "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
        "subscriber": {
            "last_name": "Testperson",
            "first_name": "Ada",
            "member_id": "ZZX000000001",
            "birth_date": "1980-02-03",
            "sex": "F",
            "address": {
                "line1": "48 Cypress Hollow Lane",
                "city": "Brandon",
                "state": "FL",
                "postal_code": "33511",
            },
        },
        "diagnoses": ["E11.9"],
        "lines": [
            {
                "line_number": 1,
                "procedure_code": "99214",
                "charge": "180.00",
                "service_date": served,
            },
            {
                "line_number": 2,
                "procedure_code": "36415",
                "charge": "70.00",
                "service_date": served,
            },
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture(name="claim_body")
def claim_body_fixture() -> Callable[..., dict[str, Any]]:
    return make_claim_body
