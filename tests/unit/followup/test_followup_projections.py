"""Follow-up projections on the embedded path: a billing office's morning of new claims."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.followup import bootstrap as followup_bootstrap
from services.followup import queries
from services.followup.projections import (
    BALANCES_PROJECTION,
    CLAIM_VIEWS_PROJECTION,
    CLAIMS_PROJECTION,
    PROJECTIONS,
)
from services.followup.rebuild import rebuild_embedded
from services.followup.tables import accounts, claim_lines, claims
from services.intake import bootstrap as intake_bootstrap
from services.intake.bootstrap import IntakeDeps
from services.intake.commands import CreateClaim
from services.intake.config import IntakeSettings
from services.intake.handlers import create_claim
from shared.claim_model import Claim, ServiceLine
from shared.db import create_db_engine
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreatedV1, ClaimSubmitted
from shared.events.registry import to_envelope
from shared.messaging import tracking
from testsupport.claims import institutional_claim, professional_claim

ORG = "st-elsewhere"
T0 = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'office.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def intake(engine: Engine) -> IntakeDeps:
    ticks = count()
    ids = count(1)
    deps = intake_bootstrap.bootstrap(
        IntakeSettings(organization_id=ORG),
        engine=engine,
        clock=lambda: T0 + timedelta(minutes=next(ticks)),
        claim_ids=lambda: f"clm_{next(ids):04d}",
    )
    followup_bootstrap.bootstrap(engine=engine)
    return deps


def submit(intake: IntakeDeps, claim: Claim) -> str:
    command = CreateClaim(claim=claim, organization_id=ORG, submitted_by="biller-7")
    return create_claim(intake.unit_of_work(), command, intake.policy).claim_id


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(sa.select(table)))
            for table in (claims, claim_lines, accounts)
        }


def _morning(intake: IntakeDeps) -> list[str]:
    one_line = (
        ServiceLine(
            line_number=1,
            procedure_code="99212",
            charge=Decimal("95.10"),
            service_date=date(2026, 3, 10),
        ),
    )
    return [
        submit(intake, professional_claim(patient_control_number="PCN-1")),  # 145.00
        submit(
            intake,
            professional_claim(patient_control_number="PCN-1", lines=one_line),  # 95.10
        ),
        submit(intake, institutional_claim(patient_control_number="PCN-2")),
    ]


def test_new_claims_enter_the_claims_read_model_and_account_balances(
    engine: Engine, intake: IntakeDeps
) -> None:
    ids = _morning(intake)
    runner = followup_bootstrap.embedded_runner(intake.store, engine)
    totals = runner.run_until_caught_up()
    assert {n: t.applied for n, t in totals.items()} == {
        CLAIMS_PROJECTION: 3,
        BALANCES_PROJECTION: 3,
        CLAIM_VIEWS_PROJECTION: 3,
    }
    institutional_total = institutional_claim().total_charge
    with engine.connect() as conn:
        first = queries.get_claim(conn, ORG, ids[0])
        pcn1 = queries.get_account(conn, ORG, f"{ORG}:PCN-1")
        pcn2 = queries.get_account(conn, ORG, f"{ORG}:PCN-2")
    assert first is not None and pcn1 is not None and pcn2 is not None
    assert (first.status, first.payer.payer_id, first.total_charge) == (
        "created",
        "87726",
        Decimal("145.00"),
    )
    assert first.created_at == T0
    assert pcn1.charges == pcn1.insurance_ar == pcn1.balance == Decimal("240.10")
    assert (pcn1.patient_ar, pcn1.payments, pcn1.adjustments) == (Decimal("0.00"),) * 3
    assert pcn1.claim_ids == ids[:2]
    assert pcn2.charges == institutional_total
    assert pcn2.claim_count == 1


def test_a_lifecycle_event_moves_the_claim_status(engine: Engine, intake: IntakeDeps) -> None:
    [claim_id, *_] = _morning(intake)
    submitted = ClaimSubmitted(
        claim_id=claim_id,
        payer_id="87726",
        batch_id="b-1",
        interchange_control_number="000000101",
        total_charge=Decimal("145.00"),
    )
    intake.store.append(
        claim_id,
        1,
        [
            to_envelope(
                submitted, stream_version=2, occurred_at=T0, organization_id=ORG, producer="claims"
            )
        ],
    )
    followup_bootstrap.embedded_runner(intake.store, engine).run_until_caught_up()
    with engine.connect() as conn:
        claim = queries.get_claim(conn, ORG, claim_id)
    assert claim is not None and claim.status == "submitted"


def test_an_event_for_an_unknown_claim_is_dead_lettered_and_later_claims_still_apply(
    engine: Engine, intake: IntakeDeps
) -> None:
    stray = ClaimSubmitted(
        claim_id="clm_never_created",
        payer_id="87726",
        batch_id="b-1",
        interchange_control_number="000000101",
        total_charge=Decimal("1.00"),
    )
    intake.store.append(
        "clm_never_created",
        0,
        [
            to_envelope(
                stray, stream_version=1, occurred_at=T0, organization_id=ORG, producer="claims"
            )
        ],
    )
    ids = _morning(intake)
    totals = followup_bootstrap.embedded_runner(intake.store, engine).run_until_caught_up()
    assert totals[CLAIMS_PROJECTION].dead_lettered == 1
    assert totals[CLAIMS_PROJECTION].applied == 3
    with engine.connect() as conn:
        assert queries.get_claim(conn, ORG, ids[-1]) is not None
        [error] = conn.execute(
            sa.select(tracking.dead_letters.c.error).where(
                tracking.dead_letters.c.projection == CLAIMS_PROJECTION
            )
        ).scalars()
    assert "clm_never_created" in error


def test_a_stored_v1_claim_created_is_upcast_with_its_account(
    engine: Engine, intake: IntakeDeps
) -> None:
    old = ClaimCreatedV1(
        claim_id="clm_legacy",
        organization_id=ORG,
        claim=snapshot_v1(professional_claim(patient_control_number="PCN-OLD")),
    )
    intake.store.append(
        "clm_legacy",
        0,
        [
            to_envelope(
                old, stream_version=1, occurred_at=T0, organization_id=ORG, producer="intake"
            )
        ],
    )
    followup_bootstrap.embedded_runner(intake.store, engine).run_until_caught_up()
    with engine.connect() as conn:
        account = queries.get_account(conn, ORG, f"{ORG}:PCN-OLD")
    assert account is not None and account.charges == Decimal("145.00")


@pytest.mark.parametrize("name", sorted(PROJECTIONS))
def test_a_rebuilt_projection_equals_the_live_one(
    engine: Engine, intake: IntakeDeps, name: str
) -> None:
    _morning(intake)
    runner = followup_bootstrap.embedded_runner(intake.store, engine)
    runner.run_until_caught_up()
    submit(intake, professional_claim(patient_control_number="PCN-3"))
    runner.run_until_caught_up()  # live: applied in two passes
    live = snapshot(engine)
    with engine.connect() as conn:
        live_tracked = tracking.count_applied(conn, name)

    result = rebuild_embedded(intake.store, engine, name)

    assert result.applied == 4
    assert snapshot(engine) == live
    with engine.connect() as conn:
        assert tracking.count_applied(conn, name) == live_tracked == 4


def test_rebuild_really_drops_the_read_model_first(engine: Engine, intake: IntakeDeps) -> None:
    _morning(intake)
    followup_bootstrap.embedded_runner(intake.store, engine).run_until_caught_up()
    with engine.begin() as conn:
        # Corrupt the live model: a rebuild must not keep this.
        conn.execute(accounts.update().values(charges=Decimal("9999.99")))
    rebuild_embedded(intake.store, engine, BALANCES_PROJECTION)
    with engine.connect() as conn:
        charges = set(conn.execute(sa.select(accounts.c.charges)).scalars())
    assert Decimal("9999.99") not in charges
