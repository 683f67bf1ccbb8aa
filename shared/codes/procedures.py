"""Procedure code formats: CPT (Category I/II/III, PLA) and HCPCS Level II."""

from __future__ import annotations

from typing import Literal

ProcedureCodeKind = Literal["CPT", "HCPCS"]

# AMA CPT: Category I is five digits; Category II ends in F, Category III in T,
# Proprietary Laboratory Analyses (PLA) in U, each after four digits.
_CPT_SUFFIXES = frozenset("FTU")
# CMS HCPCS Level II: one letter A-V then four digits. W-Z are not assigned by CMS
# (historically local codes, retired under HIPAA), so they are not accepted.
_HCPCS_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUV")


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def is_cpt(code: str) -> bool:
    """True for a well-formed CPT code: 5 digits, or 4 digits + F/T/U (Category II/III, PLA)."""
    if not isinstance(code, str) or len(code) != 5:
        return False
    if _is_digits(code):
        return True
    return _is_digits(code[:4]) and code[4] in _CPT_SUFFIXES


def is_hcpcs_level2(code: str) -> bool:
    """True for a well-formed HCPCS Level II code: a letter A-V followed by four digits."""
    if not isinstance(code, str) or len(code) != 5:
        return False
    return code[0] in _HCPCS_LETTERS and _is_digits(code[1:])


def procedure_code_kind(code: str) -> ProcedureCodeKind | None:
    """'CPT', 'HCPCS' or None when the code fits neither (case-sensitive: codes are upper case)."""
    if is_cpt(code):
        return "CPT"
    if is_hcpcs_level2(code):
        return "HCPCS"
    return None
