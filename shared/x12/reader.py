"""Read any supported X12 document into typed models: envelopes, then one model per ST..SE."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from itertools import chain
from typing import Any

from shared.x12.envelope import Interchange, TransactionSet, X12Document, read_document
from shared.x12.errors import Issue, Severity, X12ValidationError
from shared.x12.loops import Loop, LoopContext, OnClose, build_loops, gc_paused, to_plain
from shared.x12.segments import Segment
from shared.x12.tokenizer import Source

__all__ = [
    "stream_transactions",
    "ParsedTransaction",
    "ParseResult",
    "iter_parse",
    "parse",
    "parse_transaction",
    "kind_of",
]

# kind -> (package, root class name). Packages are imported on first use.
_ROOTS: dict[str, tuple[str, str]] = {
    "835": ("x12_835_005010X221A1", "Transaction835"),
    "837P": ("x12_837_005010X222A1", "Transaction837P"),
    "837I": ("x12_837_005010X223A2", "Transaction837I"),
    "270": ("x12_270_005010X279A1", "Transaction270"),
    "271": ("x12_271_005010X279A1", "Transaction271"),
    "276": ("x12_276_005010X212", "Transaction276"),
    "277": ("x12_277_005010X212", "Transaction277"),
    "277CA": ("x12_277_005010X214", "Transaction277CA"),
    "999": ("x12_999_005010X231A1", "Transaction999"),
}
_EXPECTED_VERSION = {
    "835": "005010X221A1",
    "837P": "005010X222A1",
    "837I": "005010X223A2",
    "270": "005010X279A1",
    "271": "005010X279A1",
    "276": "005010X212",
    "277": "005010X212",
    "277CA": "005010X214",
    "999": "005010X231A1",
}
# Segment ids whose first composite shows which component separator the body really uses.
_COMPOSITE_PROBES = {"SVC": 1, "SV1": 1, "SV2": 2, "CLM": 5, "HI": 1, "STC": 1, "SVD": 3, "EQ": 1}
_837_SNIFF = frozenset({"SV1", "SV2"})
_READ_AHEAD = 500  # segments read ahead of the loop builder, at most, when streaming


@dataclass(slots=True)
class ParsedTransaction:
    """One transaction set: its envelope, kind ('835', '837P'...) and typed model."""

    envelope: TransactionSet
    kind: str
    model: Loop | None
    component: str = ":"  # the separator the body's composites use
    repetition: str = ""  # ISA11, when the interchange has one (EB03 repeats in a 271)

    @property
    def expected_version(self) -> str:
        return _EXPECTED_VERSION.get(self.kind, "")


@dataclass(slots=True)
class ParseResult:
    """A parsed document: envelopes, typed transactions, and every issue met (tolerant read)."""

    document: X12Document
    transactions: list[ParsedTransaction] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    ta1: list[Any] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    def to_plain(self) -> dict[str, Any]:
        """JSON-ready dict of the typed model (Decimals as strings, dates ISO)."""
        d = self.document.delimiters
        return {
            "delimiters": {
                "element": d.element,
                "component": d.component,
                "repetition": d.repetition,
                "segment": d.segment,
            },
            "interchanges": [_interchange_plain(ic) for ic in self.document.interchanges],
            "ta1": to_plain(self.ta1),
            "transactions": [
                {
                    "transaction_set_id": t.envelope.id,
                    "control_number": t.envelope.control_number,
                    "implementation": t.envelope.implementation,
                    "kind": t.kind,
                    "model": to_plain(t.model),
                }
                for t in self.transactions
            ],
            "issues": [i.to_plain() for i in self.issues],
        }


def _interchange_plain(ic: Interchange) -> dict[str, Any]:
    return {
        "control_number": ic.control_number,
        "sender_id": ic.sender_id,
        "receiver_id": ic.receiver_id,
        "version": ic.version,
        "groups": [
            {
                "functional_id": g.functional_id,
                "control_number": g.control_number,
                "version": g.version,
                "transaction_sets": len(g.transactions),
            }
            for g in ic.groups
        ],
    }


def kind_of(ts: TransactionSet, body: Iterable[Segment] | None = None) -> str | None:
    """Which reader fits: by ST01, then the guide id (ST03/GS08), then the content
    (`body`: the set's segments read so far, when it is streamed)."""
    st01 = ts.id
    version = ts.implementation
    if st01 == "837":
        if "X222" in version:
            return "837P"
        if "X223" in version:
            return "837I"
        # Unknown guide id (e.g. masked): institutional claims carry SV2/CL1, professional SV1.
        ids = {s.id for s in (ts.segments if body is None else body)}
        return "837I" if ("SV2" in ids or "CL1" in ids) else "837P"
    if st01 == "277":
        if "X214" in version:
            return "277CA"
        return "277"
    if st01 in ("835", "270", "271", "276", "999"):
        return st01
    return None


def _root_class(kind: str) -> type[Loop]:
    package, name = _ROOTS[kind]
    module = import_module(f"shared.x12.{package}.models")
    cls: type[Loop] = getattr(module, name)
    return cls


def _body_component(
    segments: Iterable[Segment], declared: str, element: str, issues: list[Issue]
) -> str:
    """The component separator the body really uses.

    Some published examples declare ISA16 ':' but write composites with '>' (as the TR3
    examples do). Reading follows the body, and the mismatch is reported as an error so
    strict validation fails on it (pyx12 fails those loops too).
    """
    for seg in segments:
        index = _COMPOSITE_PROBES.get(seg.id)
        if index is None:
            continue
        value = seg.get(index)
        if not value:
            continue
        if declared in value:
            return declared
        for candidate in (">", ":", "^", "|", "\\"):
            if candidate != declared and candidate != element and candidate in value:
                prefix = value.split(candidate)[0]
                if 1 <= len(prefix) <= 3 and prefix.isalnum():
                    issues.append(
                        Issue(
                            "component_separator",
                            f"composite uses {candidate!r} but ISA16 declares {declared!r}",
                            seg.position,
                            seg.id,
                            index,
                        )
                    )
                    return candidate
        return declared
    return declared


def parse_transaction(
    ts: TransactionSet,
    document: X12Document,
    issues: list[Issue],
    body: Iterable[Segment] | None = None,
    *,
    typed: bool = True,
    on_close: Callable[[ParsedTransaction], OnClose | None] | None = None,
) -> ParsedTransaction:
    """Typed model of one transaction set (None when the transaction is not supported).

    Streaming (`body` given: the set's segments as they are read, SE last): the loops are
    built while the segments arrive and `on_close(parsed)` may give a callback that sees
    each loop as it closes (and may drop it); `typed=False` keeps raw segments.
    """
    prefix: list[Segment] = []
    rest: Iterator[Segment] = iter(())
    if body is not None:
        # Read ahead to the first composite (which separator the body uses) and, for an
        # 837 without a guide id, to the first service line (professional or institutional).
        rest = iter(body)
        for seg in rest:
            prefix.append(seg)
            if seg.id in _COMPOSITE_PROBES and (ts.id != "837" or seg.id in _837_SNIFF):
                break
            if len(prefix) >= _READ_AHEAD:
                break
    kind = kind_of(ts, prefix if body is not None else None)
    if kind is None:
        issues.append(
            Issue(
                "unsupported_transaction",
                f"transaction set {ts.id!r} is not supported",
                ts.st.position,
                "ST",
                1,
            )
        )
        for _ in rest:
            pass  # a set we cannot read is skipped whole, its SE still counted
        return ParsedTransaction(ts, ts.id, None)
    expected = _EXPECTED_VERSION[kind]
    if ts.implementation != expected:
        issues.append(
            Issue(
                "implementation_version",
                f"guide {ts.implementation or '(none)'!r} read with the {expected} reader",
                ts.st.position,
                "ST",
                3 if ts.st.get(3) else None,
                severity=Severity.WARNING,
            )
        )
    d = document.delimiters
    segments = ts.segments if body is None else prefix
    comp = _body_component(segments, d.component, d.element, issues)
    ctx = LoopContext(comp, d.repetition, issues, typed=typed)
    root = _root_class(kind)()
    parsed = ParsedTransaction(ts, kind, root, comp, d.repetition)
    callback = on_close(parsed) if on_close is not None else None
    if body is None:
        build_loops(root, ts.segments, ctx, callback)
    else:
        build_loops(root, chain([ts.st], prefix, rest), ctx, callback)
    return parsed


def parse(source: Source, *, strict: bool = False) -> ParseResult:
    """Parse a document to typed models (tolerant). `strict=True` raises on any error."""
    with gc_paused():
        return _parse(source, strict)


def _parse(source: Source, strict: bool) -> ParseResult:
    document = read_document(source)
    issues = list(document.issues)
    result = ParseResult(document, [], issues)
    for ic in document.interchanges:
        for ta1 in ic.ta1:
            result.ta1.append(_read_ta1(ta1))
    for ts in document.transaction_sets():
        result.transactions.append(parse_transaction(ts, document, issues))
    if strict and result.errors:
        raise X12ValidationError(result.errors)
    return result


def iter_parse(source: Source, issues: list[Issue] | None = None) -> Iterator[ParsedTransaction]:
    """Stream typed transaction sets one at a time (for files too large to hold whole).

    Only the current transaction set's segments are in memory; envelope and reading issues
    are appended to `issues` as they are found (trailer checks once the trailer is read).
    """
    from shared.x12.envelope import _EnvelopeReader
    from shared.x12.tokenizer import Tokenizer

    issues = [] if issues is None else issues
    tok = Tokenizer(source)
    reader = _EnvelopeReader(issues)
    document = X12Document(tok.delimiters, reader.interchanges, issues)
    for ts in reader.run(iter(tok)):
        document.delimiters = tok.delimiters  # known once the first segment was read
        # The group keeps a stub (ST and SE only, so GE01 still counts it) and the caller
        # gets the full transaction: memory stays flat across a large file.
        view = TransactionSet(ts.segments, ts.group, ts.st, ts.se)
        ts.segments = [ts.st] if ts.se is None else [ts.st, ts.se]
        yield parse_transaction(view, document, issues)
    issues[:0] = tok.warnings


def stream_transactions(
    source: Source,
    issues: list[Issue],
    *,
    typed: bool = True,
    on_close: Callable[[ParsedTransaction], OnClose | None] | None = None,
    documents: list[X12Document] | None = None,
) -> Iterator[tuple[ParsedTransaction, X12Document]]:
    """Read a file one transaction set at a time, each set's loops built as its segments
    arrive: nothing but the open loops (and what `on_close` keeps) is in memory, however
    large the set. Yields each set when it ends, with the document read so far."""
    from shared.x12.envelope import _EnvelopeReader
    from shared.x12.tokenizer import Tokenizer

    tok = Tokenizer(source)
    reader = _EnvelopeReader(issues)
    document = X12Document(tok.delimiters, reader.interchanges, issues, reader.stray)
    if documents is not None:
        documents.append(document)  # the caller's view of the envelopes, even with no set
    events = reader.stream(iter(tok))
    start: TransactionSet | Segment | None = next(events, None)
    document.delimiters = tok.delimiters
    while start is not None:
        if not isinstance(start, TransactionSet):
            start = next(events, None)  # pragma: no cover - bodies are consumed below
            continue
        document.delimiters = tok.delimiters  # known once the first segment was read
        body = _Body(events, start)
        yield (
            parse_transaction(start, document, issues, body, typed=typed, on_close=on_close),
            document,
        )
        for _ in body:
            pass  # whatever the builder left (it reads to SE)
        start = body.next_start if body.next_start is not None else next(events, None)
    issues[:0] = tok.warnings


class _Body:
    """The body segments of one streamed set, SE last; stops at the set's end."""

    __slots__ = ("events", "ts", "next_start", "done")

    def __init__(self, events: Iterator[TransactionSet | Segment], ts: TransactionSet) -> None:
        self.events = events
        self.ts = ts
        self.next_start: TransactionSet | None = None
        self.done = False

    def __iter__(self) -> Iterator[Segment]:
        if self.done:
            return
        for event in self.events:
            if isinstance(event, Segment):
                yield event
                if event.id == "SE":
                    break
            else:
                # The same set again: it ended without SE; another set: it starts now.
                if event is not self.ts:
                    self.next_start = event
                break
        self.done = True


def _read_ta1(seg: Any) -> Any:
    from shared.x12.x12_ta1_005010.models import Ta1Segment

    return Ta1Segment.from_segment(seg)
