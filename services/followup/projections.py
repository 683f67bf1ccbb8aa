"""Follow-up projections: claims, claim views, balances (ledger and journal), work queues.

Handlers are plain functions `(conn, event, envelope)` registered at the bottom of the
module; the runtime (Kafka consumer or embedded runner) calls them inside the transaction
that also records what was applied. Balances are kept per claim (one row, one stream, so
one partition writes it) and summed per account when read, so two partitions touching one
account never contend for a row.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.followup import claim_view, ledger
from services.followup.batch_cache import TransactionCache
from services.followup.claim_view import STATUS_AFTER, ClaimView
from services.followup.queue_projection import work_queues_projection
from services.followup.tables import (
    account_credits,
    account_statements,
    claim_balances,
    claim_lines,
    claim_views,
    claims,
    followup_metadata,
    ledger_entries,
    ledger_metadata,
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


# --- balances: each claim's ledger and the journal of its A/R ---------------------------------

# What this transaction last wrote per claim: the next event of the claim in the same batch
# folds it without reading the row back (services/followup/batch_cache.py).
_ledger_facts: TransactionCache[tuple[str, str], ledger.ClaimFacts] = TransactionCache()
_claim_views: TransactionCache[tuple[str, str], ClaimView] = TransactionCache()


def post_to_ledger(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    """Fold one claim event into the claim's ledger row and journal its A/R movements."""
    org, claim_id = envelope.organization_id, envelope.stream_id
    key = (claim_balances.c.organization_id == org) & (claim_balances.c.claim_id == claim_id)
    folded = _ledger_facts.of(conn)
    if (org, claim_id) in folded:
        before: ledger.ClaimFacts | None = folded[(org, claim_id)]
    else:
        stored = conn.execute(sa.select(claim_balances.c.facts).where(key)).scalar_one_or_none()
        before = ledger.ClaimFacts.model_validate(stored) if stored is not None else None
    facts, entries = ledger.fold(before, event, envelope)
    folded[(org, claim_id)] = facts
    values = {
        "account_id": facts.account_id,
        "payer_id": facts.payer_id,
        "status": facts.status,
        "charge": facts.charge,
        "insurance_balance": facts.insurance_balance,
        "patient_balance": facts.patient_balance,
        "service_date": facts.service_date,
        "last_billed_on": facts.last_billed_on,
        "facts": facts.model_dump(mode="json"),
    }
    if before is None:
        conn.execute(
            claim_balances.insert().values(organization_id=org, claim_id=claim_id, **values)
        )
    else:
        conn.execute(claim_balances.update().where(key).values(**values))
    if entries:
        conn.execute(
            ledger_entries.insert(),
            [
                {
                    "organization_id": org,
                    "claim_id": claim_id,
                    "stream_version": envelope.stream_version,
                    "seq": seq,
                    "account_id": facts.account_id,
                    "payer_id": facts.payer_id,
                    "bucket": entry.bucket,
                    "kind": entry.kind,
                    "amount": entry.amount,
                    "posted_on": entry.posted_on,
                }
                for seq, entry in enumerate(entries, start=1)
            ],
        )


def record_credit(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    """A patient payment's unapplied part stays on the account as a credit."""
    if event.unapplied > 0:
        conn.execute(
            account_credits.insert().values(
                organization_id=envelope.organization_id,
                account_id=event.account_id,
                payment_id=event.payment_id,
                amount=event.unapplied,
                received_on=event.received_on,
            )
        )


def record_statement(conn: Connection, event: Any, envelope: EventEnvelope) -> None:
    conn.execute(
        account_statements.insert().values(
            organization_id=envelope.organization_id,
            account_id=event.account_id,
            statement_id=event.statement_id,
            statement_number=event.statement_number,
            statement_date=event.statement_date,
            balance_due=event.balance_due,
            dunning_level=event.dunning_level,
            event=event.model_dump(mode="json"),
        )
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
    folded = _claim_views.of(conn)
    at = (envelope.organization_id, envelope.stream_id)
    if at in folded:
        before: ClaimView | None = folded[at]
    else:
        stored = conn.execute(sa.select(claim_views.c.view).where(key)).scalar_one_or_none()
        before = ClaimView.model_validate(stored) if stored is not None else None
    after = claim_view.fold(before, event, envelope)
    folded[at] = after
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
    # Every claim event: the ledger keeps the status and dates even when no money moves.
    **{t: post_to_ledger for t in registry.event_types() if t.startswith("claim.")},
    "patient_account.payment_received": record_credit,
    "patient_account.statement_issued": record_statement,
}

claims_projection = Projection(CLAIMS_PROJECTION, followup_metadata, CLAIM_HANDLERS)
claim_views_projection = Projection(CLAIM_VIEWS_PROJECTION, views_metadata, VIEW_HANDLERS)
balances_projection = Projection(BALANCES_PROJECTION, ledger_metadata, BALANCE_HANDLERS)

PROJECTIONS: dict[str, Projection] = {
    p.name: p
    for p in (
        claims_projection,
        claim_views_projection,
        balances_projection,
        work_queues_projection,
    )
}

decode_payload = decode_event
"""Typed event from an envelope (shared registry; old versions upcast)."""
