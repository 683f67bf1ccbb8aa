"""Read 277CA transactions (005010X214) into typed `Transaction277CA` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_277_005010X214.models import Transaction277CA


def read_277ca(source: Source, *, strict: bool = False) -> list[Transaction277CA]:
    """Every 277CA transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction277CA)]
