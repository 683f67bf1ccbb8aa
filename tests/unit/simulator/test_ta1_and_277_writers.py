"""The two writers this issue adds to shared/x12: TA1 and the 277 (X212) claim status response."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.pyx12_judge import judge
from shared.x12.reader import parse
from shared.x12.validation import validate
from shared.x12.x12_276_005010X212.writer import status_inquiry_for_claim
from shared.x12.x12_277_005010X212.models import Transaction277
from shared.x12.x12_277_005010X212.writer import (
    ClaimStatusResponse,
    StatusResponseWriteError,
    write_277,
)
from shared.x12.x12_ta1_005010.reader import read_ta1
from shared.x12.x12_ta1_005010.writer import InterchangeAcknowledgment, Ta1WriteError, write_ta1
from testsupport.claims import professional_claim, professional_claim_child_patient
from testsupport.x12 import SUBMITTER

NOW = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)


def test_a_ta1_rejection_reads_back_and_passes_both_validators() -> None:
    text = write_ta1(
        [InterchangeAcknowledgment("000000001", "260311", "0930", "R", "001")],
        sender=Party("CLEARX"),
        receiver=Party("RIVERBEND01"),
        created_at=NOW,
        numbers=InMemoryControlNumbers(),
    )
    assert text.splitlines()[1:] == ["TA1*000000001*260311*0930*R*001~", "IEA*0*000000001~"]
    assert validate(text).ok
    assert judge(text).ok
    (ta1,) = read_ta1(text)
    assert (ta1.control_number, ta1.acknowledgment, ta1.note) == ("000000001", "R", "001")


@pytest.mark.parametrize(
    "fields",
    [
        ("1", "260311", "0930", "R", "001"),
        ("000000001", "2603", "0930", "R", "001"),
        ("000000001", "260311", "0930", "X", "001"),
        ("000000001", "260311", "0930", "R", "099"),
        ("000000001", "260311", "0930", "A", "001"),
    ],
)
def test_a_ta1_with_bad_fields_is_refused(fields) -> None:
    with pytest.raises(Ta1WriteError):
        InterchangeAcknowledgment(*fields)


def test_a_277_answers_each_claim_with_its_status_and_reads_back() -> None:
    paid, child = professional_claim(), professional_claim_child_patient()
    responses = [
        ClaimStatusResponse(
            status_inquiry_for_claim(paid, "TRACE1"),
            (("F1", "65", None),),
            date(2026, 4, 2),
            paid=Decimal("92.50"),
            adjudication_date=date(2026, 4, 1),
            check_date=date(2026, 4, 2),
            check_number="EFT0001",
            payer_claim_number="26091000123",
        ),
        ClaimStatusResponse(
            status_inquiry_for_claim(child, "TRACE2"), (("A4", "35", None),), date(2026, 4, 2)
        ),
    ]
    text = write_277(
        responses,
        receiver=SUBMITTER,
        sender=Party("CLEARX"),
        receiver_party=Party("RIVERBEND01"),
        created_at=NOW,
        numbers=InMemoryControlNumbers(),
    )
    assert validate(text).ok, validate(text).errors
    assert "STC*F1:65*20260402**145.00*92.50*20260401**20260402*EFT0001~" in text
    (parsed,) = parse(text).transactions
    assert isinstance(parsed.model, Transaction277)
    claims = list(parsed.model.claims())
    assert [c.trn.reference for c in claims] == ["TRACE1", "TRACE2"]
    assert [c.statuses[0].statuses[0].status for c in claims] == ["65", "35"]
    assert claims[0].reference("1K") == "26091000123"
    assert claims[1].reference("EJ") == child.patient_control_number


def test_a_277_status_must_be_a_status_category() -> None:
    with pytest.raises(StatusResponseWriteError):
        ClaimStatusResponse(
            status_inquiry_for_claim(professional_claim(), "T"), (("Z9", "1", None),), date.today()
        )
