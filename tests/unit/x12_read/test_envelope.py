"""Envelope checks: control numbers and counts; each error names segment position, id, element."""

from __future__ import annotations

import pytest

from shared.x12.envelope import iter_transaction_sets, read_document
from shared.x12.errors import X12EnvelopeError

from .factories import remittance_835


def errors(text: str) -> list[tuple[str, str | None, int | None]]:
    doc = read_document(text)
    return [(i.code, i.segment_id, i.element) for i in doc.errors]


def test_a_correct_envelope_has_no_issues() -> None:
    doc = read_document(remittance_835())
    assert doc.issues == []
    (ts,) = list(doc.transaction_sets())
    assert ts.id == "835" and ts.control_number == "0001" and ts.implementation == "005010X221A1"
    assert ts.group.functional_id == "HP" and ts.group.interchange.control_number == "000000101"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"iea02": "000000999"}, ("control_mismatch", "IEA", 2)),
        ({"ge02": "7"}, ("control_mismatch", "GE", 2)),
        ({"se02": "0002"}, ("control_mismatch", "SE", 2)),
        ({"se01": "99"}, ("count_mismatch", "SE", 1)),
    ],
)
def test_each_envelope_error_names_segment_and_element(
    kwargs: dict[str, str], expected: tuple[str, str, int]
) -> None:
    assert errors(remittance_835(**kwargs)) == [expected]


def test_error_positions_point_at_the_trailer_segment() -> None:
    text = remittance_835(se02="0002")
    doc = read_document(text)
    (issue,) = doc.errors
    se = next(s for s in doc.segments() if s.id == "SE")
    assert issue.position == se.position
    assert "SE02" in issue.where()


def test_group_and_interchange_counts_are_checked() -> None:
    text = remittance_835().replace("GE*1*1~", "GE*2*1~").replace("IEA*1*", "IEA*3*")
    assert errors(text) == [("count_mismatch", "GE", 1), ("count_mismatch", "IEA", 1)]


def test_several_interchanges_groups_and_sets_in_one_file() -> None:
    one = remittance_835()
    two = remittance_835(isa13="000000102", iea02="000000102", st02="0009", se02="0009")
    doc = read_document(one + "\n" + two)
    assert len(doc.interchanges) == 2
    assert [ts.control_number for ts in doc.transaction_sets()] == ["0001", "0009"]
    assert doc.issues == []


def test_missing_trailers_are_reported_at_end_of_file() -> None:
    text = remittance_835()
    text = text[: text.index("SE*")]  # cut SE, GE, IEA
    codes = [i.code for i in read_document(text).errors]
    assert codes == ["missing_se", "missing_ge", "missing_iea"]


def test_strict_reading_raises_the_first_envelope_error() -> None:
    with pytest.raises(X12EnvelopeError) as info:
        read_document(remittance_835(gs06="5"), strict=True)
    assert (
        info.value.segment_id == "GE"
        and info.value.element == 2
        and info.value.position is not None
    )


def test_transaction_sets_stream_one_at_a_time() -> None:
    text = remittance_835() + remittance_835(isa13="000000102", iea02="000000102")
    issues: list = []
    stream = iter_transaction_sets(text, issues)
    first = next(stream)
    assert first.se is not None and first.segments[-1].id == "SE"
    assert len(list(stream)) == 1


def test_segment_count_in_se01_counts_st_through_se() -> None:
    doc = read_document(remittance_835())
    (ts,) = list(doc.transaction_sets())
    assert int(ts.se.get(1)) == len(ts.segments)  # type: ignore[union-attr]
    assert ts.position_in_set(ts.st) == 1
