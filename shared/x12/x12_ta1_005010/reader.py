"""Read TA1 interchange acknowledgments from a document."""

from __future__ import annotations

from shared.x12.envelope import read_document
from shared.x12.tokenizer import Source
from shared.x12.x12_ta1_005010.models import Ta1Segment


def read_ta1(source: Source) -> list[Ta1Segment]:
    """Every TA1 in the document (one per acknowledged interchange), in file order."""
    document = read_document(source)
    return [Ta1Segment.from_segment(seg) for ic in document.interchanges for seg in ic.ta1]
