"""Read 271 transactions (005010X279A1) into typed `Transaction271` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_271_005010X279A1.models import Transaction271


def read_271(source: Source, *, strict: bool = False) -> list[Transaction271]:
    """Every 271 transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction271)]
