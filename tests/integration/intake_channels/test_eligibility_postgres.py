"""Eligibility on real PostgreSQL: 270 out, the simulator's 271 in, cache and retries.

The same composition as `revcycle serve` on PostgreSQL (the embedded app, its eligibility
process run by the embedded runner); the payer is the simulator answering the 270s of
the outbound folder; the 271 goes through the function `revcycle ingest` routes it to.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "intake_channels"))

from channel_helpers import SECRET  # type: ignore[import-not-found]  # noqa: E402
from eligibility_helpers import (  # type: ignore[import-not-found]  # noqa: E402
    INACTIVE_MEMBER,
    claim_for,
    create_requiring_eligibility,
    events_of,
    ingest,
    payer_answers,
    types_of,
)

from revcycle.embedded import Embedded, build_embedded_app  # noqa: E402
from services.followup.projections import decode_payload  # noqa: E402
from services.intake.channels import subscriptions  # noqa: E402
from shared.config import BaseServiceSettings  # noqa: E402
from shared.events.claims import ClaimScrubFailed  # noqa: E402
from shared.events.eligibility import ClaimEligibilityVerifiedV2  # noqa: E402
from shared.messaging.embedded import EmbeddedRunner  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(postgres_url: str, tmp_path: Path) -> BaseServiceSettings:
    return BaseServiceSettings(
        data_dir=tmp_path,
        database_url=postgres_url,
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
    )


@pytest.fixture
def services(settings: BaseServiceSettings) -> Iterator[Embedded]:
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app.embedded
    app.engine.dispose()


def test_checks_on_postgres_send_once_verify_hold_and_cache(
    services: Embedded, settings: BaseServiceSettings, tmp_path: Path
) -> None:
    runner = EmbeddedRunner(
        services.store,
        services.engine,
        subscriptions(services.store, services.clock, settings),
        decode_payload,
    )
    outbound = settings.data_dir / "exchange" / "outbound"
    create_requiring_eligibility(services, "clm_pg_active", claim_for(pcn="PG-1"))
    create_requiring_eligibility(services, "clm_pg_inactive", claim_for(INACTIVE_MEMBER, "PG-2"))
    runner.run_until_caught_up()
    runner.run_until_caught_up()  # caught up: nothing is asked twice
    assert len(list(outbound.glob("*.270"))) == 2

    answers = payer_answers(outbound, tmp_path / "answers")
    outcomes = [ingest(services, path) for path in answers]
    assert all(o.ok for o in outcomes), [o.report for o in outcomes]
    active = events_of(services, "clm_pg_active")[-1]
    assert isinstance(active, ClaimEligibilityVerifiedV2) and active.coverage_active
    *_, inactive, held = events_of(services, "clm_pg_inactive")
    assert isinstance(inactive, ClaimEligibilityVerifiedV2) and not inactive.coverage_active
    assert isinstance(held, ClaimScrubFailed)

    before = types_of(services, "clm_pg_active")
    assert [ingest(services, path).report["counts"] for path in answers] == [
        {"duplicate": 1} for _ in answers
    ]
    assert types_of(services, "clm_pg_active") == before

    create_requiring_eligibility(services, "clm_pg_again", claim_for(pcn="PG-3"))
    runner.run_until_caught_up()
    assert len(list(outbound.glob("*.270"))) == 2  # the cache answered
    cached = events_of(services, "clm_pg_again")[-1]
    assert isinstance(cached, ClaimEligibilityVerifiedV2) and cached.from_cache
