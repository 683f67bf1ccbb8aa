"""X12 envelopes: interchanges (ISA/IEA), functional groups (GS/GE), transaction sets (ST/SE).

Reading is tolerant: a missing trailer, a headless file (starts at ST) or stray segments are
recorded as issues and reading goes on. The checks here are the envelope rules: control
numbers match (ISA13/IEA02, GS06/GE02, ST02/SE02) and counts are right (IEA01 groups,
GE01 transaction sets, SE01 segments from ST to SE inclusive).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from shared.x12.errors import Issue, Severity, X12EnvelopeError
from shared.x12.loops import gc_paused, is_digits
from shared.x12.segments import Delimiters, Segment
from shared.x12.tokenizer import Source, Tokenizer

__all__ = [
    "FunctionalGroup",
    "Interchange",
    "TransactionSet",
    "X12Document",
    "iter_transaction_sets",
    "read_document",
]


@dataclass(slots=True, eq=False)
class TransactionSet:
    """ST..SE with every segment in between, in file order (ST and SE included)."""

    segments: list[Segment]
    group: FunctionalGroup
    st: Segment
    se: Segment | None = None
    # Streamed sets keep only ST and SE in `segments`; `count` is their ST..SE length.
    count: int = 0

    @property
    def id(self) -> str:
        """ST01, e.g. '835'."""
        return self.st.get(1)

    @property
    def control_number(self) -> str:
        return self.st.get(2)

    @property
    def implementation(self) -> str:
        """ST03 when present, else the group's GS08 (e.g. '005010X221A1')."""
        return self.st.get(3) or self.group.version

    @property
    def body(self) -> list[Segment]:
        """Segments between ST and SE."""
        end = len(self.segments) - 1 if self.se is not None else len(self.segments)
        return self.segments[1:end]

    def position_in_set(self, segment: Segment) -> int:
        """Segment position counted from ST = 1 (as 999 IK302 and SE01 count)."""
        return segment.position - self.st.position + 1


@dataclass(slots=True, eq=False)
class FunctionalGroup:
    """GS..GE; `gs` is None for a headless file that starts at ST."""

    gs: Segment | None
    interchange: Interchange
    transactions: list[TransactionSet] = field(default_factory=list)
    ge: Segment | None = None

    @property
    def functional_id(self) -> str:
        """GS01, e.g. 'HP' (835), 'HC' (837), 'FA' (999)."""
        return self.gs.get(1) if self.gs else ""

    @property
    def control_number(self) -> str:
        return self.gs.get(6) if self.gs else ""

    @property
    def version(self) -> str:
        """GS08, e.g. '005010X222A1'."""
        return self.gs.get(8) if self.gs else ""


@dataclass(slots=True, eq=False)
class Interchange:
    """ISA..IEA; `isa` is None for a headless file."""

    isa: Segment | None
    groups: list[FunctionalGroup] = field(default_factory=list)
    iea: Segment | None = None
    ta1: list[Segment] = field(default_factory=list)

    @property
    def control_number(self) -> str:
        return self.isa.get(13) if self.isa else ""

    @property
    def sender_id(self) -> str:
        return self.isa.get(6).strip() if self.isa else ""

    @property
    def receiver_id(self) -> str:
        return self.isa.get(8).strip() if self.isa else ""

    @property
    def version(self) -> str:
        """ISA12, e.g. '00501'."""
        return self.isa.get(12) if self.isa else ""

    @property
    def ack_requested(self) -> bool:
        """ISA14 = '1': the sender wants a TA1."""
        return bool(self.isa) and self.isa.get(14) == "1"  # type: ignore[union-attr]

    def segments(self) -> Iterator[Segment]:
        if self.isa is not None:
            yield self.isa
        yield from self.ta1
        for group in self.groups:
            if group.gs is not None:
                yield group.gs
            for ts in group.transactions:
                yield from ts.segments
            if group.ge is not None:
                yield group.ge
        if self.iea is not None:
            yield self.iea


@dataclass(slots=True, eq=False)
class X12Document:
    """A whole file: its interchanges, delimiters and the issues met while reading it."""

    delimiters: Delimiters
    interchanges: list[Interchange]
    issues: list[Issue]
    stray: list[Segment] = field(default_factory=list)

    def transaction_sets(self) -> Iterator[TransactionSet]:
        for ic in self.interchanges:
            for group in ic.groups:
                yield from group.transactions

    def segments(self) -> Iterator[Segment]:
        """Every segment in file order (stray segments, outside any envelope, included)."""
        if not self.stray:
            for ic in self.interchanges:
                yield from ic.segments()
            return
        merged = [s for ic in self.interchanges for s in ic.segments()] + self.stray
        merged.sort(key=lambda s: s.position)
        yield from merged

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]


def _err(
    code: str,
    message: str,
    seg: Segment | None,
    element: int | None = None,
    *,
    position: int | None = None,
) -> Issue:
    return Issue(
        code,
        message,
        seg.position if seg is not None else position,
        seg.id if seg is not None else None,
        element,
    )


# GS01 functional identifier each transaction set belongs in (X12 005010 code list 479).
FUNCTIONAL_ID = {
    "835": "HP",
    "837": "HC",
    "270": "HS",
    "271": "HB",
    "276": "HR",
    "277": "HN",
    "278": "HI",
    "820": "RA",
    "834": "BE",
    "997": "FA",
    "999": "FA",
}


class _EnvelopeReader:
    """One pass over the segments: builds envelopes and records envelope issues.

    SNIP 1 (EDI syntax integrity) lives here: trailers, counts and control numbers, and
    their uniqueness (ISA13 in the file, GS06 in the interchange, ST02 in the group, so a
    remittance repeated under one control number is never posted twice), and the versions
    and functional ids that must agree (ISA12/GS08, GS01/ST01, GS08/ST03).
    """

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        self.isa_controls: set[str] = set()
        self.gs_controls: set[str] = set()
        self.st_controls: set[str] = set()
        self.interchanges: list[Interchange] = []
        self.stray: list[Segment] = []
        self.ic: Interchange | None = None
        self.group: FunctionalGroup | None = None
        self.ts: TransactionSet | None = None
        self.last_position = 0

    def run(self, segments: Iterator[Segment]) -> Iterator[TransactionSet]:
        """Transaction sets as each one ends, every segment in `segments`."""
        return cast(Iterator[TransactionSet], self._run(segments, stream=False))

    def stream(self, segments: Iterator[Segment]) -> Iterator[TransactionSet | Segment]:
        """Each transaction set as it starts, then its body segments one by one (SE last);
        only ST and SE stay on the set, with the ST..SE count, so memory stays flat."""
        return self._run(segments, stream=True)

    def _run(
        self, segments: Iterator[Segment], *, stream: bool
    ) -> Iterator[TransactionSet | Segment]:
        for seg in segments:
            self.last_position = seg.position
            sid = seg.id
            ts = self.ts
            if ts is not None and sid not in ("SE", "ST", "GE", "GS", "IEA", "ISA"):
                if stream:
                    ts.count += 1
                    yield seg
                else:
                    ts.segments.append(seg)
                continue
            if sid == "SE":
                if ts is None:
                    self._stray(seg, "SE without a matching ST")
                    continue
                ts.segments.append(seg)
                ts.se = seg
                if stream:
                    ts.count += 1
                self._check_se(ts, seg)
                self.ts = None
                # In a stream, SE itself marks the set's end.
                yield seg if stream else ts
            elif sid == "ST":
                if ts is not None:
                    self.issues.append(
                        _err(
                            "missing_se",
                            f"transaction set {ts.control_number!r} has no SE before the next ST",
                            seg,
                        )
                    )
                    self.ts = None
                    yield ts
                group = self.group
                if group is None:
                    if self.ic is None:
                        self.ic = Interchange(None)
                        self.interchanges.append(self.ic)
                    group = FunctionalGroup(None, self.ic)
                    self.ic.groups.append(group)
                    self.group = group
                    if self.ic.isa is not None:
                        self.issues.append(
                            _err("missing_gs", "ST outside a functional group (no GS)", seg)
                        )
                ts = TransactionSet([seg], group, seg, count=1)
                group.transactions.append(ts)
                self.ts = ts
                self._check_st(seg, group)
                if stream:
                    yield ts
                if len(seg.elements) < 2 or not seg.get(1) or not seg.get(2):
                    self.issues.append(
                        _err(
                            "st_elements",
                            "ST needs ST01 (transaction id) and ST02 (control number)",
                            seg,
                            2 if seg.get(1) else 1,
                        )
                    )
            elif sid == "GS":
                self._close_open(seg, "GS")
                if self.ic is None:
                    self.issues.append(
                        _err("missing_isa", "GS outside an interchange (no ISA)", seg)
                    )
                    self.ic = Interchange(None)
                    self.interchanges.append(self.ic)
                self.group = FunctionalGroup(seg, self.ic)
                self.ic.groups.append(self.group)
                self._check_gs(seg, self.ic)
                if not seg.get(6):
                    self.issues.append(
                        _err("gs_elements", "GS06 group control number is missing", seg, 6)
                    )
            elif sid == "GE":
                if ts is not None:
                    self.issues.append(
                        _err(
                            "missing_se",
                            f"transaction set {ts.control_number!r} has no SE before GE",
                            seg,
                        )
                    )
                    self.ts = None
                    yield ts
                if self.group is None or self.group.gs is None:
                    self._stray(seg, "GE without a matching GS")
                    continue
                self.group.ge = seg
                self._check_ge(self.group, seg)
                self.group = None
            elif sid == "ISA":
                self._close_open(seg, "ISA")
                if self.ic is not None:
                    if self.ic.iea is None and self.ic.isa is not None:
                        self.issues.append(
                            _err("missing_iea", "interchange has no IEA before the next ISA", seg)
                        )
                self.ic = Interchange(seg)
                self.interchanges.append(self.ic)
                self._check_isa(seg)
            elif sid == "IEA":
                self._close_open(seg, "IEA")
                if self.ic is None or self.ic.isa is None:
                    self._stray(seg, "IEA without a matching ISA")
                    continue
                self.ic.iea = seg
                self._check_iea(self.ic, seg)
                self.ic = None
            elif sid == "TA1" and self.ic is not None and self.group is None and not self.ic.groups:
                # TA1 (interchange acknowledgment) sits between ISA and the first GS.
                self.ic.ta1.append(seg)
            else:
                self._stray(seg, f"segment {sid} outside a transaction set (no ST)")
        # End of file: anything still open lacks its trailer.
        end = self.last_position
        if self.ts is not None:
            self.issues.append(
                _err(
                    "missing_se",
                    f"transaction set {self.ts.control_number!r} has no SE (end of file)",
                    None,
                    position=end,
                )
            )
            yield self.ts
            self.ts = None
        if self.group is not None and self.group.gs is not None and self.group.ge is None:
            self.issues.append(
                _err(
                    "missing_ge",
                    f"functional group {self.group.control_number!r} has no GE (end of file)",
                    None,
                    position=end,
                )
            )
        if self.ic is not None and self.ic.isa is not None and self.ic.iea is None:
            self.issues.append(
                _err(
                    "missing_iea",
                    f"interchange {self.ic.control_number!r} has no IEA (end of file)",
                    None,
                    position=end,
                )
            )

    def _stray(self, seg: Segment, message: str) -> None:
        self.stray.append(seg)
        self.issues.append(_err("stray_segment", message, seg))

    def _close_open(self, seg: Segment, opener: str) -> None:
        """A GS/ISA/IEA arrived while a transaction set or group was still open."""
        if self.ts is not None:
            self.issues.append(
                _err(
                    "missing_se",
                    f"transaction set {self.ts.control_number!r} has no SE before {opener}",
                    seg,
                )
            )
            self.ts = None
        if self.group is not None:
            if self.group.gs is not None:
                self.issues.append(
                    _err(
                        "missing_ge",
                        f"functional group {self.group.control_number!r} has no GE before {opener}",
                        seg,
                    )
                )
            self.group = None

    # -- checks ---------------------------------------------------------------------------

    def _duplicate(self, seen: set[str], value: str, seg: Segment, index: int, scope: str) -> None:
        if not value:
            return
        if value in seen:
            self.issues.append(
                _err(
                    "duplicate_control",
                    f"{seg.id}{index:02d} control number {value[:12]!r} is used twice {scope}",
                    seg,
                    index,
                )
            )
        else:
            seen.add(value)

    def _check_gs(self, gs: Segment, ic: Interchange) -> None:
        self.st_controls = set()
        self._duplicate(self.gs_controls, gs.get(6), gs, 6, "in this interchange")
        version = gs.get(8)
        isa12 = ic.version
        if isa12 and version and version[:5] != isa12:
            self.issues.append(
                _err(
                    "version_mismatch",
                    f"GS08 {version[:12]!r} does not agree with ISA12 {isa12!r}",
                    gs,
                    8,
                )
            )

    def _check_st(self, st: Segment, group: FunctionalGroup) -> None:
        self._duplicate(self.st_controls, st.get(2), st, 2, "in this functional group")
        if group.gs is None:
            return
        expected = FUNCTIONAL_ID.get(st.get(1))
        if expected is not None and group.functional_id and group.functional_id != expected:
            self.issues.append(
                _err(
                    "functional_group_mismatch",
                    f"a {st.get(1)} belongs in a {expected} functional group, "
                    f"not GS01 {group.functional_id[:4]!r}",
                    st,
                    1,
                )
            )
        st03 = st.get(3)
        if st03 and group.version and st03 != group.version:
            self.issues.append(
                _err(
                    "version_mismatch",
                    f"ST03 {st03[:12]!r} does not agree with GS08 {group.version[:12]!r}",
                    st,
                    3,
                )
            )

    def _check_isa(self, isa: Segment) -> None:
        self.gs_controls = set()
        self._duplicate(self.isa_controls, isa.get(13), isa, 13, "in this file")
        if len(isa.elements) != 16:
            self.issues.append(
                _err(
                    "isa_elements",
                    f"ISA has {len(isa.elements)} elements, expected 16",
                    isa,
                    min(len(isa.elements), 16),
                )
            )
            return
        expected = {
            1: 2,
            2: 10,
            3: 2,
            4: 10,
            5: 2,
            6: 15,
            7: 2,
            8: 15,
            9: 6,
            10: 4,
            12: 5,
            13: 9,
            14: 1,
            15: 1,
        }
        for index, width in expected.items():
            if len(isa.get(index)) != width:
                self.issues.append(
                    _err(
                        "isa_width",
                        f"ISA{index:02d} must be {width} characters (fixed width)",
                        isa,
                        index,
                    )
                )
        if not is_digits(isa.get(13)):
            self.issues.append(
                _err("isa_control", "ISA13 interchange control number must be 9 digits", isa, 13)
            )
        if isa.get(15) not in ("P", "T"):
            self.issues.append(_err("isa_usage", "ISA15 usage indicator must be P or T", isa, 15))

    def _check_iea(self, ic: Interchange, iea: Segment) -> None:
        if iea.get(2) != ic.control_number:
            self.issues.append(
                _err(
                    "control_mismatch",
                    f"IEA02 {iea.get(2)!r} does not match ISA13 {ic.control_number!r}",
                    iea,
                    2,
                )
            )
        if iea.get(1) != str(len(ic.groups)) and _int(iea.get(1)) != len(ic.groups):
            self.issues.append(
                _err(
                    "count_mismatch",
                    f"IEA01 says {iea.get(1)!r} functional groups, found {len(ic.groups)}",
                    iea,
                    1,
                )
            )

    def _check_ge(self, group: FunctionalGroup, ge: Segment) -> None:
        if ge.get(2) != group.control_number:
            self.issues.append(
                _err(
                    "control_mismatch",
                    f"GE02 {ge.get(2)!r} does not match GS06 {group.control_number!r}",
                    ge,
                    2,
                )
            )
        if _int(ge.get(1)) != len(group.transactions):
            self.issues.append(
                _err(
                    "count_mismatch",
                    f"GE01 says {ge.get(1)!r} transaction sets, found {len(group.transactions)}",
                    ge,
                    1,
                )
            )

    def _check_se(self, ts: TransactionSet, se: Segment) -> None:
        if se.get(2) != ts.control_number:
            self.issues.append(
                _err(
                    "control_mismatch",
                    f"SE02 {se.get(2)!r} does not match ST02 {ts.control_number!r}",
                    se,
                    2,
                )
            )
        found = max(ts.count, len(ts.segments))
        if _int(se.get(1)) != found:
            self.issues.append(
                _err(
                    "count_mismatch",
                    f"SE01 says {se.get(1)!r} segments, found {found} (ST to SE)",
                    se,
                    1,
                )
            )


def _int(text: str) -> int | None:
    return int(text) if is_digits(text) else None


def iter_transaction_sets(
    source: Source, issues: list[Issue] | None = None
) -> Iterator[TransactionSet]:
    """Stream transaction sets one by one (for large files); issues are appended as found."""
    issues = [] if issues is None else issues
    tok = Tokenizer(source)
    reader = _EnvelopeReader(issues)
    yield from reader.run(iter(tok))
    issues[:0] = tok.warnings


def read_document(source: Source, *, strict: bool = False) -> X12Document:
    """Read a whole document: tolerant by default; `strict=True` raises on the first envelope error.

    Raises X12SyntaxError when the text is not X12 at all (nothing to read).
    """
    issues: list[Issue] = []
    tok = Tokenizer(source)
    reader = _EnvelopeReader(issues)
    with gc_paused():
        for _ in reader.run(iter(tok)):
            pass
    issues[:0] = tok.warnings
    doc = X12Document(tok.delimiters, reader.interchanges, issues, reader.stray)
    if strict:
        first = next((i for i in issues if i.severity is Severity.ERROR), None)
        if first is not None:
            raise X12EnvelopeError(
                first.message,
                position=first.position,
                segment_id=first.segment_id,
                element=first.element,
                code=first.code,
            )
    return doc
