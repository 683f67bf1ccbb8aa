"""Our 999 for an inbound 837: accepted, accepted with errors or rejected, naming where."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.config import get_settings
from shared.x12.ack import AckError, AckResult, acknowledge
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_999_005010X231A1.writer import (
    AckWriteError,
    ElementError,
    GroupAcknowledgment,
    SegmentError,
    SetAcknowledgment,
)
from testsupport.claims import professional_claim, professional_claim_child_patient
from testsupport.samples import x12_samples_dir
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


def _lines(text: str, seg_id: str) -> list[str]:
    return [line.rstrip("~") for line in text.splitlines() if line.startswith(seg_id + "*")]


def test_a_clean_837_is_accepted(pyx12_clean: Callable[[str], object]) -> None:
    result = _ack(_good_837p())
    pyx12_clean(result.text)
    assert result.accepted
    assert _lines(result.text, "AK1") == ["AK1*HC*1*005010X222A1"]
    assert _lines(result.text, "AK2") == ["AK2*837*0001*005010X222A1"]
    assert _lines(result.text, "IK5") == ["IK5*A"]
    assert _lines(result.text, "AK9") == ["AK9*A*1*1*1"]
    # We answer as the inbound receiver, to the inbound sender.
    isa = _lines(result.text, "ISA")[0].split("*")
    assert isa[6].strip() == RECEIVER.id and isa[8].strip() == SUBMITTER.id


def test_a_wrong_segment_count_rejects_the_set(pyx12_clean: Callable[[str], object]) -> None:
    text = _good_837p()
    se = _lines(text, "SE")[0]
    count = int(se.split("*")[1])
    result = _ack(text.replace(se, f"SE*{count + 3}*0001"))
    pyx12_clean(result.text)
    assert not result.accepted
    assert _lines(result.text, "IK5") == ["IK5*R*4"]
    assert _lines(result.text, "AK9") == ["AK9*R*1*1*0"]


def test_st_se_control_mismatch_and_group_trailer_errors(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _good_837p()
    se = _lines(text, "SE")[0]
    ge = _lines(text, "GE")[0]
    mismatched = text.replace(se + "~", se.replace("*0001", "*0002") + "~").replace(
        ge + "~", "GE*1*7~"
    )
    result = _ack(mismatched)
    pyx12_clean(result.text)
    assert _lines(result.text, "IK5") == ["IK5*R*3"]
    assert _lines(result.text, "AK9") == ["AK9*R*1*1*0*4"]


def _with_true_se_count(text: str) -> str:
    """Recount SE01 after a test inserted segments, so only the inserted fault remains."""
    lines = text.splitlines()
    st = next(i for i, line in enumerate(lines) if line.startswith("ST*"))
    se = next(i for i, line in enumerate(lines) if line.startswith("SE*"))
    lines[se] = f"SE*{se - st + 1}*" + lines[se].split("*")[2]
    return "\n".join(lines) + "\n"


def test_an_unexpected_segment_is_named_with_its_position_and_claim(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _good_837p()
    # A segment no 837 loop holds, right after the first claim's CLM.
    first_clm = _lines(text, "CLM")[0]
    broken = _with_true_se_count(text.replace(first_clm + "~\n", first_clm + "~\nZZQ*1~\n", 1))
    segments = [line for line in broken.splitlines() if line]
    st_index = next(i for i, line in enumerate(segments) if line.startswith("ST*"))
    expected_position = segments.index("ZZQ*1~") - st_index + 1
    result = _ack(broken)
    pyx12_clean(result.text)
    ik3 = _lines(result.text, "IK3")
    assert len(ik3) == 1
    seg_id, position, _loop, code = ik3[0].split("*")[1:5]
    assert (seg_id, int(position), code) == ("ZZQ", expected_position, "2")
    assert _lines(result.text, "CTX") == ["CTX*CLM01:PCN26031001"]
    assert _lines(result.text, "IK5") == ["IK5*R*5"]


def test_one_good_and_one_bad_set_is_partly_accepted(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _good_837p()
    lines = text.splitlines()
    st = next(i for i, line in enumerate(lines) if line.startswith("ST*"))
    se = next(i for i, line in enumerate(lines) if line.startswith("SE*"))
    second = [
        line.replace("*0001", "*0002") if line.startswith(("ST*", "SE*")) else line
        for line in lines[st : se + 1]
    ]
    second[-1] = "SE*5*0002~"  # wrong count in the second set only
    doubled = lines[: se + 1] + second + [lines[se + 1].replace("GE*1", "GE*2")] + lines[se + 2 :]
    result = _ack("\n".join(doubled) + "\n")
    pyx12_clean(result.text)
    assert _lines(result.text, "IK5") == ["IK5*A", "IK5*R*4"]
    assert _lines(result.text, "AK9") == ["AK9*P*2*2*1"]


def test_a_declared_component_separator_not_used_in_the_body_is_an_element_error(
    pyx12_clean: Callable[[str], object],
) -> None:
    text = _good_837p()
    clm = _lines(text, "CLM")[0]
    result = _ack(text.replace(clm, clm.replace("11:B:1", "11>B>1")))
    pyx12_clean(result.text)
    assert _lines(result.text, "IK3")[0].endswith("*8")
    # The CLM05 composite is named; later composites read with '>' may add their own notes.
    assert _lines(result.text, "IK4")[0] == "IK4*5**6*11>B>1"
    assert _lines(result.text, "IK5") == ["IK5*R*5"]


def test_text_that_is_not_x12_gets_a_clear_error() -> None:
    with pytest.raises(AckError, match="cannot acknowledge"):
        _ack("hello, this is not an 837")


def test_the_999_writer_refuses_codes_outside_the_guide() -> None:
    with pytest.raises(AckWriteError, match="IK304 code 'Z'"):
        SegmentError("NM1", 5, "Z")
    with pytest.raises(AckWriteError, match="IK403"):
        ElementError(3, "99")
    with pytest.raises(AckWriteError, match="needs a reason code"):
        SetAcknowledgment("837", "0001", None, "R")
    group = GroupAcknowledgment("HC", "1", None, (SetAcknowledgment("837", "1", None, "A"),))
    assert group.group_status == "A"


def _samples_837() -> list[Path]:
    root = x12_samples_dir()
    return sorted(p for kind in ("837P", "837I") for p in (root / kind).iterdir() if p.is_file())


def test_every_sample_837_gets_a_valid_999(pyx12_clean: Callable[[str], object]) -> None:
    for path in _samples_837():
        result = acknowledge(path, created_at=CREATED_AT, numbers=InMemoryControlNumbers())
        pyx12_clean(result.text)
        assert result.groups, path.name


def test_cli_writes_the_999_with_persistent_control_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from revcycle.cli import app

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        inbound = tmp_path / "batch.837"
        inbound.write_text(_good_837p(), encoding="ascii")
        runner = CliRunner()
        first = runner.invoke(app, ["x12", "ack", str(inbound), "-o", str(tmp_path / "a.999")])
        second = runner.invoke(app, ["x12", "ack", str(inbound), "-o", str(tmp_path / "b.999")])
        assert first.exit_code == 0, first.output
        assert second.exit_code == 0, second.output
        a = (tmp_path / "a.999").read_text()
        b = (tmp_path / "b.999").read_text()
        assert _lines(a, "IK5") == ["IK5*A"]
        assert _lines(a, "IEA")[0] == "IEA*1*000000001" and _lines(b, "IEA")[0] == "IEA*1*000000002"
        bad = tmp_path / "bad.txt"
        bad.write_text("not x12")
        failed = runner.invoke(app, ["x12", "ack", str(bad)])
        assert failed.exit_code == 1
    finally:
        get_settings.cache_clear()


def test_two_interchanges_in_one_file_get_one_999_interchange_each(
    pyx12_clean: Callable[[str], object],
) -> None:
    numbers = InMemoryControlNumbers()
    files = [
        write_837p(
            [professional_claim()],
            submitter=SUBMITTER,
            receiver=RECEIVER,
            created_at=CREATED_AT,
            numbers=numbers,
        )  # fmt: skip
        for _ in range(2)
    ]
    result = _ack(files[0] + files[1])
    pyx12_clean(result.text)
    assert len(_lines(result.text, "ISA")) == 2
    assert [g.control_number for g in result.groups] == ["1", "2"]
    assert result.accepted
