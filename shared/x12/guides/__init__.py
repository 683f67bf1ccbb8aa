"""Guide tables (WEDI SNIP type 2): each guide's loops, segments and elements, checked by lookup.

The tables (`<guide>.json` here) are generated from one source per guide (`build_tables`)
and carry the guide's own names, so an error reads "NM102 Entity Type Qualifier '3' is
not a code of loop 2010AA Billing Provider Name". `GuideTable.check_loop` judges one closed
loop: its segments against their definitions (element count, Not Used elements, lengths,
data types, code lists), required and repeated segments, required and repeated child
loops. Readers call it once per loop as the loop closes, so a file is checked in the same
pass that reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import CodeType
from typing import Any

from shared.x12.errors import Issue
from shared.x12.loops import Loop, is_digits
from shared.x12.segments import Segment

__all__ = ["GuideTable", "guide_table", "GUIDES"]

HERE = Path(__file__).parent
GUIDES = frozenset(p.stem for p in HERE.glob("*.json"))
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)\Z", re.ASCII)
_INTEGER = re.compile(r"-?\d+\Z", re.ASCII)


@dataclass(frozen=True, slots=True)
class ElementSpec:
    index: int
    name: str
    usage: str  # R required, S situational, N not used
    data_type: str  # AN, ID, R, N0, N2, DT, TM, COMPOSITE
    min_len: int
    max_len: int
    codes: frozenset[str] | None
    external: str | None  # an external code list (SNIP 5): states, country, pos...
    components: tuple[ElementSpec, ...] | None


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    id: str
    name: str
    usage: str
    max_use: int  # 0: unbounded
    elements: tuple[ElementSpec, ...]
    # The first element with a code list tells same-id segments of one loop apart (REF*EI
    # and REF*0B in 2010AA are two definitions), as the guide's own tables do.
    match_index: int
    match_component: int  # 0: a simple element; else the component of a composite
    match_codes: frozenset[str] | None
    # True when every element is fine: one compiled function per definition (see
    # `_compile`), so a valid segment costs a few comparisons; only a segment it refuses
    # goes through `_check_elements`, which names each problem.
    fast: Callable[[list[Any], str], bool]


@dataclass(frozen=True, slots=True)
class LoopSpec:
    id: str
    name: str
    usage: str
    repeat: int  # 0: unbounded
    parent: str | None
    segments: dict[str, tuple[SegmentSpec, ...]]
    order: tuple[str, ...]  # segment ids in the guide's order
    required: tuple[SegmentSpec, ...]  # definitions with usage R, in the guide's order


def _element(raw: list[Any]) -> ElementSpec:
    seq, name, usage, data_type, low, high, codes, parts = raw
    external = codes[len("external:") :] if isinstance(codes, str) else None
    return ElementSpec(
        int(seq),
        name,
        usage,
        data_type,
        int(low),
        int(high),
        frozenset(codes) if isinstance(codes, list) else None,
        external,
        tuple(_element(p) for p in parts) if parts else None,
    )


def _segment(raw: list[Any]) -> SegmentSpec:
    sid, name, usage, max_use, elements = raw
    specs = tuple(_element(e) for e in elements)
    index, component, codes = 0, 0, None
    for e in specs:
        if e.codes is not None:
            index, codes = e.index, e.codes
            break
        first = e.components[0] if e.components else None
        if first is not None and first.codes is not None:
            index, component, codes = e.index, first.index, first.codes
            break

    # Compiled on first use, then in place of this stub: a file meets few of its table's
    # definitions (a one-claim 835 ~20 of 53, an 837P fewer of 214), and compiling them all
    # was most of a small file's validation (~0.5 ms each).
    def fast(e: list[Any], c: str) -> bool:
        compiled = _compile(specs)
        object.__setattr__(segment, "fast", compiled)
        return compiled(e, c)

    segment = SegmentSpec(sid, name, usage, int(max_use), specs, index, component, codes, fast)
    return segment


def _value_test(el: ElementSpec, v: str, names: dict[str, Any]) -> str:
    """A Python expression, true when the value in variable `v` fits `el` (type, length, codes)."""
    key = f"c{len(names)}"
    if el.codes is not None:
        names[key] = el.codes
        return f"{v} in {key}"
    t, low, high = el.data_type, el.min_len, el.max_len
    if t == "R" or (t.startswith("N") and len(t) == 2):
        # What _NUMBER (R) or _INTEGER (N0-N9) accepts, in string methods (half the time of
        # a match): after one leading '-' and (R only) one '.', ASCII digits, at least one;
        # their count is the size the guide bounds. The length first: a huge value is never
        # scanned.
        body = f"{v}[1:] if {v}[0] == '-' else {v}"
        if t == "R":
            body = f"({body}).replace('.', '', 1)"
        return (
            f"len({v}) <= {high + 2} and (d := {body}).isdigit() and d.isascii() "
            f"and {low} <= len(d) <= {high}"
        )
    if t == "DT":
        return f"len({v}) == {high} and _valid_date({v})"
    if t == "TM":
        return f"_valid_time({v})"
    return f"{low} <= len({v}) <= {high}"


_COMPILED: dict[str, CodeType] = {}  # generated source -> its code (see `_compile`)


def _compile(specs: tuple[ElementSpec, ...]) -> Callable[[list[Any], str], bool]:
    """Generate `fast(elements, component_separator) -> bool` for one segment definition."""
    names: dict[str, Any] = {
        "_valid_date": _valid_date,
        "_valid_time": _valid_time,
    }
    lines = ["def fast(e, C):", "    n = len(e)", f"    if n > {len(specs)}: return False"]
    # Absent trailing elements are fine unless required: with every required element
    # present, the test stops after the segment's last element (a CAS defines 19, most
    # carry 3) instead of testing each absent one.
    last_required = max((el.index for el in specs if el.usage == "R"), default=0)
    lines.append(f"    if n < {last_required}: return False")
    for el in sorted(specs, key=lambda el: el.index):
        k = el.index - 1
        if k >= last_required:
            lines.append(f"    if n <= {k}: return True")
        # n > k here: n >= last_required > k, or the line above returned.
        lines.append(f"    v = e[{k}]")
        lines.append("    if v.__class__ is not str: return False")
        if el.usage == "N":
            lines.append("    if v: return False")
            continue
        lines.append("    if not v:" + (" return False" if el.usage == "R" else " pass"))
        if el.components is None:
            lines.append(f"    elif not ({_value_test(el, 'v', names)}): return False")
            continue
        parts = sorted(el.components, key=lambda c: c.index)
        lines.append("    else:")
        lines.append("        p = v.split(C)")
        lines.append("        m = len(p)")
        lines.append(f"        if m > {len(parts)}: return False")
        # As with elements: every required component present, the test stops after the
        # last component given (an SVC01 defines 8, most carry 2).
        last = max((c.index for c in parts if c.usage == "R"), default=0)
        lines.append(f"        if m < {last}: return False")
        pad = "        "
        for c in parts:
            j = c.index - 1
            if j >= last:
                lines.append(f"{pad}if m > {j}:")
                pad += "    "
            lines.append(f"{pad}w = p[{j}]")
            if c.usage == "N":
                lines.append(f"{pad}if w: return False")
                continue
            lines.append(f"{pad}if not w:" + (" return False" if c.usage == "R" else " pass"))
            lines.append(f"{pad}elif not ({_value_test(c, 'w', names)}): return False")
    lines.append("    return True")
    # Definitions of one shape (types, lengths, usages) have the same source, their code
    # lists being in `names`: compiled once (a table has a third as many shapes as
    # definitions), bound to each definition's own names.
    source = "\n".join(lines)
    code = _COMPILED.get(source)
    if code is None:
        code = _COMPILED[source] = compile(source, "<string>", "exec")
    exec(code, names)  # generated from the guide table's facts only
    fast: Callable[[list[Any], str], bool] = names["fast"]
    return fast


class _LoopPlan:
    """One loop's definitions indexed for `check_loop`: per definition (by id()), its
    entry (definition, number, the use count that is one too many (0: no limit)); per
    segment id with a single definition, that entry."""

    __slots__ = ("entry_of", "entries", "size", "required", "by_code")

    Entry = tuple["SegmentSpec", int, int]

    def __init__(self, spec: LoopSpec) -> None:
        defs = [d for slots in spec.segments.values() for d in slots]
        self.entry_of: dict[int, _LoopPlan.Entry] = {
            id(d): (d, k, d.max_use + 1 if d.max_use else 0) for k, d in enumerate(defs)
        }
        self.size = len(defs)
        self.entries = {
            sid: self.entry_of[id(slots[0])]
            for sid, slots in spec.segments.items()
            if len(slots) == 1
        }
        self.required = tuple((self.entry_of[id(d)][1], d) for d in spec.required)
        # Per segment id with several definitions told apart by one simple element:
        # (element index, code -> entry), as `_picker` finds them.
        self.by_code: dict[str, tuple[int, dict[str, _LoopPlan.Entry]]] = {}
        for sid, slots in spec.segments.items():
            picker = _picker(slots) if len(slots) > 1 else None
            if picker is not None:
                index, codes = picker
                self.by_code[sid] = (index, {c: self.entry_of[id(d)] for c, d in codes.items()})


class GuideTable:
    """One guide's table, indexed for the checks."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.guide: str = raw["guide"]
        self.transaction: str = raw["transaction"]
        self.source: str = raw["source"]
        self.loops: dict[str, LoopSpec] = {}
        for loop_id, spec in raw["loops"].items():
            by_id: dict[str, list[SegmentSpec]] = {}
            order: list[str] = []
            for seg in spec["segments"]:
                parsed = _segment(seg)
                by_id.setdefault(parsed.id, []).append(parsed)
                if parsed.id not in order:
                    order.append(parsed.id)
            self.loops[loop_id] = LoopSpec(
                loop_id,
                spec["name"],
                spec["usage"],
                int(spec["repeat"]),
                spec.get("parent"),
                {k: tuple(v) for k, v in by_id.items()},
                tuple(order),
                tuple(s for sid in order for s in by_id[sid] if s.usage == "R"),
            )
        self._plans: dict[str, _LoopPlan] = {}
        self.children: dict[str, list[LoopSpec]] = {}
        for loop in self.loops.values():
            if loop.parent is not None:
                self.children.setdefault(loop.parent, []).append(loop)

    # -- one loop, as it closes -----------------------------------------------------------

    def check_loop(
        self, loop: Loop, comp: str, rep: str, counts: dict[str, int], issues: list[Issue]
    ) -> None:
        """Every SNIP 2 check of `loop`'s own segments and its child loops (`counts`: how
        many of each closed inside it, counted as they closed: a streamed claim is gone)."""
        spec = self.loops.get(loop.LOOP_ID)
        if spec is None:
            first = loop.segments[0] if loop.segments else None
            issues.append(
                Issue(
                    "unexpected_loop",
                    f"loop {loop.LOOP_ID} is not a loop of the {self.guide} guide",
                    first.position if first else None,
                    first.id if first else None,
                    loop=loop.LOOP_ID,
                )
            )
            return
        plan = self._plans.get(spec.id)
        if plan is None:
            plan = self._plans[spec.id] = _LoopPlan(spec)
        entries = plan.entries
        # used[k]: the segments that answered to definition number k.
        used = [0] * plan.size
        for seg in loop.segments:
            entry = entries.get(seg.id)
            if entry is None:
                by_code = plan.by_code.get(seg.id)
                if by_code is not None:  # `_pick`'s usual case, inline
                    index, codes = by_code
                    elements = seg.elements
                    value = elements[index - 1] if index <= len(elements) else ""
                    if value.__class__ is str:
                        entry = codes.get(value)
            if entry is None:
                slots = spec.segments.get(seg.id)
                if slots is None:
                    issues.append(
                        Issue(
                            "unexpected_segment",
                            f"segment {seg.id} is not used in loop {spec.id} {spec.name}",
                            seg.position,
                            seg.id,
                            loop=spec.id,
                        )
                    )
                    continue
                entry = plan.entry_of[id(_pick(slots, seg, comp))]
            slot, k, over = entry
            n = used[k] = used[k] + 1
            if n == over:
                issues.append(
                    Issue(
                        "max_use",
                        f"{seg.id} {slot.name} is used more than {slot.max_use} time(s) "
                        f"in loop {spec.id}",
                        seg.position,
                        seg.id,
                        loop=spec.id,
                    )
                )
            # slot.fast, not a copy kept in the plan: it compiles itself on first use.
            if not slot.fast(seg.elements, comp):
                _check_elements(seg, slot, spec, comp, rep, issues)
        anchor = loop.segments[0] if loop.segments else None
        for k, missing in plan.required:
            if not used[k]:
                sid = missing.id
                issues.append(
                    Issue(
                        "required_missing",
                        f"required segment {sid} {missing.name} is missing from loop {spec.id}",
                        anchor.position if anchor else None,
                        sid,
                        loop=spec.id,
                    )
                )
        self._check_child_loops(loop, spec, counts, issues)

    def check_repeat(self, child: Loop, count: int, issues: list[Issue]) -> None:
        """Called as the `count`-th `child` loop of one parent closes."""
        spec = self.loops.get(child.LOOP_ID)
        if spec is not None and spec.repeat and count == spec.repeat + 1:
            first = child.segments[0]
            issues.append(
                Issue(
                    "loop_repeat",
                    f"loop {child.LOOP_ID} {spec.name} repeats more than {spec.repeat} time(s)",
                    first.position,
                    first.id,
                    loop=child.LOOP_ID,
                )
            )

    def _check_child_loops(
        self, loop: Loop, spec: LoopSpec, counts: dict[str, int], issues: list[Issue]
    ) -> None:
        anchor = loop.segments[0] if loop.segments else None
        for child_spec in self.children.get(spec.id, ()):
            # HL levels nest by HL02, not by the table's layout: their presence is SNIP 4's.
            trigger = child_spec.order[0] if child_spec.order else ""
            if child_spec.usage == "R" and trigger != "HL" and child_spec.id not in counts:
                issues.append(
                    Issue(
                        "required_missing",
                        f"required loop {child_spec.id} {child_spec.name} is missing",
                        anchor.position if anchor else None,
                        trigger or None,
                        loop=child_spec.id,
                    )
                )


def _pick(slots: tuple[SegmentSpec, ...], seg: Segment, comp: str) -> SegmentSpec:
    """The definition a segment answers to, among a loop's definitions with its id.

    Its first coded element tells them apart; where that code fits several (2400 PWK01
    'CT' is a code of both the line supplemental PWK and the DMERC CMN PWK), the one the
    whole segment fits is taken, so the second PWK is judged by its own PWK02 codes.
    """
    if len(slots) == 1:
        return slots[0]
    # The usual case, one lookup: every definition tells itself apart by the same simple
    # element, and the segment's code there belongs to exactly one of them.
    known = _PICKERS.get(id(slots))
    if known is None:
        known = _PICKERS[id(slots)] = (slots, _picker(slots))
    by_code = known[1]
    if by_code is not None:
        index, codes = by_code
        elements = seg.elements
        value = elements[index - 1] if index <= len(elements) else ""
        if isinstance(value, str):
            found = codes.get(value)
            if found is not None:
                return found
    matching = []
    for slot in slots:
        if slot.match_codes is None:
            continue
        value = seg.get(slot.match_index)
        if slot.match_component:
            parts = value.split(comp)
            value = parts[slot.match_component - 1] if len(parts) >= slot.match_component else ""
        if value in slot.match_codes:
            matching.append(slot)
    if len(matching) > 1:
        return next((s for s in matching if s.fast(seg.elements, comp)), matching[0])
    return matching[0] if matching else slots[0]


# id(slots) -> (slots, (element index, code -> the one definition with that code)) for a
# loop's same-id definitions told apart by one simple element (None where they are not).
# The entry holds `slots`, so its id cannot be reused by another tuple.
_PICKERS: dict[int, tuple[tuple[SegmentSpec, ...], tuple[int, dict[str, SegmentSpec]] | None]] = {}


def _picker(slots: tuple[SegmentSpec, ...]) -> tuple[int, dict[str, SegmentSpec]] | None:
    indexes = {(s.match_index, s.match_component) for s in slots}
    if len(indexes) != 1 or any(s.match_codes is None for s in slots):
        return None
    ((index, component),) = indexes
    if component:
        return None
    owners: dict[str, list[SegmentSpec]] = {}
    for slot in slots:
        for code in slot.match_codes or ():
            owners.setdefault(code, []).append(slot)
    # A code several definitions share is left to the full pick (`_pick`'s fit test).
    return index, {code: found[0] for code, found in owners.items() if len(found) == 1}


def _code_list(slots: tuple[SegmentSpec, ...], index: int) -> frozenset[str] | None:
    codes: set[str] = set()
    for slot in slots:
        for el in slot.elements:
            if el.index == index and el.codes is not None:
                codes |= el.codes
    return frozenset(codes) if codes else None


def _check_elements(
    seg: Segment, slot: SegmentSpec, loop: LoopSpec, comp: str, rep: str, issues: list[Issue]
) -> None:
    elements = seg.elements
    count = len(elements)
    defined = len(slot.elements)
    if count > defined:
        issues.append(
            Issue(
                "too_many_elements",
                f"{seg.id} has {count} elements; {slot.name} defines {defined}",
                seg.position,
                seg.id,
                defined + 1,
                loop=loop.id,
            )
        )
    for el in slot.elements:
        i = el.index
        value = elements[i - 1] if i <= count else ""
        if not isinstance(value, str):
            value = comp.join(value)
        if not value:
            if el.usage == "R":
                issues.append(
                    Issue(
                        "required_element",
                        f"required element {seg.id}{i:02d} {el.name} is missing",
                        seg.position,
                        seg.id,
                        i,
                        loop=loop.id,
                    )
                )
            continue
        if el.usage == "N":
            issues.append(
                Issue(
                    "not_used_element",
                    f"{seg.id}{i:02d} {el.name} is marked Not Used in loop {loop.id} {slot.name}",
                    seg.position,
                    seg.id,
                    i,
                    loop=loop.id,
                )
            )
            continue
        if el.components is not None:
            _check_composite(seg, i, value, el, loop, comp, issues)
            continue
        values = value.split(rep) if rep and rep in value else (value,)
        for one in values:
            problem = _value_problem(one, el)
            if problem is None and el.codes is not None and one not in el.codes:
                if one == value and el.index == slot.match_index:
                    # Same-id segments of the loop: a code of any of them is a code of the loop.
                    allowed = _code_list(loop.segments[seg.id], i) or el.codes
                    if one in allowed:
                        continue
                problem = (
                    "invalid_code",
                    f"{seg.id}{i:02d} {el.name} {one[:20]!r} is not a code of loop "
                    f"{loop.id} {loop.name}",
                )
            if problem is not None:
                issues.append(Issue(problem[0], problem[1], seg.position, seg.id, i, loop=loop.id))


def _check_composite(
    seg: Segment,
    index: int,
    value: str,
    el: ElementSpec,
    loop: LoopSpec,
    comp: str,
    issues: list[Issue],
) -> None:
    parts = value.split(comp)
    components = el.components or ()
    if len(parts) > len(components):
        issues.append(
            Issue(
                "too_many_components",
                f"{seg.id}{index:02d} {el.name} has {len(parts)} components; "
                f"the guide defines {len(components)}",
                seg.position,
                seg.id,
                index,
                component=len(components) + 1,
                loop=loop.id,
            )
        )
    for c in components:
        part = parts[c.index - 1] if c.index <= len(parts) else ""
        where = f"{seg.id}{index:02d}-{c.index} {c.name}"
        if not part:
            if c.usage == "R":
                issues.append(
                    Issue(
                        "required_component",
                        f"required component {where} is missing",
                        seg.position,
                        seg.id,
                        index,
                        component=c.index,
                        loop=loop.id,
                    )
                )
            continue
        if c.usage == "N":
            problem: tuple[str, str] | None = (
                "not_used_element",
                f"{where} is marked Not Used in loop {loop.id}",
            )
        else:
            problem = _value_problem(part, c)
            if problem is None and c.codes is not None and part not in c.codes:
                problem = ("invalid_code", f"{where} {part[:20]!r} is not a code of loop {loop.id}")
        if problem is not None:
            issues.append(
                Issue(
                    problem[0],
                    problem[1],
                    seg.position,
                    seg.id,
                    index,
                    component=c.index,
                    loop=loop.id,
                )
            )


def _value_problem(value: str, el: ElementSpec) -> tuple[str, str] | None:
    """(issue code, message) when `value` breaks the element's type or length, else None."""
    t = el.data_type
    label = el.name
    if t == "R" or (t.startswith("N") and len(t) == 2):
        pattern = _NUMBER if t == "R" else _INTEGER
        if len(value) > el.max_len + 2:
            return "element_too_long", f"{label} is {len(value)} characters; at most {el.max_len}"
        if not pattern.match(value):
            return "invalid_number", f"{label} {value[:20]!r} is not a number"
        size = sum(ch.isdigit() for ch in value)
    elif t == "DT":
        if not (len(value) == el.max_len and _valid_date(value)):
            return "invalid_date", f"{label} {value[:20]!r} is not a valid date"
        return None
    elif t == "TM":
        if not _valid_time(value):
            return "invalid_time", f"{label} {value[:20]!r} is not a valid time"
        return None
    else:
        size = len(value)
    if size > el.max_len:
        return "element_too_long", f"{label} is {size} characters; at most {el.max_len}"
    if size < el.min_len:
        return "element_too_short", f"{label} is {size} characters; at least {el.min_len}"
    return None


_DATES: dict[str, bool] = {}


def _valid_date(text: str) -> bool:
    # Files repeat a handful of dates thousands of times: remember each verdict.
    known = _DATES.get(text)
    if known is None:
        known = _date_ok(text)
        if len(_DATES) < 100_000:
            _DATES[text] = known
    return known


def _date_ok(text: str) -> bool:
    if not is_digits(text) or len(text) not in (6, 8):
        return False
    year = int(text[:4]) if len(text) == 8 else 2000 + int(text[:2])
    rest = text[4:] if len(text) == 8 else text[2:]
    try:
        date(year, int(rest[:2]), int(rest[2:]))
    except ValueError:
        return False
    return True


def _valid_time(text: str) -> bool:
    if len(text) not in (4, 6, 7, 8) or not is_digits(text):
        return False
    return text[:2] < "24" and text[2:4] < "60" and (len(text) < 6 or text[4:6] < "60")


@cache
def guide_table(guide: str, transaction: str | None = None) -> GuideTable | None:
    """The table of `guide` (ST03/GS08, e.g. '005010X222A1') for `transaction`; None when
    there is none, or when it describes another transaction of the same guide (X212 is the
    276 and the 277:
    the table describes the 277; the 276's is `005010X212-276`)."""
    name = guide
    if transaction is not None and f"{guide}-{transaction}" in GUIDES:
        name = f"{guide}-{transaction}"  # one guide, several transactions: X279A1, X212
    elif guide not in GUIDES:
        return None
    raw = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    if transaction is not None and raw["transaction"] != transaction:
        return None
    return GuideTable(raw)
