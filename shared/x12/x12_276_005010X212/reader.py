"""Read 276 transactions (005010X212) into typed `Transaction276` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_276_005010X212.models import Transaction276


def read_276(source: Source, *, strict: bool = False) -> list[Transaction276]:
    """Every 276 transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction276)]
