"""Strict X12 validation: envelopes, structure, required elements, codes, dates, amounts, balancing.

Reading is tolerant (see `reader.parse`); this module decides whether a document is valid.
Checks are tables over segment ids so one pass covers every transaction; per-transaction
rules (required loops, 835 balancing, 837 claim totals) follow the typed models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from shared.x12.envelope import X12Document
from shared.x12.errors import Issue, Severity, X12Error
from shared.x12.guides import guide_table
from shared.x12.loops import Loop, OnClose, gc_paused, is_digits
from shared.x12.reader import ParsedTransaction, ParseResult, stream_transactions
from shared.x12.rules import Check, RuleContext, rules_for
from shared.x12.segments import Segment
from shared.x12.tokenizer import Source

__all__ = ["ValidationReport", "validate", "validate_parsed", "validate_stream"]

# X12 numeric (R/N) value: optional minus, digits with at most one decimal point. ASCII
# only: Python's \d also matches other scripts' digits, which Decimal() and int() accept.
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)\Z", re.ASCII)
_DIGITS = re.compile(r"\d+\Z", re.ASCII)

# Elements that must be present (1-based), by segment id.
REQUIRED_ELEMENTS: dict[str, tuple[int, ...]] = {
    "BPR": (1, 2, 3, 4, 16),
    "TRN": (1, 2),
    "N1": (1, 2),
    "CLP": (1, 2, 3, 4),
    "CAS": (1, 2, 3),
    "SVC": (1, 2, 3),
    "PLB": (1, 2, 3, 4),
    "LX": (1,),
    "NM1": (1, 2),
    "N3": (1,),
    "N4": (1,),
    "REF": (1, 2),
    "DTM": (1, 2),
    "DTP": (1, 2, 3),
    "HL": (1, 3),
    "BHT": (1, 2),
    "CLM": (1, 2, 5),
    "SV1": (1, 2, 3, 4),
    "SV2": (1, 3),
    "SBR": (1,),
    "AMT": (1, 2),
    "HI": (1,),
    "EB": (1,),
    "STC": (1,),
    "AK1": (1, 2),
    "AK2": (1, 2),
    "IK3": (1, 2, 4),
    "IK4": (1, 3),
    "IK5": (1,),
    "AK9": (1, 2, 3, 4),
    "TA1": (1, 2, 3, 4, 5),
    "GS": (1, 2, 3, 4, 5, 6, 7, 8),
}
# Per-guide exceptions: (kind, segment) -> required elements (claim status SVC has no SVC03).
REQUIRED_ELEMENTS_BY_KIND: dict[tuple[str, str], tuple[int, ...]] = {
    ("276", "SVC"): (1, 2),
    ("277", "SVC"): (1, 2),
    ("277CA", "SVC"): (1, 2),
}
# Composite components that must be present: (segment, element) -> components.
REQUIRED_COMPONENTS: dict[tuple[str, int], tuple[int, ...]] = {
    ("SVC", 1): (1, 2),
    ("SV1", 1): (1, 2),
    ("SV2", 2): (1, 2),
    ("CLM", 5): (1, 3),
    ("HI", 1): (1, 2),
    ("STC", 1): (1,),
}
# Elements holding a CCYYMMDD date.
DATE_ELEMENTS: dict[str, tuple[int, ...]] = {
    "BPR": (16,),
    "DTM": (2,),
    "BHT": (4,),
    "GS": (4,),
    "PLB": (2,),
    "STC": (2, 6),
}
# Elements holding a whole number (X12 type N0): counts, sequence and line numbers.
INTEGER_ELEMENTS: dict[str, tuple[int, ...]] = {
    "LX": (1,),
    "HL": (1, 2),
    "SE": (1,),
    "GE": (1,),
    "IEA": (1,),
    "AK9": (2, 3, 4),
    "IK3": (2,),
}
# Elements holding an amount or quantity (X12 type R).
AMOUNT_ELEMENTS: dict[str, tuple[int, ...]] = {
    "BPR": (2,),
    "CLP": (3, 4, 5),
    "CAS": (3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19),
    "SVC": (2, 3, 5, 7),
    "PLB": (4, 6, 8, 10, 12, 14),
    "AMT": (2,),
    "QTY": (2,),
    "CLM": (2,),
    "SV1": (2, 4),
    "SV2": (3, 5, 7),
    "SVD": (2, 5),
    "STC": (4, 5),
    "EB": (7, 8, 10),
}

_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE "
    "NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS FM GU MH MP PW PR VI AA AE AP "
    "AB BC MB NB NL NS NT NU ON PE QC SK YT".split()
)
# Code lists checked, (segment, element) -> allowed values.
CODES: dict[tuple[str, int], frozenset[str]] = {
    ("CLP", 2): frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"}),
    ("CAS", 1): frozenset({"CO", "OA", "PI", "PR"}),
    # GS01 functional identifier codes of the health care transactions.
    ("GS", 1): frozenset({"HC", "HP", "HS", "HB", "HR", "HN", "FA", "HI", "BE", "RA"}),
    ("BPR", 1): frozenset({"C", "D", "H", "I", "P", "U", "X"}),
    ("BPR", 3): frozenset({"C", "D"}),
    ("BPR", 4): frozenset({"ACH", "BOP", "CHK", "FWT", "NON"}),
    ("SBR", 1): frozenset("PSTABCDEFGHU"),
    ("DTP", 2): frozenset({"D8", "RD8", "DT"}),
    ("IK5", 1): frozenset({"A", "E", "M", "R", "W", "X"}),
    ("AK9", 1): frozenset({"A", "E", "M", "P", "R", "W", "X"}),
    ("TA1", 4): frozenset({"A", "E", "R"}),
    ("DMG", 3): frozenset({"F", "M", "U"}),
    # NM108 identification code qualifiers used by the 005010 health care guides.
    ("NM1", 8): frozenset(
        "24 34 46 AD BD BS C CI EI FA FI HN II MC MI MR N NI PC PI PP SV SY XV XX ZZ".split()
    ),
    ("SBR", 9): frozenset(
        "11 12 13 14 15 16 17 AM BL CH CI DS FI HM LM MA MB MC OF TV VA WC ZZ".split()
    ),
    ("PER", 3): frozenset({"EM", "FX", "TE", "EX", "UR"}),
}
# Composite component code lists: (segment, element, component) -> allowed values.
COMPONENT_CODES: dict[tuple[str, int, int], frozenset[str]] = {
    ("SVC", 1, 1): frozenset({"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU", "UI", "WK"}),
    ("SV1", 1, 1): frozenset({"ER", "HC", "IV", "WK"}),
    ("CLM", 5, 3): frozenset({"1", "2", "3", "4", "5", "7", "8"}),
}
# Per transaction kind: BHT01 structure code and the HL03 level codes the guide allows.
BHT01 = {
    "837P": "0019",
    "837I": "0019",
    "270": "0022",
    "271": "0022",
    "276": "0010",
    "277": "0010",
    "277CA": "0085",
}
# CLM05-2: B (place of service) in the 837P, A (uniform billing facility type) in the 837I.
CLM05_2 = {"837P": "B", "837I": "A"}
HL03 = {
    "837P": frozenset({"20", "22", "23"}),
    "837I": frozenset({"20", "22", "23"}),
    "270": frozenset({"20", "21", "22", "23"}),
    "271": frozenset({"20", "21", "22", "23"}),
    "276": frozenset({"20", "21", "19", "22", "23"}),
    "277": frozenset({"20", "21", "19", "22", "23"}),
    "277CA": frozenset({"20", "21", "19", "PT"}),
}
# STC01-1 category codes look like A0..A8, P0..P5, F0..F5 (and F3F/F3N), E0..E4, R0..R16, D0, DR01..
_STC_CATEGORY = re.compile(r"(A[0-8]|P[0-5]|F[0-5]|F3[FN]|E[0-4]|R(1[0-6]|[0-9])|D0|DR0[1-8])\Z")


# The tables above indexed by segment id (one dict lookup per segment in the hot loop).
_REQUIRED_COMPONENTS_BY_ID: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
for (_sid, _index), _comps in REQUIRED_COMPONENTS.items():
    _REQUIRED_COMPONENTS_BY_ID.setdefault(_sid, []).append((_index, _comps))
_CODES_BY_ID: dict[str, list[tuple[int, frozenset[str]]]] = {}
for (_sid, _index), _allowed in CODES.items():
    _CODES_BY_ID.setdefault(_sid, []).append((_index, _allowed))
_COMPONENT_CODES_BY_ID: dict[str, list[tuple[int, int, frozenset[str]]]] = {}
for (_sid, _index, _c), _allowed in COMPONENT_CODES.items():
    _COMPONENT_CODES_BY_ID.setdefault(_sid, []).append((_index, _c, _allowed))


@dataclass(slots=True)
class ValidationReport:
    """Every issue found; `ok` when none is an error."""

    issues: list[Issue] = field(default_factory=list)
    parsed: ParseResult | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def segment_ids(self) -> set[str]:
        """Ids of the segments blamed by errors."""
        return {i.segment_id for i in self.errors if i.segment_id}


# Layout the tokenizer forgives (a warning) and `validate --strict` does not (an error).
STRICT_LAYOUT = frozenset({"leading_whitespace", "trailing_separator"})


def validate(source: Source, *, strict: bool = False) -> ValidationReport:
    """Validate a document; never raises for bad input (a syntax error is an issue).

    Every WEDI SNIP 1-5 check is an error. Layout the guides tolerate in practice (spaces
    before a segment, a separator after the last element) is a warning, and an error with
    `strict=True`.
    """
    return validate_stream(source, strict=strict)


def _strict(issue: Issue) -> Issue:
    return replace(issue, severity=Severity.ERROR) if issue.code in STRICT_LAYOUT else issue


def validate_stream(
    source: Source, *, strict: bool = False, sink: Callable[[Issue], None] | None = None
) -> ValidationReport:
    """`validate`, reading the file once, one transaction set and one claim at a time.

    Memory holds the open loops of the claim being read (plus the envelope), so a
    200,000-claim 835 is checked in the same memory as a small one. Issues go to `sink` as
    each set ends (when given) and are not kept; the report then holds none.
    """
    issues: list[Issue] = []
    kept: list[Issue] = []
    documents: list[X12Document] = []

    def flush() -> None:
        batch = [_strict(i) for i in issues] if strict else list(issues)
        issues.clear()
        batch.sort(key=lambda i: i.position if i.position is not None else 1 << 60)
        for issue in _dedupe(batch):
            if sink is not None:
                sink(issue)
            else:
                kept.append(issue)

    def checks(parsed: ParsedTransaction) -> OnClose | None:
        if parsed.model is None:
            return None
        return TransactionChecks(parsed, issues, stream=True).on_close

    try:
        with gc_paused():
            for _ in stream_transactions(
                source, issues, typed=False, on_close=checks, documents=documents
            ):
                flush()
    except X12Error as exc:
        issues.append(exc.issue)
    for document in documents:
        _check_envelopes(document, issues)
    flush()
    return ValidationReport(kept, None)


def _check_envelopes(document: X12Document, issues: list[Issue]) -> None:
    comp_default = document.delimiters.component
    for ic in document.interchanges:
        for group in ic.groups:
            if group.gs is not None:
                _check_segment(group.gs, "", comp_default, issues)
                if not group.version.startswith("005010"):
                    issues.append(
                        Issue(
                            "unsupported_version",
                            f"GS08 {group.version!r} is not a 005010 guide",
                            group.gs.position,
                            "GS",
                            8,
                        )
                    )
        for ta1 in ic.ta1:
            _check_segment(ta1, "", comp_default, issues)


def validate_parsed(result: ParseResult, *, strict: bool = False) -> ValidationReport:
    issues = [_strict(i) for i in result.issues] if strict else list(result.issues)
    _check_envelopes(result.document, issues)
    comp_default = result.document.delimiters.component
    for t in result.transactions:
        if t.model is None:
            for seg in t.envelope.segments:
                _check_segment(seg, t.kind, comp_default, issues)
            continue
        TransactionChecks(t, issues, stream=False).check_model(t.model)
    issues.sort(key=lambda i: i.position if i.position is not None else 1 << 60)
    return ValidationReport(_dedupe(issues), result)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for i in issues:
        key = (i.code, i.position, i.element, i.component)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


# -- segment-level checks -------------------------------------------------------------------


def _check_segment(
    seg: Segment, kind: str, comp: str, issues: list[Issue], *, hand_tables: bool = True
) -> None:
    """Checks of one segment on its own. `hand_tables=False` where a guide table judges the
    segment (SNIP 2): only what the tables leave out (DTP03 against DTP02, DMG02, N4
    state and ZIP) is checked here."""
    sid = seg.id
    pos = seg.position
    if not (2 <= len(sid) <= 3 and sid.isascii() and sid.isalnum() and sid.isupper()):
        issues.append(
            Issue("bad_segment_id", f"{sid[:10]!r} is not a segment id", pos, sid[:3] or None)
        )
        return
    get = seg.get
    if not hand_tables:
        if sid in ("DTP", "DMG", "N4"):
            _check_situational_formats(seg, issues)
        return
    required = REQUIRED_ELEMENTS_BY_KIND.get((kind, sid)) or REQUIRED_ELEMENTS.get(sid, ())
    for index in required:
        if not get(index).strip():
            issues.append(
                Issue(
                    "required_element",
                    f"required element {sid}{index:02d} is missing",
                    pos,
                    sid,
                    index,
                )
            )
    for index, comps in _REQUIRED_COMPONENTS_BY_ID.get(sid, ()):
        if get(index):
            parts = get(index).split(comp)
            for c in comps:
                if len(parts) < c or not parts[c - 1]:
                    issues.append(
                        Issue(
                            "required_component",
                            f"required component {sid}{index:02d}-{c} is missing",
                            pos,
                            sid,
                            index,
                            component=c,
                        )
                    )
    for index in DATE_ELEMENTS.get(sid, ()):
        value = get(index)
        if value and not _valid_date(value):
            issues.append(
                Issue(
                    "invalid_date",
                    f"{sid}{index:02d} {value!r} is not a valid CCYYMMDD date",
                    pos,
                    sid,
                    index,
                )
            )
    for index in INTEGER_ELEMENTS.get(sid, ()):
        value = get(index)
        if value and not is_digits(value):
            issues.append(
                Issue(
                    "invalid_number",
                    f"{sid}{index:02d} {value[:20]!r} is not a whole number",
                    pos,
                    sid,
                    index,
                )
            )
    for index in AMOUNT_ELEMENTS.get(sid, ()):
        value = get(index)
        if value and (len(value) > 18 or not _NUMBER.match(value)):
            issues.append(
                Issue(
                    "invalid_number",
                    f"{sid}{index:02d} {value[:20]!r} is not a number",
                    pos,
                    sid,
                    index,
                )
            )
    for index, allowed in _CODES_BY_ID.get(sid, ()):
        value = get(index)
        if value and value not in allowed:
            issues.append(
                Issue(
                    "invalid_code",
                    f"{sid}{index:02d} {value[:20]!r} is not a valid code",
                    pos,
                    sid,
                    index,
                )
            )
    for index, c, allowed in _COMPONENT_CODES_BY_ID.get(sid, ()):
        if get(index):
            parts = get(index).split(comp)
            value = parts[c - 1] if len(parts) >= c else ""
            if value and value not in allowed:
                issues.append(
                    Issue(
                        "invalid_code",
                        f"{sid}{index:02d}-{c} {value[:20]!r} is not a valid code",
                        pos,
                        sid,
                        index,
                        component=c,
                    )
                )
    if sid in ("DTP", "DMG", "N4"):
        _check_situational_formats(seg, issues)
    if sid == "STC":
        category = get(1).split(comp)[0]
        if category and not _STC_CATEGORY.match(category):
            issues.append(
                Issue(
                    "invalid_code",
                    f"STC01-1 {category[:10]!r} is not a claim status category code",
                    pos,
                    sid,
                    1,
                    component=1,
                )
            )
    elif sid in ("ST", "SE", "AK2") and get(2) and not 4 <= len(get(2)) <= 9:
        issues.append(
            Issue(
                "element_length", f"{sid}02 control number must be 4 to 9 characters", pos, sid, 2
            )
        )
    elif sid == "GS" and get(5) and not _valid_time(get(5)):
        issues.append(
            Issue("invalid_time", f"GS05 {get(5)[:10]!r} is not a valid HHMM[SS] time", pos, sid, 5)
        )
    elif sid == "CLM" and kind in CLM05_2 and get(5):
        parts = get(5).split(comp)
        qualifier = parts[1] if len(parts) > 1 else ""
        if qualifier and qualifier != CLM05_2[kind]:
            issues.append(
                Issue(
                    "invalid_code",
                    f"CLM05-2 must be {CLM05_2[kind]} in a {kind} (facility code qualifier)",
                    pos,
                    sid,
                    5,
                    component=2,
                )
            )
    elif sid == "BHT" and kind in BHT01 and get(1) != BHT01[kind]:
        issues.append(
            Issue("invalid_code", f"BHT01 must be {BHT01[kind]} for a {kind}", pos, sid, 1)
        )
    elif sid == "HL" and kind in HL03 and get(3) and get(3) not in HL03[kind]:
        issues.append(
            Issue(
                "invalid_code",
                f"HL03 {get(3)[:10]!r} is not a level of the {kind} guide",
                pos,
                sid,
                3,
            )
        )


def _check_situational_formats(seg: Segment, issues: list[Issue]) -> None:
    """DTP03 in its DTP02 format, DMG02 a date, N4 state and US ZIP code."""
    sid, get, pos = seg.id, seg.get, seg.position
    if sid == "DTP":
        _check_dtp(seg, issues)
    elif sid == "DMG" and get(1) == "D8" and get(2) and not _valid_date(get(2)):
        issues.append(Issue("invalid_date", "DMG02 is not a valid CCYYMMDD date", pos, sid, 2))
    elif sid == "N4":
        state = get(2)
        if state and not get(4) and state not in _US_STATES:
            issues.append(
                Issue(
                    "invalid_code",
                    f"N402 {state[:10]!r} is not a state or province code",
                    pos,
                    sid,
                    2,
                )
            )
        postal = get(3)
        if postal and not get(4) and not (_DIGITS.match(postal) and len(postal) in (5, 9)):
            issues.append(
                Issue("invalid_postal_code", "N403 US ZIP code must be 5 or 9 digits", pos, sid, 3)
            )


def _valid_time(text: str) -> bool:
    if len(text) not in (4, 6, 7, 8) or not is_digits(text):
        return False
    return text[:2] < "24" and text[2:4] < "60" and (len(text) < 6 or text[4:6] < "60")


def _valid_date(text: str) -> bool:
    if len(text) != 8 or not is_digits(text):
        return False
    year = int(text[:4])
    if year < 1800:
        return False
    try:
        date(year, int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def _check_dtp(seg: Segment, issues: list[Issue]) -> None:
    fmt = seg.get(2)
    value = seg.get(3)
    if not value:
        return
    if fmt == "D8":
        ok = _valid_date(value)
    elif fmt == "DT":
        ok = (
            len(value) == 12
            and _valid_date(value[:8])
            and is_digits(value[8:])
            and value[8:10] < "24"
            and value[10:] < "60"
        )
    elif fmt == "RD8":
        a, sep, b = value.partition("-")
        ok = bool(sep) and _valid_date(a) and _valid_date(b) and a <= b
    else:
        return
    if not ok:
        issues.append(
            Issue(
                "invalid_date",
                f"DTP03 {value[:20]!r} is not a valid {fmt} date",
                seg.position,
                "DTP",
                3,
            )
        )


# -- transaction-level checks ---------------------------------------------------------------


# Loops a streaming validation drops once checked: the claim and the levels above it that
# repeat per claim, so memory stays flat however many claims a set holds.
UNITS: dict[str, frozenset[str]] = {
    "835": frozenset({"2100"}),
    "837P": frozenset({"2300", "2000C", "2000B"}),
    "837I": frozenset({"2300", "2000C", "2000B"}),
}


class TransactionChecks:
    """Every check of one transaction set, run loop by loop as each loop closes.

    The same object serves a streamed read (`on_close` is the loop builder's callback, and
    a checked claim is dropped) and a parsed model (`check_model` closes it children
    first). Per loop: its segments (`_check_segment`), its segment order, the guide table
    (SNIP 2) and the rules (SNIP 3-5); at the transaction's end, its HL numbering and, for
    the guides without a table, the hand-written structure checks.
    """

    __slots__ = ("parsed", "issues", "closer", "hand_tables", "units", "levels", "comp")

    def __init__(self, parsed: ParsedTransaction, issues: list[Issue], *, stream: bool) -> None:
        self.parsed = parsed
        self.issues = issues
        self.comp = parsed.component
        self.closer = LoopCloser(
            parsed.kind, parsed.expected_version, self.comp, issues, parsed.repetition
        )
        self.hand_tables = self.closer.table is None
        self.units = UNITS.get(parsed.kind, frozenset()) if stream else frozenset()
        self.levels: list[Segment] = []

    def on_close(self, loop: Loop, ancestors: list[Loop], attr: str) -> bool:
        segments = loop.segments
        if self.hand_tables:
            kind, comp, issues = self.parsed.kind, self.comp, self.issues
            for seg in segments:
                _check_segment(seg, kind, comp, issues)
        else:
            for seg in segments:
                if seg.id in _SITUATIONAL_FORMATS:
                    _check_segment(seg, self.parsed.kind, self.comp, self.issues, hand_tables=False)
        if loop.ORDERED:
            _check_loop_order(loop, self.issues)
        if segments and segments[0].id == "HL":
            self.levels.append(segments[0])
        self.closer.close(loop, ancestors)
        if not ancestors:
            self._finish(loop)
        return loop.LOOP_ID in self.units

    def check_model(self, root: Loop) -> None:
        ancestors: list[Loop] = []

        def visit(loop: Loop) -> None:
            ancestors.append(loop)
            for child in loop.children:
                visit(child)
            ancestors.pop()
            self.on_close(loop, ancestors, "")

        visit(root)

    def _finish(self, root: Loop) -> None:
        kind, issues = self.parsed.kind, self.issues
        st = self.parsed.envelope.st
        if kind == "835" and st.get(3):
            issues.append(
                Issue("not_used_element", "ST03 is not used in the 835 guide", st.position, "ST", 3)
            )
        if kind in HL03:
            self.levels.sort(key=lambda seg: seg.position)
            _check_hl(self.levels, issues)
        if self.hand_tables:
            check = _TRANSACTION_CHECKS.get(kind)
            if check is not None:
                check(root, st, issues)
        elif not any(c.segments and c.segments[0].id == "HL" for c in root.children):
            if kind in HL03:
                _missing(issues, "loop 2000A (first hierarchical level)", st, "2000A", "HL")


class LoopCloser:
    """What runs as each loop of one transaction set closes: the guide table (SNIP 2) and
    the rules (SNIP 3-5)."""

    __slots__ = ("kind", "table", "context", "issues", "repetition", "counts", "rules")

    def __init__(
        self, kind: str, guide: str, component: str, issues: list[Issue], repetition: str = ""
    ) -> None:
        self.kind = kind
        self.table = guide_table(guide, kind)
        self.context = RuleContext(kind, component)
        self.issues = issues
        # Repeated values (EB03 service types in a 271) are judged one by one.
        self.repetition = repetition
        # Child loops counted per open parent as they close (a streamed claim is dropped).
        self.counts: dict[int, dict[str, int]] = {}
        # loop id -> the checks of rules_for(kind, loop id)
        self.rules: dict[str, tuple[Check, ...]] = {}

    def close(self, loop: Loop, ancestors: Sequence[Loop]) -> None:
        table, issues, all_counts = self.table, self.issues, self.counts
        loop_id = loop.LOOP_ID
        counts = all_counts.pop(id(loop), _NO_COUNTS)
        if ancestors:
            parent = id(ancestors[-1])
            siblings = all_counts.get(parent)
            if siblings is None:
                siblings = all_counts[parent] = {}
            n = siblings[loop_id] = siblings.get(loop_id, 0) + 1
            if table is not None and n > 1:  # a first loop never repeats too often
                table.check_repeat(loop, n, issues)
        if table is not None:
            table.check_loop(loop, self.context.component, self.repetition, counts, issues)
        checks = self.rules.get(loop_id)
        if checks is None:
            checks = self.rules[loop_id] = tuple(r.check for r in rules_for(self.kind, loop_id))
        context = self.context
        for check in checks:
            check(loop, ancestors, context, issues)


_NO_COUNTS: dict[str, int] = {}  # read only: a loop none of whose children closed


_SITUATIONAL_FORMATS = frozenset({"DTP", "DMG", "N4"})
_RANKS: dict[type[Loop], dict[str, int]] = {}


def _check_loop_order(loop: Loop, issues: list[Issue]) -> None:
    """Where FIELDS follow the guide order, no segment may come back after a later one."""
    cls = type(loop)
    ranks = _RANKS.get(cls)
    if ranks is None:
        ranks = _RANKS[cls] = {sid: rank for rank, sid in enumerate(cls.FIELDS)}
    highest = -1
    for seg in loop.segments:
        rank = ranks.get(seg.id)
        if rank is None:
            continue
        if rank < highest:
            issues.append(
                Issue(
                    "segment_order",
                    f"{seg.id} is out of order in loop {cls.LOOP_ID}",
                    seg.position,
                    seg.id,
                    loop=cls.LOOP_ID,
                )
            )
        elif rank > highest:
            highest = rank


def _missing(
    issues: list[Issue],
    what: str,
    anchor: Segment,
    loop: str | None = None,
    segment_id: str | None = None,
) -> None:
    issues.append(
        Issue(
            "required_missing",
            f"required {what} is missing",
            anchor.position,
            segment_id or anchor.id,
            loop=loop,
        )
    )


def _check_hl(segments: Iterable[Segment], issues: list[Issue]) -> None:
    seen: set[str] = set()
    expected = 1
    for seg in segments:
        if seg.id != "HL":
            continue
        hl_id, parent = seg.get(1), seg.get(2)
        if hl_id in seen:
            issues.append(
                Issue("hl_duplicate", f"HL01 {hl_id!r} is used twice", seg.position, "HL", 1)
            )
        elif hl_id != str(expected):
            issues.append(
                Issue("hl_sequence", f"HL01 {hl_id!r} should be {expected}", seg.position, "HL", 1)
            )
        if parent and parent not in seen:
            issues.append(
                Issue(
                    "hl_parent",
                    f"HL02 parent {parent!r} is not an earlier HL01",
                    seg.position,
                    "HL",
                    2,
                )
            )
        seen.add(hl_id)
        expected += 1


def _first_segment(loop: Loop) -> Segment:
    return loop.segments[0]


def _check_835(model: Any, st: Segment, issues: list[Issue]) -> None:
    if model.bpr is None:
        _missing(issues, "BPR (financial information)", st)
    if model.trn is None:
        _missing(issues, "TRN (reassociation trace number)", st)
    if model.payer is None:
        _missing(issues, "loop 1000A (payer identification)", st, "1000A")
    else:
        if not any(p.function == "BL" for p in model.payer.contacts):
            _missing(
                issues,
                "PER*BL (payer technical contact)",
                _first_segment(model.payer),
                "1000A",
                "PER",
            )
    if model.payee is None:
        _missing(issues, "loop 1000B (payee identification)", st, "1000B")


def _check_837(model: Any, st: Segment, issues: list[Issue]) -> None:
    if model.bht is None:
        _missing(issues, "BHT (beginning of hierarchical transaction)", st)
    if not model.submitter:
        _missing(issues, "loop 1000A (submitter name)", st, "1000A")
    if not model.receiver:
        _missing(issues, "loop 1000B (receiver name)", st, "1000B")
    if not model.billing_providers:
        _missing(issues, "loop 2000A (billing provider)", st, "2000A")
    for billing in model.billing_providers:
        if not billing.billing_provider_name:
            _missing(
                issues, "loop 2010AA (billing provider name)", billing.segments[0], "2010AA", "NM1"
            )
        for sub in billing.subscribers:
            if sub.sbr is None:
                _missing(issues, "SBR (subscriber information)", sub.segments[0], "2000B", "SBR")
            if not sub.subscriber_name:
                _missing(issues, "loop 2010BA (subscriber name)", sub.segments[0], "2010BA", "NM1")
            if not sub.payer_name:
                _missing(issues, "loop 2010BB (payer name)", sub.segments[0], "2010BB", "NM1")
    for ctx in model.claims():
        claim = ctx.claim
        if not claim.service_lines:
            _missing(issues, "loop 2400 (service line)", claim.segments[0], "2400", "LX")
            continue
        if not claim.health_care_codes:
            _missing(issues, "HI (diagnosis codes)", claim.segments[0], "2300", "HI")


def _check_hl_transaction(model: Any, st: Segment, issues: list[Issue]) -> None:
    if model.bht is None:
        _missing(issues, "BHT (beginning of hierarchical transaction)", st)
    if not model.sources:
        _missing(issues, "loop 2000A (information source level)", st, "2000A", "HL")
    # Every hierarchical level (2000x) names its entity in the matching 2100x loop.
    for loop in model.walk():
        level = loop.LOOP_ID
        if level.startswith("2000") and len(level) == 5:
            name_loop = "2100" + level[4]
            if not any(child.LOOP_ID == name_loop for child in loop.children):
                _missing(issues, f"loop {name_loop} (NM1 name)", loop.segments[0], name_loop, "NM1")


def _check_277ca(model: Any, st: Segment, issues: list[Issue]) -> None:
    _check_hl_transaction(model, st, issues)
    for loop in model.walk():
        if loop.LOOP_ID in ("2200B", "2200C", "2200D") and not loop.statuses:
            _missing(
                issues,
                f"STC (status information) in loop {loop.LOOP_ID}",
                loop.segments[0],
                loop.LOOP_ID,
                "STC",
            )


def _check_999(model: Any, st: Segment, issues: list[Issue]) -> None:
    if model.ak1 is None:
        _missing(issues, "AK1 (functional group response header)", st, None, "AK1")
    if model.ak9 is None:
        _missing(issues, "AK9 (functional group response trailer)", st, None, "AK9")
    for response in model.transaction_responses:
        if response.ik5 is None:
            _missing(
                issues,
                "IK5 (transaction set response trailer)",
                response.segments[0],
                "2000",
                "IK5",
            )


_TRANSACTION_CHECKS = {
    "835": _check_835,
    "837P": _check_837,
    "837I": _check_837,
    "270": _check_hl_transaction,
    "271": _check_hl_transaction,
    "276": _check_hl_transaction,
    "277": _check_hl_transaction,
    "277CA": _check_277ca,
    "999": _check_999,
}
