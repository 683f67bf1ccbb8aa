"""CPT / HCPCS Level II formats and the NUCC taxonomy format."""

from __future__ import annotations

import pytest

from shared.codes import is_cpt, is_hcpcs_level2, is_taxonomy_format, procedure_code_kind


@pytest.mark.parametrize("code", ["99213", "00100", "0001F", "0075T", "0001U", "36415"])
def test_cpt_category_one_two_three_and_pla(code: str) -> None:
    assert is_cpt(code)
    assert procedure_code_kind(code) == "CPT"


@pytest.mark.parametrize("code", ["J1100", "G0008", "A0428", "E0114", "Q4101", "V2020"])
def test_hcpcs_level_two(code: str) -> None:
    assert is_hcpcs_level2(code)
    assert not is_cpt(code)
    assert procedure_code_kind(code) == "HCPCS"


@pytest.mark.parametrize(
    "code", ["9921", "992133", "0001X", "W1234", "j1100", "J110", "1234F5", "", " 9921", "ABCDE"]
)
def test_malformed_procedure_codes(code: str) -> None:
    assert procedure_code_kind(code) is None


@pytest.mark.parametrize("code", ["207Q00000X", "282N00000X", "363LF0000X", "2084P0800X"])
def test_taxonomy_format(code: str) -> None:
    assert is_taxonomy_format(code)


@pytest.mark.parametrize("code", ["207Q00000", "207Q00000Y", "207q00000X", "207Q0000-X", ""])
def test_taxonomy_format_rejects(code: str) -> None:
    assert not is_taxonomy_format(code)
