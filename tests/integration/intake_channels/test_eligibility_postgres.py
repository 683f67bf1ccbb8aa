"""Eligibility on real PostgreSQL: 270 out, the simulator's 271 in, cache and retries.

The same composition as `revcycle serve` on PostgreSQL (the embedded app, its eligibility
process run by the embedded runner); the payer is the simulator answering the 270s of
the outbound folder; the 271 goes through the function `revcycle ingest` routes it to.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eligibility_helpers import (  # type: ignore[import-not-found]
    INACTIVE_MEMBER,
    claim_for,
    create_requiring_eligibility,
    events_of,
    ingest,
    payer_answers,
    types_of,
)

from revcycle.embedded import Embedded
from services.followup.projections import decode_payload
from services.intake.channels import subscriptions
from shared.config import BaseServiceSettings
from shared.events.claims import ClaimScrubFailed
from shared.events.eligibility import ClaimEligibilityVerifiedV2
from shared.messaging.embedded import EmbeddedRunner

pytestmark = pytest.mark.integration


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
