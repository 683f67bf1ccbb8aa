"""The posting scenarios of `tests/unit/remit/test_remit_posting.py` on real PostgreSQL.

The same tests, collected here with a `world` on a PostgreSQL database (one per module,
each test in its own organization so their claims never meet); every scenario still ends
with the ledger audit, and the module ends with one over the whole database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from services.remit.audit import audit_ledger
from shared.eventstore.sql import SqlEventStore
from tests.unit.remit.test_remit_posting import (  # noqa: F401 (collected here again)
    test_a_claim_that_does_not_balance_refuses_the_file_whole,
    test_a_denial_stays_open_with_its_reason_and_queue_never_a_write_off,
    test_a_dropped_or_reordered_modifier_still_matches_the_line,
    test_a_file_whose_bpr02_is_not_the_claims_less_plb_is_refused,
    test_a_paid_claim_posts_paid_allowed_and_every_adjustment_with_the_remittance,
    test_a_reversal_undoes_the_posting_exactly_and_the_corrected_payment_posts_anew,
    test_an_unmatched_payment_is_listed_with_its_amounts_and_posts_when_matched_by_hand,
    test_claims_are_found_by_payer_claim_number_then_patient_dates_and_charge,
    test_one_check_split_across_two_files_posts_each_payment_once,
    test_patient_responsibility_moves_to_the_patient_and_contractual_is_no_payment,
    test_plb_is_recorded_on_the_remittance_not_on_a_claim,
    test_the_same_file_twice_posts_once_and_says_duplicate,
    test_the_same_payer_and_trace_number_in_other_bytes_is_a_duplicate,
)
from testsupport.remit import RemitWorld


@pytest.fixture
def world(postgres_url: str, tmp_path: Path) -> Iterator[RemitWorld]:
    w = RemitWorld(
        tmp_path, database_url=postgres_url, organization_id=f"org-{uuid.uuid4().hex[:12]}"
    )
    try:
        yield w
        w.audit()
    finally:
        w.close()


def test_the_whole_database_balances_after_every_scenario(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        result = audit_ledger(SqlEventStore(engine), engine)
    finally:
        engine.dispose()
    assert result.ok, result.first_difference
    assert result.claims > 0 and result.remittances > 0
