"""Every 999 we write is valid: copied values fit the 999's elements, counts agree, and a
file with no ISA gets a clear error rather than a 999 addressed to invented parties."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.x12.ack import AckError, AckResult, acknowledge
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from testsupport.claims import professional_claim, professional_claim_child_patient
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

LONG_CLM01 = "PCN-" + "7" * 34  # 38 characters: CLM01's maximum, over CTX01-2's 35


def _837p() -> str:
    return write_837p(
        [professional_claim(), professional_claim_child_patient()],
        submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _ack(text: str) -> AckResult:
    return acknowledge(text, created_at=CREATED_AT, numbers=InMemoryControlNumbers())


def _lines(text: str, seg_id: str) -> list[list[str]]:
    return [
        line.rstrip("~").split("*") for line in text.splitlines() if line.startswith(seg_id + "*")
    ]


def test_a_38_character_claim_id_is_cut_to_ctx01_2s_35(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _837p().replace("CLM*PCN26031001*", f"CLM*{LONG_CLM01}*")
    # An error inside that claim makes the 999 name it in CTX*CLM01.
    text = text.replace("SV1*HC:99213*145.00*UN*1", "SV1*HC:99213*145.00*XX*1")
    result = _ack(text)
    pyx12_clean(result.text)
    ctx = _lines(result.text, "CTX")[0]
    assert ctx[1] == "CLM01:" + LONG_CLM01[:35]


def test_a_long_group_control_number_is_cut_to_ak102s_9(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _837p().replace("*1*X*005010X222A1~", "*123456789012*X*005010X222A1~")
    text = text.replace("GE*1*1~", "GE*1*123456789012~")
    result = _ack(text)
    pyx12_clean(result.text)
    (ak1,) = _lines(result.text, "AK1")
    assert ak1[2] == "123456789"


def test_a_long_transaction_control_number_is_cut_to_ak202s_9(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _837p().replace("ST*837*0001*", "ST*837*00012345678901*")
    text = text.replace("*0001~\nGE*", "*00012345678901~\nGE*")
    result = _ack(text)
    pyx12_clean(result.text)
    (ak2,) = _lines(result.text, "AK2")
    assert ak2[2] == "000123456"


def test_a_file_without_an_isa_gets_a_clear_error_not_a_999() -> None:
    text = _837p()
    headless = text[text.index("GS*") : text.index("IEA*")]
    with pytest.raises(AckError, match="no ISA interchange header"):
        _ack(headless)


def test_ak9_counts_agree_with_each_ik5(pyx12_clean: Callable[[str], object]) -> None:
    one = _837p()
    st = one[one.index("ST*") : one.index("GE*")]
    bad = (
        st.replace("ST*837*0001*", "ST*837*0002*")
        .replace("SE*", "SE*9")
        .replace("*0001~", "*0002~")
    )
    text = one.replace(st, st + bad).replace("GE*1*", "GE*2*")
    result = _ack(text)
    pyx12_clean(result.text)
    verdicts = [ik5[1] for ik5 in _lines(result.text, "IK5")]
    (ak9,) = _lines(result.text, "AK9")
    assert verdicts == ["A", "R"]
    assert ak9[1:5] == ["P", "2", "2", str(sum(v in ("A", "E") for v in verdicts))]
