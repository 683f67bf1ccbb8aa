"""The code lists acknowledgments speak in, as data: their codes and what each means.

- claim status categories (list 507): the shared code sets (`shared/codes/data`);
- claim status codes (list 508) and entity identifier codes (element 98):
  `services/claims/data/*.csv`;
- the 999's and TA1's error and verdict codes: `services/claims/data/acknowledgment_codes.csv`.

A code missing from a list is still reported, with its list named ("status code 999 (X12
code list 508)"), never dropped.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from shared.codes.sets import load_code_list

DATA = Path(__file__).with_name("data")


def _rows(name: str) -> list[list[str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.reader(lines))[1:]


@lru_cache
def _status_codes() -> dict[str, str]:
    return {code: text for code, text in _rows("claim_status_codes.csv")}


@lru_cache
def _entities() -> dict[str, str]:
    return {code: text for code, text in _rows("entity_identifier_codes.csv")}


@lru_cache
def _acknowledgment_codes() -> dict[tuple[str, str], str]:
    return {(listed, code): text for listed, code, text in _rows("acknowledgment_codes.csv")}


def status_category(code: str) -> str:
    """STC01-1: e.g. A7 -> 'Acknowledgement/Rejected for Invalid Information...'."""
    return load_code_list("claim_status_categories").get(
        code, f"category {code} (X12 code list 507)"
    )


def status_code(code: str) -> str:
    """STC01-2: e.g. 562 -> "Entity's National Provider Identifier (NPI)"."""
    return _status_codes().get(code, f"status code {code} (X12 code list 508)")


def entity(code: str) -> str:
    """STC01-3: e.g. 85 -> 'Billing provider'."""
    return _entities().get(code, f"entity {code} (X12 element 98)")


def acknowledgment_code(listed: str, code: str) -> str:
    """A 999 or TA1 code: listed is IK501, IK304, IK403, IK5, AK9 or TA105."""
    return _acknowledgment_codes().get((listed, code), f"{listed} code {code}")
