"""Identifier formats shared by tokens, requests, paths and read-model keys.

Organization ids: 1-64 ASCII letters, digits, '.', '_', ':' or '-', beginning with a letter
or a digit (e.g. `st-elsewhere`, `acme:north`). Tokens carry one as `org`; the verifier
refuses any other shape, and every read-model key holds it as its own column, so two
organizations never meet in a key even when their ids share a prefix.

Claim ids are assigned by intake (`clm_` and 32 hex digits); paths accept the wider shape
below so that they answer 404, not 422, for an id of the right form that does not exist.
"""

from __future__ import annotations

import re

ORGANIZATION_ID_MAX = 64
ORGANIZATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"

CLAIM_ID_MAX = 64
CLAIM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"

SUBJECT_MAX = 200  # the audit log's subject column
ACCOUNT_ID_MAX = 200  # the audit log's resource column; org (64) + ':' + CLM01 (38) fits

PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]+$"
"""A path or header value with no control characters (PostgreSQL refuses NUL in text)."""

_ORGANIZATION_ID = re.compile(ORGANIZATION_ID_PATTERN)


def is_organization_id(value: str) -> bool:
    return _ORGANIZATION_ID.fullmatch(value) is not None


def is_printable(value: str) -> bool:
    """No control characters and no lone surrogates: text a database column and JSON carry."""
    return not any(ch < " " or "\x7f" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff" for ch in value)
