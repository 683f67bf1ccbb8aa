"""Read 837 Professional claims (005010X222A1) into typed `Transaction837P` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_837_005010X222A1.models import Transaction837P


def read_837p(source: Source, *, strict: bool = False) -> list[Transaction837P]:
    """Every 837P transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction837P)]
