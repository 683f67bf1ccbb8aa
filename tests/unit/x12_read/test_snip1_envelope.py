"""WEDI SNIP type 1 (EDI syntax integrity): control numbers unique, versions and ids agree.

Each file breaks one rule only; the error names the segment position, element and rule.
"""

from __future__ import annotations

from shared.x12.errors import Issue
from shared.x12.validation import validate

from .factories import remittance_835

ISA_END = "*00501*000000101*0*T*:~"


def _errors(text: str, *, strict: bool = False) -> list[Issue]:
    return validate(text, strict=strict).errors


def _only(text: str, code: str, *, strict: bool = False) -> Issue:
    errors = _errors(text, strict=strict)
    assert [e.code for e in errors] == [code], [str(e) for e in errors]
    return errors[0]


def _position(text: str, marker: str) -> int:
    """1-based segment position of the n-th segment starting with `marker` (last one)."""
    segments = [s for s in text.split("~") if s.strip()]
    return max(i for i, s in enumerate(segments, 1) if s.lstrip().startswith(marker))


def test_a_valid_remittance_has_no_envelope_error() -> None:
    assert _errors(remittance_835()) == []


def test_two_interchanges_with_one_control_number_are_an_error() -> None:
    # The same remittance sent twice under ISA13 000000101: posting both would pay twice.
    text = remittance_835() + remittance_835()
    error = _only(text, "duplicate_control")
    assert (error.segment_id, error.element) == ("ISA", 13)
    assert error.position == _position(text, "ISA")
    assert "'000000101' is used twice in this file" in error.message


def test_two_groups_with_one_control_number_in_an_interchange_are_an_error() -> None:
    one = remittance_835()
    group = one[one.index("GS*") : one.index("IEA*")]
    text = one.replace(group, group + group).replace("IEA*1*", "IEA*2*")
    error = _only(text, "duplicate_control")
    assert (error.segment_id, error.element, error.position) == ("GS", 6, _position(text, "GS"))


def test_two_transaction_sets_with_one_control_number_in_a_group_are_an_error() -> None:
    one = remittance_835()
    st = one[one.index("ST*") : one.index("GE*")]
    text = one.replace(st, st + st).replace("GE*1*", "GE*2*")
    error = _only(text, "duplicate_control")
    assert (error.segment_id, error.element, error.position) == ("ST", 2, _position(text, "ST"))


def test_isa12_must_agree_with_the_gs08_version() -> None:
    text = remittance_835().replace(ISA_END, "*00401*000000101*0*T*:~")
    error = _only(text, "version_mismatch")
    assert (error.segment_id, error.element) == ("GS", 8)


def test_a_transaction_set_in_another_kind_of_functional_group_is_an_error() -> None:
    # An 835 (HP) sent in an eligibility (HS) group, as a 271 in an HS group would be.
    text = remittance_835().replace("GS*HP*", "GS*HS*")
    error = _only(text, "functional_group_mismatch")
    assert (error.segment_id, error.element) == ("ST", 1)
    assert "a 835 belongs in a HP functional group, not GS01 'HS'" in error.message


def test_st03_must_agree_with_gs08_where_both_are_given() -> None:
    text = remittance_835().replace("*1*X*005010X221A1~", "*1*X*005010X222A1~")
    text = text.replace("ST*835*0001~", "ST*835*0001*005010X221A1~")
    codes = {(e.code, e.segment_id, e.element) for e in _errors(text)}
    assert ("version_mismatch", "ST", 3) in codes


def test_leading_spaces_are_a_warning_and_an_error_when_strict() -> None:
    text = remittance_835().replace("~TRN*", "~   TRN*")
    report = validate(text)
    assert report.ok
    (warning,) = [w for w in report.warnings if w.code == "leading_whitespace"]
    assert (warning.segment_id, warning.position) == ("TRN", _position(text, "TRN"))
    assert _only(text, "leading_whitespace", strict=True).segment_id == "TRN"


def test_a_separator_after_the_last_element_is_a_warning_and_an_error_when_strict() -> None:
    text = remittance_835().replace("TRN*1*12345*1512345678~", "TRN*1*12345*1512345678*~")
    assert validate(text).ok
    error = _only(text, "trailing_separator", strict=True)
    assert (error.segment_id, error.position) == ("TRN", _position(text, "TRN"))


def test_line_breaks_between_segments_are_not_reported() -> None:
    report = validate(remittance_835().replace("~", "~\r\n"), strict=True)
    assert report.ok and report.warnings == []
