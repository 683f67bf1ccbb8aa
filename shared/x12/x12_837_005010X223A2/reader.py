"""Read 837 Institutional claims (005010X223A2) into typed `Transaction837I` models."""

from __future__ import annotations

from shared.x12.reader import parse
from shared.x12.tokenizer import Source
from shared.x12.x12_837_005010X223A2.models import Transaction837I


def read_837i(source: Source, *, strict: bool = False) -> list[Transaction837I]:
    """Every 837I transaction set in the document.

    strict=True raises X12ValidationError when the document has errors.
    """
    result = parse(source, strict=strict)
    return [t.model for t in result.transactions if isinstance(t.model, Transaction837I)]
