"""The remit service's own tables: what it knows besides the events it appends.

- `remit_claim_index` / `remit_claim_numbers`: the claims an 835 can be matched to (a
  projection of claim events: patient control number, payer, patient, dates, charge, the
  payer's claim numbers); dropped and rebuilt like any read model.
- `remit_remittances` / `remit_claim_payments`: one row per 835 transaction set taken, and
  one per claim payment in it with what became of it (posted, unmatched, duplicate...);
  written in the same transaction as the events, they make posting resumable after a crash
  and recognise a payment seen before (`dedup_key`).
- `remit_fee_schedules`: per-payer contracts. `remit_deposits`: money at the bank, matched to
  835s by trace number and amount (`remit_trace_locks` serialises matching per trace).

Money is kept as exact decimal text (SQLite has no decimal type); every key starts with the
organization.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.eventstore.schema import AwareDateTime

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
MONEY_TEXT = 24  # "-9999999999999.99" and then some

index_metadata = sa.MetaData()
remit_metadata = sa.MetaData()

claim_index = sa.Table(
    "remit_claim_index",
    index_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("patient_control_number", sa.String(38), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("patient_key", sa.String(200), nullable=False),
    sa.Column("member_id", sa.String(80), nullable=True),
    sa.Column("service_from", sa.Date, nullable=True),
    sa.Column("service_to", sa.Date, nullable=True),
    sa.Column("total_charge", sa.String(MONEY_TEXT), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Index("ix_remit_claim_index_pcn", "organization_id", "patient_control_number"),
    sa.Index("ix_remit_claim_index_patient", "organization_id", "patient_key"),
)

claim_numbers = sa.Table(
    "remit_claim_numbers",
    index_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("payer_claim_number", sa.String(50), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
)

remittances = sa.Table(
    "remit_remittances",
    remit_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("remittance_id", sa.String(64), primary_key=True),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("set_index", sa.Integer, nullable=False),
    sa.Column("file_name", sa.String(255), nullable=True),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("payer_name", sa.String(200), nullable=False),
    sa.Column("trace_number", sa.String(50), nullable=False),
    sa.Column("payment_amount", sa.String(MONEY_TEXT), nullable=False),
    sa.Column("payment_method", sa.String(10), nullable=False),
    sa.Column("payment_date", sa.Date, nullable=False),
    sa.Column("claim_count", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # posting | complete
    sa.Column("deposit_id", sa.String(64), nullable=True),
    sa.Column("created_at", AwareDateTime(), nullable=False),
    sa.Column("completed_at", AwareDateTime(), nullable=True),
    sa.UniqueConstraint("organization_id", "file_sha256", "set_index", name="uq_remit_file_set"),
    sa.Index("ix_remit_remittances_trace", "organization_id", "trace_number"),
)

claim_payments = sa.Table(
    "remit_claim_payments",
    remit_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("remittance_id", sa.String(64), primary_key=True),
    sa.Column("claim_index", sa.Integer, primary_key=True),
    sa.Column("dedup_key", sa.String(64), nullable=False),
    sa.Column("result", sa.String(20), nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("event_type", sa.String(40), nullable=True),
    sa.Column("paid", sa.String(MONEY_TEXT), nullable=False),
    sa.Column("summary", JSON, nullable=False),
    sa.Column("duplicate_of", sa.String(64), nullable=True),
    sa.Column("updated_at", AwareDateTime(), nullable=False),
    sa.Index("ix_remit_claim_payments_result", "organization_id", "result"),
)

# One row per payment actually taken (posted or held unmatched): a payment seen again in any
# later file (same payer, trace, claim and amounts) finds its key here and is a duplicate.
payment_keys = sa.Table(
    "remit_payment_keys",
    remit_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("dedup_key", sa.String(64), primary_key=True),
    sa.Column("remittance_id", sa.String(64), nullable=False),
    sa.Column("claim_index", sa.Integer, nullable=False),
)

fee_schedules = sa.Table(
    "remit_fee_schedules",
    remit_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("payer_id", sa.String(80), primary_key=True),
    sa.Column("document", JSON, nullable=False),
    sa.Column("updated_at", AwareDateTime(), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)

deposits = sa.Table(
    "remit_deposits",
    remit_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("deposit_id", sa.String(64), primary_key=True),
    sa.Column("deposit_key", sa.String(64), nullable=False),
    sa.Column("trace_number", sa.String(50), nullable=False),
    sa.Column("amount", sa.String(MONEY_TEXT), nullable=False),
    sa.Column("deposit_date", sa.Date, nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=True),
    sa.Column("reference", sa.String(80), nullable=True),
    sa.Column("matched", sa.Boolean, nullable=False),
    sa.Column("created_at", AwareDateTime(), nullable=False),
    sa.UniqueConstraint("organization_id", "deposit_key", name="uq_remit_deposit_key"),
    sa.Index("ix_remit_deposits_trace", "organization_id", "trace_number"),
)

trace_locks = sa.Table(
    "remit_trace_locks",
    remit_metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("trace_number", sa.String(50), primary_key=True),
)
