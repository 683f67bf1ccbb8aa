"""A database whose follow-up tables predate the organization-scoped keys is refused at start
with what to do, instead of dead-lettering every event against the old shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from services.followup import bootstrap as followup_bootstrap
from services.followup.tables import OutdatedReadModel
from shared.db import create_db_engine


def test_balances_keyed_by_account_alone_are_refused_naming_the_table_and_the_fix(
    tmp_path: Path,
) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TABLE followup_account_balances (account_id VARCHAR(200) PRIMARY KEY,"
                    " organization_id VARCHAR(100) NOT NULL, charges BIGINT NOT NULL,"
                    " insurance_ar BIGINT NOT NULL, patient_ar BIGINT NOT NULL,"
                    " payments BIGINT NOT NULL, adjustments BIGINT NOT NULL,"
                    " claim_count INTEGER NOT NULL, updated_at VARCHAR NOT NULL)"
                )
            )
        with pytest.raises(OutdatedReadModel, match="followup_account_balances") as raised:
            followup_bootstrap.prepare_database(engine)
        assert "projections rebuild" in str(raised.value)

        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE followup_account_balances"))
        followup_bootstrap.prepare_database(engine)  # the current shape: accepted
    finally:
        engine.dispose()
