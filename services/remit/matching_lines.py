"""Which line of our claim each 835 service line pays (pure).

A payer reports each service line (loop 2110) with the procedure it paid, and the one we
billed in SVC06 when it paid another. Lines are matched in this order:

1. REF*6R, when it names a line of this claim (`shared.line_control`);
2. the billed procedure (SVC06, else SVC01; the revenue code for NU lines), preferring the
   same modifiers in the same order, then the same modifiers reordered, then a modifier the
   payer dropped (or added), then the same charge and service date;
3. bundling: a payer line whose charge is the sum of several of our lines, one of which
   has its code, pays all of them (`bundled_line_numbers`); a zero line naming a line
   already bundled belongs to it;
4. unbundling: a second payer line naming (in SVC06) a line already matched pays part of it;
5. the last unmatched payer line and our last unmatched line, when their charges agree.

A payer line that matches nothing is still posted, at claim level (`line_number` None):
money is never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import combinations

from shared.events.remittance import ServiceLineRecord
from shared.line_control import line_number_of

MAX_BUNDLE = 4
"""At most this many of our lines are looked for inside one bundled payer line."""


@dataclass(frozen=True)
class OurLine:
    """A service line of our claim, as billed."""

    line_number: int
    procedure_code: str | None
    modifiers: tuple[str, ...]
    revenue_code: str | None
    units: Decimal
    charge: Decimal
    service_date: date | None


@dataclass(frozen=True)
class LineMatch:
    line_number: int | None
    bundled: tuple[int, ...]
    matched_by: str


def _billed_code(line: ServiceLineRecord) -> str | None:
    if line.original_procedure_code:
        return line.original_procedure_code.upper()
    if line.procedure_qualifier == "NU":
        return line.revenue_code
    return line.procedure_code.upper() if line.procedure_code else None


def _billed_modifiers(line: ServiceLineRecord) -> tuple[str, ...]:
    if line.original_procedure_code:
        return tuple(m.upper() for m in line.original_modifiers)
    return tuple(m.upper() for m in line.modifiers)


def _our_code(line: OurLine, institutional_revenue: bool) -> set[str]:
    codes = set()
    if line.procedure_code:
        codes.add(line.procedure_code.upper())
    if line.revenue_code and institutional_revenue:
        codes.add(line.revenue_code)
    return codes


def _modifier_rank(payer: tuple[str, ...], ours: tuple[str, ...]) -> tuple[int, str]:
    if payer == ours:
        return 0, "procedure"
    if sorted(payer) == sorted(ours):
        return 1, "reordered_modifiers"
    if set(payer) < set(ours):
        return 2, "dropped_modifier"
    if set(payer) > set(ours):
        return 3, "added_modifier"
    return 4, "procedure"


def match_lines(
    claim_id: str, ours: Sequence[OurLine], payer: Sequence[ServiceLineRecord]
) -> list[LineMatch]:
    """One LineMatch per payer line, in the payer's order."""
    by_number = {line.line_number: line for line in ours}
    free = dict(by_number)  # our lines no payer line has taken yet
    taken_by_bundle: dict[str, int] = {}  # code of a line paid inside a bundle -> that line
    results: list[LineMatch | None] = [None] * len(payer)

    # 1. REF*6R naming a line of this claim.
    for index, line in enumerate(payer):
        number = line_number_of(line.line_control_number or "", claim_id)
        if number is not None and number in free:
            del free[number]
            results[index] = LineMatch(number, (), "line_control_number")

    # 2. The billed procedure (or revenue code).
    for index, line in enumerate(payer):
        if results[index] is not None:
            continue
        code = _billed_code(line)
        if code is None:
            continue
        revenue = line.procedure_qualifier == "NU"
        candidates = [o for o in free.values() if code in _our_code(o, revenue)]
        if not candidates:
            continue
        modifiers = _billed_modifiers(line)
        best = min(candidates, key=partial(_score, line=line, modifiers=modifiers))
        if best.charge != line.charge and _bundle_for(line, free, code) is not None:
            continue  # the charge says bundle: step 3 takes it
        _, how = _modifier_rank(modifiers, tuple(m.upper() for m in best.modifiers))
        if line.original_procedure_code and (line.procedure_code or "").upper() != code:
            how = "original_procedure"
        if line.procedure_qualifier == "NU" and not best.procedure_code:
            how = "revenue_code"
        del free[best.line_number]
        results[index] = LineMatch(best.line_number, (), how)

    # 3. Bundling: one payer line pays several of ours.
    for index, line in enumerate(payer):
        if results[index] is not None:
            continue
        code = _billed_code(line)
        bundle = _bundle_for(line, free, code)
        if bundle is not None:
            head, rest = bundle
            for number in (head, *rest):
                del free[number]
                for c in _our_code(by_number[number], True):
                    taken_by_bundle[c] = head
            results[index] = LineMatch(head, rest, "bundled")
        elif code is not None and code in taken_by_bundle and line.charge == 0:
            results[index] = LineMatch(taken_by_bundle[code], (), "bundled")

    # 4. Unbundling: a further payer line for a line of ours already matched.
    for index, line in enumerate(payer):
        if results[index] is not None or not line.original_procedure_code:
            continue
        code = line.original_procedure_code.upper()
        owners = [
            m.line_number
            for m in results
            if m is not None
            and m.line_number is not None
            and code in _our_code(by_number[m.line_number], False)
        ]
        if owners:
            results[index] = LineMatch(owners[0], (), "unbundled")

    # 5. The last ones left, when their charges agree.
    left = [i for i, m in enumerate(results) if m is None]
    if len(left) == 1 and len(free) == 1:
        only = next(iter(free.values()))
        if only.charge == payer[left[0]].charge:
            results[left[0]] = LineMatch(only.line_number, (), "position")

    return [m if m is not None else LineMatch(None, (), "unmatched") for m in results]


def _score(
    o: OurLine, line: ServiceLineRecord, modifiers: tuple[str, ...]
) -> tuple[int, int, int, int]:
    rank, _ = _modifier_rank(modifiers, tuple(m.upper() for m in o.modifiers))
    return (
        rank,
        0 if o.charge == line.charge else 1,
        0 if line.service_date is None or o.service_date == line.service_date else 1,
        o.line_number,
    )


def _bundle_for(
    line: ServiceLineRecord, free: dict[int, OurLine], code: str | None
) -> tuple[int, tuple[int, ...]] | None:
    """(the line with the payer's code, the other lines) whose charges add up to the line's."""
    if line.charge <= 0 or len(free) < 2:
        return None
    codes = {c for c in (code, (line.procedure_code or "").upper() or None) if c}
    pool = sorted(free.values(), key=lambda o: o.line_number)[:12]
    for size in range(2, min(MAX_BUNDLE, len(pool)) + 1):
        for group in combinations(pool, size):
            if sum((o.charge for o in group), Decimal("0")) != line.charge:
                continue
            heads = [o for o in group if _our_code(o, True) & codes]
            if heads:
                head = heads[0].line_number
                return head, tuple(o.line_number for o in group if o.line_number != head)
    return None
