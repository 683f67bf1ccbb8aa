"""Read 999 implementation acknowledgments (005010X231A1) into typed `Transaction999` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_999_005010X231A1.models import Transaction999


def read_999(source: Source, *, strict: bool = False) -> list[Transaction999]:
    """Every 999 transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction999)]
