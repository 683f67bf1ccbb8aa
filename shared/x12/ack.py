"""Our 999 acknowledgment of an inbound X12 file (an 837 batch, usually): what was wrong, where.

The reader engineer's tokenizer and envelope reader find the structure; each transaction
set is then read by its typed reader (when one exists), whose issues name segment position,
segment id, element and loop. This module turns that into 999 facts:

- per transaction set (AK2/IK5): trailer missing (2), ST/SE control numbers differ (3),
  SE01 count wrong (4), segments in error (5), set not supported (1), control number not
  unique in the group (23); verdict A (accepted), E (accepted, warnings noted) or R;
- per segment (IK3) and element (IK4), positions counted from ST = 1, with the claim
  (CTX*CLM01) the segment belongs to;
- per group (AK9): trailer missing (3), GS/GE control numbers differ (4), GE01 wrong (5).

Interchange (ISA/IEA) problems are outside a 999's reach (a TA1 reports those): they are
returned as `interchange_issues` for the caller to show.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope import FunctionalGroup, Interchange, X12Document, read_document
from shared.x12.envelope import TransactionSet as ReceivedSet
from shared.x12.envelope_writer import Party
from shared.x12.errors import Issue, Severity, X12Error
from shared.x12.loops import Loop, is_digits
from shared.x12.segments import Segment
from shared.x12.tokenizer import Source
from shared.x12.x12_999_005010X231A1.writer import (
    ElementError,
    GroupAcknowledgment,
    SegmentError,
    SetAcknowledgment,
    write_999,
)

__all__ = ["AckError", "AckResult", "assess", "assess_stream", "acknowledge", "acknowledge_stream"]

# Envelope issue codes about the set's own ST/SE: reported through IK5 codes, not IK3.
_SET_LEVEL_CODES = {"control_mismatch", "count_mismatch", "missing_se", "st_elements"}
_SEGMENT_ID = re.compile(r"[A-Z0-9]{2,3}")
_SUPPORTED_SETS = {"837", "835", "270", "271", "276", "277", "999"}


class AckError(X12Error):
    """No 999 can be written for this file (not X12, or no functional group to answer)."""


@dataclass(slots=True)
class AckResult:
    """The 999 text and the facts it carries."""

    text: str
    groups: list[GroupAcknowledgment]
    interchange_issues: list[Issue] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """True when every transaction set was accepted (with or without noted errors)."""
        return all(g.group_status in ("A", "E") for g in self.groups)


def _element_code(issue: Issue) -> str:
    """IK403 for an element-level issue, from the reader's issue code."""
    code = issue.code.lower()
    for keys, ik403 in (
        (("postal",), "I12"),
        (("number",), "6"),
        (("missing", "required", "empty"), "1"),
        (("too_long", "long"), "5"),
        (("too_short", "short"), "4"),
        (("date",), "8"),
        (("time",), "9"),
        (("character", "separator", "component"), "6"),
        (("too_many_components",), "13"),
        (("repetition",), "12"),
        (("code", "value", "qualifier", "version"), "7"),
    ):
        if any(key in code for key in keys):
            return ik403
    # Anything else the reader flags in an element breaks the guide's rules for it.
    return "I12"


def _segment_code(issue: Issue) -> str:
    """IK304 for a segment-level issue, from the reader's issue code."""
    code = issue.code.lower()
    for keys, ik304 in (
        (("unrecognized", "unknown_segment"), "1"),
        (("missing", "required"), "3"),
        (("loop_max", "loop_repeat"), "4"),
        (("max_use", "exceeds", "repeat"), "5"),
        (("sequence", "order"), "7"),
        (("not_used",), "I4"),
    ):
        if any(key in code for key in keys):
            return ik304
    return "2"  # unexpected segment: the reader could not place it


def _claim_of_positions(ts: ReceivedSet) -> dict[int, str]:
    """File position -> CLM01 of the claim (loop 2300 and below) containing that segment."""
    claim_at: dict[int, str] = {}
    current: str | None = None
    for seg in ts.segments:
        if seg.id == "HL":
            current = None
        elif seg.id == "CLM":
            current = seg.get(1) or None
        if current:
            claim_at[seg.position] = current
    return claim_at


def _segment_errors(ts: ReceivedSet, issues: list[Issue]) -> list[SegmentError]:
    by_position = {seg.position: seg for seg in ts.segments}
    return _segment_errors_at(ts, issues, by_position, _claim_of_positions(ts))


def _segment_errors_at(
    ts: ReceivedSet,
    issues: list[Issue],
    by_position: Mapping[int, Segment],
    claim_at: Mapping[int, str],
) -> list[SegmentError]:
    """IK3/IK4 for `issues`, given the segments they name and the claim of each position."""
    grouped: dict[int, list[Issue]] = {}
    for issue in issues:
        if issue.position is not None:
            grouped.setdefault(issue.position, []).append(issue)
    out: list[SegmentError] = []
    for position in sorted(grouped):
        seg = by_position.get(position)
        found = grouped[position]
        raw_id = seg.id if seg is not None else (found[0].segment_id or "ST")
        segment_id = _reportable_segment_id(raw_id)
        in_set = ts.position_in_set(seg) if seg is not None else position - ts.st.position + 1
        element_issues = [i for i in found if i.element]
        elements = tuple(
            ElementError(
                position=min(i.element or 1, 99),
                code=_element_code(i),
                component=i.component,
                bad_value=_bad_value(seg.get(i.element) if seg is not None and i.element else ""),
            )
            for i in element_issues
        )
        segment_level = [i for i in found if not i.element]
        code = _segment_code(segment_level[0]) if segment_level else "8"
        if segment_id != raw_id:
            # Not a segment id at all (garbage between terminators): unrecognized, no IK4.
            code, elements = "1", ()
        loop = next((i.loop for i in found if i.loop), None)
        out.append(
            SegmentError(segment_id, max(in_set, 1), code, loop, claim_at.get(position), elements)
        )
    return out


def _reportable_segment_id(raw: str) -> str:
    """IK301 must be 2-3 upper-case letters/digits; garbage is reduced to that shape."""
    if _SEGMENT_ID.fullmatch(raw):
        return raw
    cleaned = "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum())[:3]
    return cleaned.ljust(2, "X")


def _bad_value(value: str) -> str | None:
    # IK404 is at most 99 characters; an empty value is a missing element, nothing to copy;
    # a value holding one of our own delimiters cannot be copied into our 999 safely.
    if not value or any(d in value for d in "*:^~"):
        return None
    if not all(" " <= ch <= "~" for ch in value):
        return None  # control or non-ASCII characters are not allowed in an X12 element
    return value[:99]


def _echo(value: str, fallback: str) -> str:
    """A received id or control number copied into our 999, or `fallback` when it cannot be.

    Full-width '８３７' or Arabic-Indic '١' would make our own 999 non-ASCII (invalid X12);
    the problem itself is reported through the IK5/AK9 codes, not by echoing it.
    """
    return value if _bad_value(value) == value else fallback


def _set_acknowledgment(
    ts: ReceivedSet, issues: list[Issue], duplicate_control: bool
) -> SetAcknowledgment:
    return _set_verdict(
        ts,
        len(ts.segments),
        _segment_errors(ts, issues),
        any(i.is_error for i in issues),
        duplicate_control,
    )


def _set_verdict(
    ts: ReceivedSet,
    count: int,
    segment_errors: list[SegmentError],
    has_error: bool,
    duplicate_control: bool,
) -> SetAcknowledgment:
    """AK2/IK5 for one set: `count` is its ST..SE length, `segment_errors` its IK3s."""
    codes: list[str] = []
    if ts.id not in _SUPPORTED_SETS:
        codes.append("1")
    if not _echo(ts.control_number, ""):
        codes.append("7")  # missing, or not copyable into an AK202: invalid
    if ts.se is None:
        codes.append("2")
    else:
        if ts.se.get(2) != ts.control_number:
            codes.append("3")
        # ASCII digits only: '²3' passes str.isdigit() but int() refuses it, and int() reads
        # '١' (Arabic-Indic one) as 1; both are wrong counts to a 999, never a crash.
        if not is_digits(ts.se.get(1)) or int(ts.se.get(1)) != count:
            codes.append("4")
    if duplicate_control:
        codes.append("23")
    if segment_errors and (has_error or not codes):
        codes.append("5")
    if codes and (has_error or any(c != "5" for c in codes)):
        status = "R"
    elif segment_errors:
        status = "E"  # only warnings: accepted, with the noted problems listed
    else:
        status = "A"
    return SetAcknowledgment(
        set_id=_echo(ts.id, "837"),
        control_number=_echo(ts.control_number, "0000"),
        implementation=_echo(ts.st.get(3), "") or None,
        status=status,
        codes=tuple(dict.fromkeys(codes))[:5],
        segment_errors=tuple(segment_errors),
    )


def _group_acknowledgment(
    group: FunctionalGroup,
    issues: list[Issue],
    judged: Callable[[ReceivedSet, bool], SetAcknowledgment] | None = None,
) -> GroupAcknowledgment:
    """AK1..AK9 for one group; `judged(ts, duplicate)` gives a streamed set's verdict."""
    if group.gs is None:
        raise AckError("no functional group (GS) to acknowledge: a 999 answers a GS", position=1)
    controls = Counter(ts.control_number for ts in group.transactions)
    sets = []
    for ts in group.transactions:
        if judged is not None:
            sets.append(judged(ts, controls[ts.control_number] > 1))
            continue
        last = ts.se.position if ts.se is not None else ts.segments[-1].position
        mine = [
            i
            for i in issues
            if i.position is not None
            and ts.st.position <= i.position <= last
            and not (i.code in _SET_LEVEL_CODES and i.segment_id in ("ST", "SE"))
        ]
        sets.append(_set_acknowledgment(ts, mine, controls[ts.control_number] > 1))
    codes: list[str] = []
    ge = group.ge
    if ge is None:
        codes.append("3")
    else:
        if ge.get(2) != group.control_number:
            codes.append("4")
        if not is_digits(ge.get(1)) or int(ge.get(1)) != len(group.transactions):
            codes.append("5")
    if not is_digits(group.control_number):
        codes.append("6")
    if group.gs is not None and any(
        i.code == "unsupported_version" and i.position == group.gs.position for i in issues
    ):
        codes.append("2")
    included = int(ge.get(1)) if ge is not None and is_digits(ge.get(1)) else len(sets)
    return GroupAcknowledgment(
        functional_id=_echo(group.functional_id, "HC"),
        control_number=group.control_number if is_digits(group.control_number) else "0",
        # AK103 is required: a GS08 we cannot copy (non-ASCII) is answered as plain 5010.
        version=_echo(group.version, "005010") or None,
        sets=tuple(sets),
        sets_included=included,
        codes=tuple(codes),
    )


def _read(source: Source) -> tuple[X12Document, list[Issue]]:
    """Envelope, typed readers and strict validation: every issue with its position."""
    try:
        from shared.x12.reader import parse
        from shared.x12.validation import validate_parsed
    except ImportError:  # pragma: no cover - reader or validator absent: envelope checks only
        try:
            document = read_document(source)
        except X12Error as exc:
            raise _cannot(exc) from exc
        return document, list(document.issues)
    try:
        result = parse(source)
    except X12Error as exc:
        raise _cannot(exc) from exc
    return result.document, validate_parsed(result).issues


def _cannot(exc: X12Error) -> AckError:
    return AckError(
        f"cannot acknowledge: {exc.message}", position=exc.position, segment_id=exc.segment_id
    )


def assess(source: Source) -> tuple[list[tuple[Interchange, GroupAcknowledgment]], list[Issue]]:
    """Judge every functional group of `source`; returns the acks and interchange issues."""
    document, issues = _read(source)
    acks: list[tuple[Interchange, GroupAcknowledgment]] = []
    for interchange in document.interchanges:
        for group in interchange.groups:
            acks.append((interchange, _group_acknowledgment(group, issues)))
    if not acks:
        raise AckError("no functional group (GS) to acknowledge: a 999 answers a GS", position=None)
    set_ranges = [
        (ts.st.position, ts.se.position if ts.se else ts.segments[-1].position)
        for ts in document.transaction_sets()
    ]
    outside = [
        i
        for i in issues
        if i.severity is Severity.ERROR
        and not any(
            i.position is not None and start <= i.position <= end for start, end in set_ranges
        )
        and i.segment_id not in ("GS", "GE")
    ]
    return acks, outside


# Segments kept behind the reader to name the segment (and claim) of each issue found: a
# claim's loops close, and are checked, once the next claim's first segment has been read.
_WINDOW = 4096


class _SetWatch:
    """One streamed set: what its issues need from segments the reader has dropped.

    Each issue is resolved as soon as it is found, to its segment (from the window of
    recent segments, else from the loops still open) and the claim (CLM01) the segment
    belongs to; only the segments that carry an issue are kept.
    """

    def __init__(
        self,
        ts: ReceivedSet,
        issues: list[Issue],
        warnings: list[Issue],
        check_raw: Callable[[Segment], None] | None,
        warning_start: int,
    ) -> None:
        self.ts = ts
        self.issues = issues
        self.warnings = warnings
        # Issues found while the ST was read are this set's too (or the envelope's).
        self.issue_mark = 0
        self.warning_start = self.warning_mark = warning_start
        self.check_raw = check_raw
        self.claim: str | None = None
        self.window: dict[int, tuple[Segment, str | None]] = {}
        self.segments: dict[int, Segment] = {}
        self.claim_at: dict[int, str] = {}
        self.unresolved: set[int] = set()
        self._see(ts.st)

    def _see(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "HL":
            self.claim = None
        elif sid == "CLM":
            self.claim = seg.get(1) or None
        window = self.window
        window[seg.position] = (seg, self.claim)
        if len(window) > _WINDOW:
            del window[next(iter(window))]
        if self.check_raw is not None:
            self.check_raw(seg)

    def watch(self, body: Iterable[Segment]) -> Iterator[Segment]:
        for seg in body:
            self._see(seg)
            if len(self.issues) > self.issue_mark or len(self.warnings) > self.warning_mark:
                self.resolve(None, ())
            yield seg

    def resolve(
        self, loop: Loop | None, ancestors: Sequence[Loop], levels: Sequence[Segment] = ()
    ) -> None:
        fresh = self.issues[self.issue_mark :] + self.warnings[self.warning_mark :]
        self.issue_mark, self.warning_mark = len(self.issues), len(self.warnings)
        for issue in fresh:
            position = issue.position
            if position is None or position in self.segments or position < self.ts.st.position:
                continue
            found = self.window.get(position)
            if found is not None:
                self._keep(position, *found)
            else:
                self.unresolved.add(position)
        if self.unresolved and loop is not None:
            self._from_loops(loop, ancestors)
        if self.unresolved and levels:
            # HL numbering is judged at the set's end, over every HL the checks kept.
            for seg in levels:
                if seg.position in self.unresolved:
                    self._keep(seg.position, seg, None)

    def _keep(self, position: int, seg: Segment, claim: str | None) -> None:
        self.segments[position] = seg
        if claim:
            self.claim_at[position] = claim
        self.unresolved.discard(position)

    def _from_loops(self, loop: Loop, ancestors: Sequence[Loop]) -> None:
        """Issues about older segments (a billing provider judged as its loop closes)."""
        claim: str | None = None
        for above in ancestors:
            if above.LOOP_ID == "2300" and above.segments:
                claim = above.segments[0].get(1) or None
            for seg in above.segments:
                if seg.position in self.unresolved:
                    self._keep(seg.position, seg, claim)
        stack: list[tuple[Loop, str | None]] = [(loop, claim)]
        while stack and self.unresolved:
            current, claim = stack.pop()
            if current.LOOP_ID == "2300" and current.segments:
                claim = current.segments[0].get(1) or None
            for seg in current.segments:
                if seg.position in self.unresolved:
                    self._keep(seg.position, seg, claim)
            stack.extend((child, claim) for child in current.children)


def assess_stream(
    source: Source,
) -> tuple[list[tuple[Interchange, GroupAcknowledgment]], list[Issue]]:
    """`assess`, reading `source` once: each set's loops are validated as they close
    (`shared.x12.validation.TransactionChecks`, as `validate_stream` does) and a checked
    claim is dropped, so memory holds one claim, the envelopes and the issues found."""
    from shared.x12.envelope import _EnvelopeReader
    from shared.x12.loops import gc_paused
    from shared.x12.reader import ParsedTransaction, _Body, parse_transaction
    from shared.x12.tokenizer import Tokenizer
    from shared.x12.validation import (
        TransactionChecks,
        _check_envelopes,
        _check_segment,
        _dedupe,
    )

    issues: list[Issue] = []
    kept: list[Issue] = []  # issues outside any set (envelopes), for the group checks
    verdicts: dict[int, tuple[int, list[SegmentError], bool]] = {}
    consumed = 0  # tokenizer warnings already given to a set or to `kept`
    try:
        tok = Tokenizer(source)
        reader = _EnvelopeReader(issues)
        document = X12Document(tok.delimiters, reader.interchanges, issues, reader.stray)
        with gc_paused():
            events = reader.stream(iter(tok))
            start = next(events, None)
            document.delimiters = tok.delimiters
            while start is not None:
                if not isinstance(start, ReceivedSet):
                    start = next(events, None)  # pragma: no cover - bodies are read below
                    continue
                ts = start
                document.delimiters = tok.delimiters
                check_raw: Callable[[Segment], None] | None = None
                if ts.id not in ("835", "837", "270", "271", "276", "277", "999"):
                    kind, comp = ts.id, document.delimiters.component

                    def check_raw(seg: Segment, kind: str = kind, comp: str = comp) -> None:
                        _check_segment(seg, kind, comp, issues)

                # Warnings before this ST are the envelope's; from the ST on, the set's.
                while (
                    consumed < len(tok.warnings)
                    and _by_position(tok.warnings[consumed]) < ts.st.position
                ):
                    kept.append(tok.warnings[consumed])
                    consumed += 1
                watch = _SetWatch(ts, issues, tok.warnings, check_raw, consumed)

                def checks(parsed: ParsedTransaction, watch: _SetWatch = watch) -> Any:
                    if parsed.model is None:
                        return None
                    checked = TransactionChecks(parsed, issues, stream=True)

                    def on_close(loop: Loop, ancestors: list[Loop], attr: str) -> bool:
                        drop = checked.on_close(loop, ancestors, attr)
                        watch.resolve(loop, ancestors, () if ancestors else checked.levels)
                        return drop

                    return on_close

                body = _Body(events, ts)
                parse_transaction(
                    ts, document, issues, watch.watch(body), typed=False, on_close=checks
                )
                for _ in watch.watch(body):
                    pass  # whatever the builder left (it reads to SE)
                watch.resolve(None, ())
                verdicts[id(ts)] = _streamed_set(ts, watch, kept)
                consumed = watch.warning_mark
                del issues[:]
                start = body.next_start if body.next_start is not None else next(events, None)
    except X12Error as exc:
        raise _cannot(exc) from exc
    kept.extend(tok.warnings[consumed:])
    _check_envelopes(document, kept)
    kept.extend(issues)
    kept = _dedupe(sorted(kept, key=_by_position))

    def judged(ts: ReceivedSet, duplicate: bool) -> SetAcknowledgment:
        count, segment_errors, has_error = verdicts[id(ts)]
        return _set_verdict(ts, count, segment_errors, has_error, duplicate)

    acks: list[tuple[Interchange, GroupAcknowledgment]] = []
    for interchange in document.interchanges:
        for group in interchange.groups:
            acks.append((interchange, _group_acknowledgment(group, kept, judged)))
    if not acks:
        raise AckError("no functional group (GS) to acknowledge: a 999 answers a GS", position=None)
    outside = [i for i in kept if i.severity is Severity.ERROR and i.segment_id not in ("GS", "GE")]
    return acks, outside


def _by_position(issue: Issue) -> int:
    return issue.position if issue.position is not None else 1 << 60


def _streamed_set(
    ts: ReceivedSet, watch: _SetWatch, kept: list[Issue]
) -> tuple[int, list[SegmentError], bool]:
    """A streamed set's count, IK3s and whether any issue is an error; issues outside it
    (the group's, the interchange's) go to `kept`."""
    from shared.x12.validation import _dedupe

    last = ts.se.position if ts.se is not None else max([ts.st.position, *watch.window])
    found = [*watch.warnings[watch.warning_start : watch.warning_mark], *watch.issues]
    mine: list[Issue] = []
    for issue in found:
        position = issue.position
        if position is None or not ts.st.position <= position <= last:
            kept.append(issue)
            continue
        if issue.code in _SET_LEVEL_CODES and issue.segment_id in ("ST", "SE"):
            continue
        mine.append(issue)
    mine = _dedupe(sorted(mine, key=_by_position))
    segment_errors = _segment_errors_at(ts, mine, watch.segments, watch.claim_at)
    count = ts.count or len(ts.segments)
    return count, segment_errors, any(i.is_error for i in mine)


def acknowledge(
    source: Source,
    *,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str | None = None,
) -> AckResult:
    """The 999 for `source`: one interchange back to each sender, one 999 per group."""
    acks, outside = assess(source)
    return _answer(acks, outside, created_at=created_at, numbers=numbers, usage=usage)


def acknowledge_stream(
    source: Source,
    *,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str | None = None,
) -> AckResult:
    """`acknowledge`, reading the file once, one transaction set and one claim at a time
    (`assess_stream`): the same 999, in memory that does not grow with the claims."""
    acks, outside = assess_stream(source)
    return _answer(acks, outside, created_at=created_at, numbers=numbers, usage=usage)


def _answer(
    acks: list[tuple[Interchange, GroupAcknowledgment]],
    outside: list[Issue],
    *,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str | None,
) -> AckResult:
    texts: list[str] = []
    by_interchange: dict[int, tuple[Interchange, list[GroupAcknowledgment]]] = {}
    for interchange, group_ack in acks:
        by_interchange.setdefault(id(interchange), (interchange, []))[1].append(group_ack)
    for interchange, groups in by_interchange.values():
        isa = interchange.isa
        if isa is None:
            # A 999 goes back to the interchange's sender: without an ISA there is nobody to
            # address it to, and inventing parties would send it nowhere real.
            raise AckError(
                "the file has no ISA interchange header: a 999 is addressed to the ISA's "
                "sender and receiver, so none can be written (send the file with its "
                "ISA/IEA envelope)",
                position=1,
            )
        first_gs = interchange.groups[0].gs
        # We answer as the inbound receiver, to the inbound sender (ids and GS codes swapped).
        sender = Party(
            (interchange.receiver_id or "UNKNOWN")[:15],
            _qualifier(isa.get(7) if isa is not None else ""),
            _application_code(first_gs.get(3) if first_gs is not None else ""),
        )
        receiver = Party(
            (interchange.sender_id or "UNKNOWN")[:15],
            _qualifier(isa.get(5) if isa is not None else ""),
            _application_code(first_gs.get(2) if first_gs is not None else ""),
        )
        inbound_usage = isa.get(15) if isa is not None else "P"
        texts.append(
            write_999(
                groups,
                sender=sender,
                receiver=receiver,
                created_at=created_at,
                numbers=numbers,
                usage=usage or (inbound_usage if inbound_usage in ("P", "T") else "P"),
            )
        )
    return AckResult("".join(texts), [g for _, g in acks], outside)


def _qualifier(code: str) -> str:
    # A malformed inbound ISA05/ISA07 must not stop the acknowledgment: fall back to ZZ.
    return code if len(code) == 2 else "ZZ"


def _application_code(code: str) -> str | None:
    return code if 2 <= len(code) <= 15 else None
