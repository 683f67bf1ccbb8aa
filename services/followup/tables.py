"""Follow-up read-model tables: claims (with lines), claim views, balances, work queues.

Every key starts with the organization, its own column: an account id is the organization
and the patient control number joined by ':' (`shared.events.patient_account`), so
`acme` + `north:1` and `acme:north` + `1` spell the same text; keyed by (organization,
account) they stay two accounts. A database made before the organization joined the keys
drops these tables and rebuilds them (`revcycle projections rebuild NAME`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from shared.eventstore.schema import AwareDateTime

CENT = Decimal("0.01")


class MoneyColumn(TypeDecorator[Decimal]):
    """Exact two-place money: NUMERIC(14,2) on PostgreSQL, integer cents on SQLite.

    SQLite has no decimal type (NUMERIC there is a float), so cents are stored as integers
    there; `balance + :amount` stays exact in SQL on both backends.
    """

    impl = sa.Numeric(14, 2)
    cache_ok = True

    def __init__(self, precision: int = 14) -> None:
        super().__init__()
        self.precision = precision

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(self.precision, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, never float")
        amount = Decimal(value).quantize(CENT)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)

    def coerce_compared_value(self, op: Any, value: Any) -> sa.types.TypeEngine[Any]:
        # `column + Decimal(...)` must bind the amount through this type (cents on SQLite).
        return self


# One claim's amounts fit NUMERIC(14,2) (intake bounds every amount to 10 integer digits);
# an account sums many claims, so its columns have six more digits of room.
ACCOUNT_PRECISION = 18

followup_metadata = sa.MetaData()

claims = sa.Table(
    "followup_claims",
    followup_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(200), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("patient_control_number", sa.String(38), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("payer_name", sa.String(200), nullable=False),
    sa.Column("frequency", sa.String(2), nullable=False),
    sa.Column("total_charge", MoneyColumn(), nullable=False),
    sa.Column("first_service_date", sa.Date, nullable=True),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("created_at", AwareDateTime(), nullable=False),
    sa.Column("updated_at", AwareDateTime(), nullable=False),
    sa.Index("ix_followup_claims_account", "organization_id", "account_id"),
)

claim_lines = sa.Table(
    "followup_claim_lines",
    followup_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    # Keyed by the line's place in the claim, not its number: a claim with a repeated line
    # number is still projected (the scrubber holds it and names the line).
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("line_number", sa.Integer, nullable=False),
    sa.Column("procedure_code", sa.String(20), nullable=True),
    sa.Column("revenue_code", sa.String(10), nullable=True),
    sa.Column("modifiers", sa.String(20), nullable=False, default=""),
    sa.Column("units", sa.String(20), nullable=False),  # exact decimal text (SQLite has none)
    sa.Column("charge", MoneyColumn(), nullable=False),
    sa.Column("service_date", sa.Date, nullable=True),
    sa.ForeignKeyConstraint(
        ["organization_id", "claim_id"],
        ["followup_claims.organization_id", "followup_claims.claim_id"],
        ondelete="CASCADE",
    ),
)

views_metadata = sa.MetaData()

claim_views = sa.Table(
    # One JSON document per claim: services.followup.claim_view.ClaimView.
    "followup_claim_views",
    views_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("view", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
)

RETIRED_ACCOUNTS_TABLE = "followup_account_balances"


class OutdatedReadModel(RuntimeError):
    """A read-model table was made before the organization joined its key."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"read-model tables {', '.join(names)} predate the organization-scoped keys or "
            "the per-claim ledger: drop them (DROP TABLE ... CASCADE), then run `revcycle "
            "projections rebuild followup.claims` and `... followup.account_balances` "
            "(embedded demo: "
            "`revcycle demo --fresh`)"
        )


def outdated_tables(engine: sa.Engine) -> list[str]:
    """Existing follow-up tables whose primary key is not the one declared here."""
    inspector = sa.inspect(engine)
    outdated = []
    # Balances were one summed row per account before the per-claim ledger: that table's
    # projection tracking would say every event was applied to the new tables.
    if inspector.has_table(RETIRED_ACCOUNTS_TABLE):
        outdated.append(RETIRED_ACCOUNTS_TABLE)
    for table in (claims, claim_lines):
        if not inspector.has_table(table.name):
            continue
        existing = inspector.get_pk_constraint(table.name)["constrained_columns"]
        if list(existing) != [column.name for column in table.primary_key.columns]:
            outdated.append(table.name)
    return outdated


# --- balances: each claim's ledger and its journal of A/R movements ---------------------------

ledger_metadata = sa.MetaData()

claim_balances = sa.Table(
    # One row per claim: services.followup.ledger.ClaimFacts, key amounts as columns.
    "followup_claim_balances",
    ledger_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(200), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("charge", MoneyColumn(), nullable=False),
    sa.Column("insurance_balance", MoneyColumn(), nullable=False),
    sa.Column("patient_balance", MoneyColumn(), nullable=False),
    sa.Column("service_date", sa.Date, nullable=True),
    sa.Column("last_billed_on", sa.Date, nullable=True),
    sa.Column("facts", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    sa.Index("ix_followup_claim_balances_account", "organization_id", "account_id"),
)

ledger_entries = sa.Table(
    # Every movement of a claim's insurance or patient A/R, with its posting day.
    "followup_ledger_entries",
    ledger_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("stream_version", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.String(200), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("bucket", sa.String(10), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("amount", MoneyColumn(), nullable=False),
    sa.Column("posted_on", sa.Date, nullable=False),
    sa.Index("ix_followup_ledger_entries_posted", "organization_id", "posted_on"),
)

account_credits = sa.Table(
    # Patient payments left unapplied (the account's credit), one row per payment.
    "followup_account_credits",
    ledger_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("account_id", sa.String(200), primary_key=True),
    sa.Column("payment_id", sa.String(64), primary_key=True),
    sa.Column("amount", MoneyColumn(), nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
)

account_statements = sa.Table(
    # Statements issued per account (the newest drives the next dunning level).
    "followup_account_statements",
    ledger_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("account_id", sa.String(200), primary_key=True),
    sa.Column("statement_id", sa.String(64), primary_key=True),
    sa.Column("statement_number", sa.Integer, nullable=False),
    sa.Column("statement_date", sa.Date, nullable=False),
    sa.Column("balance_due", MoneyColumn(), nullable=False),
    sa.Column("dunning_level", sa.Integer, nullable=False),
    sa.Column("event", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
)

# --- work queues --------------------------------------------------------------------------------

queues_metadata = sa.MetaData()

work_items = sa.Table(
    "followup_work_items",
    queues_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
    sa.Column("queue", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open | resolved | closed
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("account_id", sa.String(200), nullable=True),
    sa.Column("payer_id", sa.String(80), nullable=True),
    sa.Column("reference", sa.String(220), nullable=True),
    sa.Column("amount_at_stake", MoneyColumn(), nullable=False),
    sa.Column("risk_of_loss", sa.String(8), nullable=False),  # exact decimal text
    sa.Column("priority", MoneyColumn(), nullable=False),
    sa.Column("age_from", sa.Date, nullable=False),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("claim_expires_at", AwareDateTime(), nullable=True),
    sa.Column("assignee", sa.String(200), nullable=True),
    sa.Column("snoozed_until", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("opened_at", AwareDateTime(), nullable=False),
    sa.Column("updated_at", AwareDateTime(), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Index("ix_followup_work_items_queue", "organization_id", "status", "queue", "priority"),
    sa.Index("ix_followup_work_items_claim", "organization_id", "claim_id"),
)

work_item_history = sa.Table(
    "followup_work_item_history",
    queues_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
    sa.Column("stream_version", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("account_id", sa.String(200), nullable=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("at", AwareDateTime(), nullable=False),
    sa.Column("by", sa.String(200), nullable=True),
    sa.Column("summary", sa.String(4200), nullable=False),
    sa.Index("ix_followup_work_item_history_claim", "organization_id", "claim_id"),
)
