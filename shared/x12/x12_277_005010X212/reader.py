"""Read 277 transactions (005010X212) into typed `Transaction277` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_277_005010X212.models import Transaction277


def read_277(source: Source, *, strict: bool = False) -> list[Transaction277]:
    """Every 277 transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction277)]
