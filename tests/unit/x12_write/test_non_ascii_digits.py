"""Digits that are not ASCII ('²', '¹', Arabic-Indic '١') in an inbound 837 or in writer input.

`str.isdigit()` accepts '²' and int() then raises; int() also reads '١' as 1. Neither may
leak a ValueError out of the 999 or the intake adapter, nor pass as a valid number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from services.intake.adapters.x12_837 import translate_837_report
from shared.x12.ack import AckResult, acknowledge
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.x12_835_005010X221A1.writer import RemitWriteError, write_835
from shared.x12.x12_837_005010X222A1.writer import ClaimWriteError, write_837p
from shared.x12.x12_837_005010X223A2.writer import facility_type_code
from testsupport.claims import (
    institutional_claim,
    professional_claim,
    professional_claim_child_patient,
)
from testsupport.remittances import claim_payment, remittance
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER


def _good_837p() -> str:
    return write_837p(
        [professional_claim(), professional_claim_child_patient()],
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def _ack(text: str) -> AckResult:
    return acknowledge(text, created_at=CREATED_AT, numbers=InMemoryControlNumbers())


def _line(text: str, seg_id: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(seg_id + "*"))


def _lines(text: str, seg_id: str) -> list[str]:
    return [line.rstrip("~") for line in text.splitlines() if line.startswith(seg_id + "*")]


def _set_element(text: str, seg_id: str, index: int, value: str) -> str:
    """`text` with element `index` of the first `seg_id` segment replaced by `value`."""
    line = _line(text, seg_id)
    elements = line.rstrip("~").split("*")
    elements[index] = value
    return text.replace(line, "*".join(elements) + "~", 1)


@pytest.mark.parametrize("count", ["²23", "5²", "١٢"])
def test_se01_with_non_ascii_digits_rejects_the_set(
    count: str, pyx12_clean: Callable[[str], object]
) -> None:
    result = _ack(_set_element(_good_837p(), "SE", 1, count))
    pyx12_clean(result.text)
    assert not result.accepted
    # 4: number of included segments wrong; 5: SE01 itself is not a whole number
    assert _lines(result.text, "IK5") == ["IK5*R*4*5"]


@pytest.mark.parametrize("count", ["¹", "١"])
def test_ge01_with_a_non_ascii_digit_rejects_the_group(
    count: str, pyx12_clean: Callable[[str], object]
) -> None:
    # '١' is the dangerous one: int('١') == 1, the true count, so it used to be accepted.
    result = _ack(_set_element(_good_837p(), "GE", 1, count))
    pyx12_clean(result.text)
    assert not result.accepted
    ak9 = _lines(result.text, "AK9")[0].split("*")
    assert ak9[1] == "R" and "5" in ak9[5:]  # AK905 5: number of included sets wrong


def test_a_non_ascii_group_control_number_is_reported(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _set_element(_set_element(_good_837p(), "GS", 6, "١"), "GE", 2, "١")
    result = _ack(text)
    pyx12_clean(result.text)
    ak9 = _lines(result.text, "AK9")[0].split("*")
    assert ak9[1] == "R" and "6" in ak9[5:]  # AK905 6: control number not valid


def test_iea01_with_a_non_ascii_digit_is_an_interchange_issue_naming_iea() -> None:
    result = _ack(_set_element(_good_837p(), "IEA", 1, "¹"))
    # A 999 cannot report the interchange trailer: the caller gets the issue instead.
    assert [(i.segment_id, i.element) for i in result.interchange_issues] == [("IEA", 1)]


@pytest.mark.parametrize(
    ("seg_id", "index", "value", "named"),
    [
        ("LX", 1, "١", "LX01"),
        ("LX", 1, "²", "LX01"),
        ("DMG", 2, "١٩٦٨٠٧١٤", "DMG02"),
        ("SV1", 2, "١٤٥.٠٠", "SV102"),
        ("SV1", 4, "1_0", "SV104"),
        ("SV1", 7, "١", "SV107"),
    ],
)
def test_intake_names_the_element_holding_non_ascii_digits(
    seg_id: str, index: int, value: str, named: str
) -> None:
    report = translate_837_report(_set_element(_good_837p(), seg_id, index, value))
    messages = [i.message for i in report.issues]
    assert any(named in m for m in messages), messages
    # The first claim carried the bad element and is refused; the second one still reads.
    assert [c.patient_control_number for c in report.claims] == [
        professional_claim_child_patient().patient_control_number
    ]


def test_a_type_of_bill_in_non_ascii_digits_is_refused() -> None:
    with pytest.raises(ClaimWriteError, match="type of bill"):
        # The claim model refuses non-ASCII text; the writer still defends on its own.
        facility_type_code(institutional_claim().model_copy(update={"type_of_bill": "١١١"}))


def test_a_payer_tax_id_in_non_ascii_digits_is_refused() -> None:
    remit = dataclasses.replace(
        remittance([claim_payment(professional_claim())]), payer_tax_id="١" * 9
    )
    with pytest.raises(RemitWriteError, match="payer tax id"):
        write_835(
            [remit],
            sender=Party("87726", "ZZ", "87726"),
            receiver=Party("RIVERBEND01", "ZZ", "RIVERBEND01"),
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )


@pytest.mark.parametrize(
    ("seg_id", "index", "value", "expected"),
    [
        ("GS", 1, "ＨＣ", "AK1*HC*1*005010X222A1"),
        ("GS", 8, "００５", "AK1*HC*1*005010"),
        ("ST", 1, "８３７", "AK2*837*0001*005010X222A1"),
        ("ST", 2, "０００１", "AK2*837*0000*005010X222A1"),
        ("ST", 3, "００５", "AK2*837*0001"),
    ],
)
def test_non_ascii_envelope_values_are_not_copied_into_the_999(
    seg_id: str, index: int, value: str, expected: str, pyx12_clean: Callable[[str], object]
) -> None:
    text = _set_element(_good_837p(), seg_id, index, value)
    if (seg_id, index) == ("ST", 2):
        text = _set_element(text, "SE", 2, value)  # ST02 = SE02: only the value is wrong
    result = _ack(text)
    pyx12_clean(result.text)  # our 999 stays ASCII X12 whatever the inbound held
    assert expected in _lines(result.text, expected[:3])
    if (seg_id, index) == ("ST", 2):
        assert _lines(result.text, "IK5") == ["IK5*R*7"]  # 7: invalid set control number
