"""Read 270 transactions (005010X279A1) into typed `Transaction270` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_270_005010X279A1.models import Transaction270


def read_270(source: Source, *, strict: bool = False) -> list[Transaction270]:
    """Every 270 transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction270)]
