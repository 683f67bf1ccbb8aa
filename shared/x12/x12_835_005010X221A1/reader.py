"""Read 835 remittances (005010X221A1) into typed `Transaction835` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_835_005010X221A1.models import Transaction835


def read_835(source: Source, *, strict: bool = False) -> list[Transaction835]:
    """Every 835 transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction835)]
