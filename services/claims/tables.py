"""The claims service's own tables: its index of claims, its outbound files and what it matched.

- `claims_index`: one row per claim, kept by the `claims.index` projection from the claim
  stream (status by the domain's transition table): the submission, timely-filing and
  status-inquiry jobs find their claims here, `claims show PCN` finds a claim by its CLM01.
- `claims_outbound_files`: each batch's file bytes, written with `claim_batch.prepared` and
  kept until `claim_batch.sent`: a crash in between is finished by sending these bytes.
- `claims_batch_sets` / `claims_batch_claims`: what each batch carried (control numbers,
  BHT03, claims and their CLM01), written with the batch, so a 999, TA1 or 277CA finds its
  claims; `claims_inquiries`: each 276 trace number and its claim, for the 277.
- `claims_ingested_files`: every acknowledgment file applied (by SHA-256): the same file
  twice changes nothing.
- `claims_unmatched`: acknowledgments that matched nothing, or a claim twice: the review
  list behind `GET /v1/exchange/unmatched`; nothing is dropped.

Every key starts with the organization. Money is text here (Decimal's string form): these
tables never add amounts up.
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.eventstore.schema import AwareDateTime

claims_metadata = sa.MetaData()
"""Tables written by the claims service's commands and jobs (created at start)."""

index_metadata = sa.MetaData()
"""The claims index projection's table (dropped and rebuilt with it)."""

claims_index = sa.Table(
    "claims_index",
    index_metadata,
    sa.Column("organization_id", sa.String(64), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=True),
    sa.Column("patient_control_number", sa.String(38), nullable=True),
    sa.Column("kind", sa.String(16), nullable=True),
    sa.Column("limit_starts", sa.Date, nullable=True),
    sa.Column("last_submitted_at", AwareDateTime(), nullable=True),
    sa.Column("last_status_request_at", AwareDateTime(), nullable=True),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("created_at", AwareDateTime(), nullable=False),
    sa.Column("updated_at", AwareDateTime(), nullable=False),
    sa.Index("ix_claims_index_status", "status", "organization_id"),
    sa.Index("ix_claims_index_pcn", "organization_id", "patient_control_number"),
)

outbound_files = sa.Table(
    "claims_outbound_files",
    claims_metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("transaction", sa.String(8), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("prepared_at", AwareDateTime(), nullable=False),
    sa.Column("sent_at", AwareDateTime(), nullable=True),
    sa.Column("location", sa.Text, nullable=True),
    sa.Index("ix_claims_outbound_unsent", "sent_at"),
)

batch_sets = sa.Table(
    "claims_batch_sets",
    claims_metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("transaction", sa.String(8), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("payer_id", sa.String(80), nullable=False),
    sa.Column("sender_id", sa.String(15), nullable=False),
    sa.Column("interchange_control_number", sa.String(9), nullable=False),
    sa.Column("group_control_number", sa.String(9), nullable=False),
    sa.Column("transaction_set_control_number", sa.String(9), nullable=False),
    sa.Column("reference", sa.String(50), nullable=False),
    sa.Column("created_at", AwareDateTime(), nullable=False),
    sa.Index(
        "ix_claims_batch_sets_group", "group_control_number", "transaction_set_control_number"
    ),
    sa.Index("ix_claims_batch_sets_interchange", "interchange_control_number"),
    sa.Index("ix_claims_batch_sets_reference", "reference"),
)

batch_claims = sa.Table(
    "claims_batch_claims",
    claims_metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("patient_control_number", sa.String(38), nullable=False),
    sa.Column("charge", sa.String(20), nullable=False),
    sa.Index("ix_claims_batch_claims_pcn", "batch_id", "patient_control_number"),
)

inquiries = sa.Table(
    "claims_inquiries",
    claims_metadata,
    sa.Column("trace_number", sa.String(50), primary_key=True),
    sa.Column("batch_id", sa.String(64), nullable=False),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=False),
)

ingested_files = sa.Table(
    "claims_ingested_files",
    claims_metadata,
    sa.Column("organization_id", sa.String(64), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("transaction", sa.String(8), nullable=False),
    sa.Column("ingested_at", AwareDateTime(), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)

unmatched = sa.Table(
    "claims_unmatched",
    claims_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.String(64), nullable=False),
    sa.Column("received_at", AwareDateTime(), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("transaction", sa.String(8), nullable=False),
    sa.Column("reference", sa.String(120), nullable=False),
    sa.Column("patient_control_number", sa.String(38), nullable=True),
    sa.Column("claim_id", sa.String(64), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index("ix_claims_unmatched_org", "organization_id", "id"),
)
