"""NUCC Health Care Provider Taxonomy code format (ten characters ending in 'X')."""

from __future__ import annotations

import re

# NUCC: ten positions, the first nine alphanumeric, the tenth always 'X'
# (e.g. 207Q00000X family medicine, 282N00000X general acute care hospital).
_TAXONOMY = re.compile(r"[0-9A-Z]{9}X")


def is_taxonomy_format(code: str) -> bool:
    """True when `code` has the NUCC taxonomy shape: nine upper-case alphanumerics then 'X'."""
    return isinstance(code, str) and _TAXONOMY.fullmatch(code) is not None
