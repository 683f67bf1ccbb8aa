"""Follow-up projections: the claims read model and patient account balances, from claim events.

Handlers are plain functions `(conn, event, envelope)` registered at the bottom of the
module; the runtime (Kafka consumer or embedded runner) calls them inside the transaction
that also records what was applied. Balances change with SQL arithmetic in an upsert
(`x = x + excluded.x`), so two consumers touching one account from different partitions
never lose an update.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from services.followup import claim_view
from services.followup.claim_view import STATUS_AFTER, ClaimView
from services.followup.tables import (
    accounts,
    balances_metadata,
    claim_lines,
    claim_views,
    claims,
    followup_metadata,
    views_metadata,
)
from shared.events.claims import ClaimCreated, ClaimSecondaryOpened
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode as decode_event
from shared.events.registry import registry
from shared.eventstore.schema import AwareDateTime
from shared.messaging.projection import EventHandler, Projection

CLAIMS_PROJECTION = "followup.claims"
BALANCES_PROJECTION = "followup.account_balances"
CLAIM_VIEWS_PROJECTION = "followup.claim_views"

ZERO = Decimal("0.00")


class ProjectionInconsistency(RuntimeError):
    """An event refers to something the read model has never seen (dead-lettered, visible)."""


# --- claims read model ------------------------------------------------------------------------


# Statements are built once: building SQLAlchemy expressions per event cost more than the
# database work itself (see bench/results/projections.md).
_INSERT_CLAIM = claims.insert()
_INSERT_LINES = claim_lines.insert()
_SET_STATUS = (
    claims.update()
    .where(
        claims.c.organization_id == sa.bindparam("p_organization_id"),
        claims.c.claim_id == sa.bindparam("p_claim_id"),
    )
    .values(
        status=sa.bindparam("p_status"),
        stream_version=sa.bindparam("p_version"),
        updated_at=sa.bindparam("p_at", type_=AwareDateTime()),
    )
)


def _account_upsert(dialect_insert: Any) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE adding to the balances: one round trip, and no
    race between two consumers opening the same account from different partitions."""
    insert = dialect_insert(accounts)
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[accounts.c.organization_id, accounts.c.account_id],
        set_={
            "charges": accounts.c.charges + excluded.charges,
            "insurance_ar": accounts.c.insurance_ar + excluded.insurance_ar,
            "patient_ar": accounts.c.patient_ar + excluded.patient_ar,
            "payments": accounts.c.payments + excluded.payments,
            "adjustments": accounts.c.adjustments + excluded.adjustments,
            "claim_count": accounts.c.claim_count + excluded.claim_count,
            "updated_at": excluded.updated_at,
        },
    )


_ACCOUNT_UPSERTS = {
    "postgresql": _account_upsert(postgresql_insert),
    "sqlite": _account_upsert(sqlite_insert),
}


def add_claim(
    conn: Connection, event: ClaimCreated | ClaimSecondaryOpened, envelope: EventEnvelope
) -> None:
    claim = event.claim
    at = envelope.occurred_at
    conn.execute(
        _INSERT_CLAIM,
        {
            "claim_id": event.claim_id,
            "organization_id": event.organization_id,
            "account_id": event.account_id,
            "status": "created",
            "kind": claim.kind.value,
            "patient_control_number": claim.patient_control_number,
            "payer_id": claim.payer.payer_id,
            "payer_name": claim.payer.name,
            "frequency": claim.frequency.value,
            "total_charge": claim.total_charge,
            "first_service_date": claim.first_service_date,
            "stream_version": envelope.stream_version,
            "created_at": at,
            "updated_at": at,
        },
    )
    conn.execute(
        _INSERT_LINES,
        [
            {
                "organization_id": event.organization_id,
                "claim_id": event.claim_id,
                "position": position,
                "line_number": line.line_number,
                "procedure_code": line.procedure_code,
                "revenue_code": line.revenue_code,
                "modifiers": ":".join(line.modifiers),
                "units": format(line.units, "f"),
                "charge": line.charge,
                "service_date": line.service_date,
            }
            for position, line in enumerate(claim.lines, start=1)
        ],
    )


def _status_setter(status: str) -> EventHandler:
    """A handler moving the claim to `status`: lifecycle events beyond intake slot in here."""

    def set_status(conn: Connection, event: object, envelope: EventEnvelope) -> None:
        changed = conn.execute(
            _SET_STATUS,
            {
                "p_organization_id": envelope.organization_id,
                "p_claim_id": envelope.stream_id,
                "p_status": status,
                "p_version": envelope.stream_version,
                "p_at": envelope.occurred_at,
            },
        )
        if changed.rowcount != 1:
            raise ProjectionInconsistency(
                f"{envelope.type} for claim {envelope.stream_id} which the read model does not hold"
            )

    set_status.__name__ = f"set_status_{status}"
    return set_status


# --- account balances -------------------------------------------------------------------------


def _add_to_account(
    conn: Connection,
    *,
    account_id: str,
    organization_id: str,
    at: datetime,
    charges: Decimal = ZERO,
    insurance_ar: Decimal = ZERO,
    patient_ar: Decimal = ZERO,
    payments: Decimal = ZERO,
    adjustments: Decimal = ZERO,
    claims_added: int = 0,
) -> None:
    conn.execute(
        _ACCOUNT_UPSERTS[conn.dialect.name],
        {
            "account_id": account_id,
            "organization_id": organization_id,
            "charges": charges,
            "insurance_ar": insurance_ar,
            "patient_ar": patient_ar,
            "payments": payments,
            "adjustments": adjustments,
            "claim_count": claims_added,
            "updated_at": at,
        },
    )


def charge_account(conn: Connection, event: ClaimCreated, envelope: EventEnvelope) -> None:
    """A new claim's charges are billed to insurance: they enter charges and insurance A/R."""
    total = event.claim.total_charge
    _add_to_account(
        conn,
        account_id=event.account_id,
        organization_id=event.organization_id,
        at=envelope.occurred_at,
        charges=total,
        insurance_ar=total,
        claims_added=1,
    )


# --- registration -----------------------------------------------------------------------------

CLAIM_HANDLERS: dict[str, EventHandler] = {
    "claim.created": add_claim,
    # A secondary claim's stream opens with its content instead of claim.created.
    "claim.secondary_opened": add_claim,
    # One list of statuses for the table and the claim view (claim_view.STATUS_AFTER).
    **{
        event_type: _status_setter(status)
        for event_type, status in STATUS_AFTER.items()
        if event_type not in ("claim.created", "claim.secondary_opened")
    },
}


# --- claim views (the whole story of one claim, as a JSON document) ---------------------------


def update_claim_view(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    """Fold one event into its claim's view (read, fold, write: one row per claim)."""
    key = (claim_views.c.organization_id == envelope.organization_id) & (
        claim_views.c.claim_id == envelope.stream_id
    )
    stored = conn.execute(sa.select(claim_views.c.view).where(key)).scalar_one_or_none()
    before = ClaimView.model_validate(stored) if stored is not None else None
    after = claim_view.fold(before, event, envelope)
    document = after.model_dump(mode="json")
    if before is None:
        conn.execute(
            claim_views.insert().values(
                organization_id=envelope.organization_id,
                claim_id=envelope.stream_id,
                stream_version=envelope.stream_version,
                view=document,
            )
        )
    else:
        conn.execute(
            claim_views.update()
            .where(key)
            .values(stream_version=envelope.stream_version, view=document)
        )


VIEW_HANDLERS: dict[str, EventHandler] = {
    # Every claim event adds to the timeline, including types registered after this module.
    event_type: update_claim_view
    for event_type in registry.event_types()
    if event_type.startswith("claim.")
}

BALANCE_HANDLERS: dict[str, EventHandler] = {
    "claim.created": charge_account,
}

claims_projection = Projection(CLAIMS_PROJECTION, followup_metadata, CLAIM_HANDLERS)
claim_views_projection = Projection(CLAIM_VIEWS_PROJECTION, views_metadata, VIEW_HANDLERS)
balances_projection = Projection(BALANCES_PROJECTION, balances_metadata, BALANCE_HANDLERS)

PROJECTIONS: dict[str, Projection] = {
    p.name: p for p in (claims_projection, claim_views_projection, balances_projection)
}

decode_payload = decode_event
"""Typed event from an envelope (shared registry; old versions upcast)."""
