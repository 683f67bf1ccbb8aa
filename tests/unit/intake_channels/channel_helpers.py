"""Helpers of the intake channels' unit tests: tokens, the R4 examples beside the tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from shared.auth import issue_token

SECRET = "channels-test-secret-0123456789abcdef0123456789"
ORG = "harbor-general"
ALL_ROLES = ("claims:write", "claims:read", "accounts:read")
EXAMPLES = Path(__file__).parent / "fhir_examples"


def fhir_example(name: str) -> dict[str, Any]:
    """One of the R4 examples beside the tests, numbers as Decimal (as the API parses them)."""
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(), parse_float=Decimal)
    return data


def fhir_text(name: str) -> str:
    return (EXAMPLES / name).read_text()


def bearer(
    roles: tuple[str, ...] = ALL_ROLES, org: str = ORG, subject: str = "interface-engine"
) -> dict[str, str]:
    token = issue_token(
        subject=subject,
        organization_id=org,
        roles=roles,
        secret=SECRET,
        lifetime=timedelta(hours=1),
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {token}"}
