"""WEDI SNIP types 3-5 for the X12 validator: balancing, situational rules, external code sets.

Each rule is one row of `RULES`: the loop it runs on when that loop closes (so a file is
checked while it is read, one claim at a time), the guide section it comes from, and what
it requires. `docs/x12-validation.md` lists the same table (`rules_table()` writes it and a
test keeps the two equal). Every finding is an `Issue` naming segment position, element
and the rule id in its code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.codes.npi import is_valid_npi
from shared.codes.taxonomy import is_taxonomy_format
from shared.x12.errors import Issue, Severity
from shared.x12.loops import Loop, is_digits
from shared.x12.segments import Segment

__all__ = ["RULES", "Check", "Rule", "RuleContext", "rules_for", "rules_table"]

ZERO = Decimal("0")


@dataclass(slots=True)
class RuleContext:
    """What rules share across loops of one transaction set: separators and running totals."""

    kind: str
    component: str
    totals: dict[str, Decimal] = field(default_factory=dict)
    _lists: dict[str, Any] = field(default_factory=dict)
    # Per list, the codes already found well-formed and listed: a file repeats a few codes
    # (CAS*CO*45) thousands of times, and each is then one set lookup.
    _known: dict[str, set[str]] = field(default_factory=dict)
    # id(2110 loop) -> (the loop, its CAS total), set as the line closes and taken by its
    # claim (2100) as it closes: each line's adjustments are read once.
    line_adjustments: dict[int, tuple[Loop, Decimal]] = field(default_factory=dict)

    def known(self, name: str) -> set[str]:
        found = self._known.get(name)
        if found is None:
            found = self._known[name] = set()
        return found

    def add(self, key: str, amount: Decimal) -> None:
        self.totals[key] = self.totals.get(key, ZERO) + amount

    def codes(self, name: str) -> Any:
        """A code list from shared.codes, loaded on first use (ICD-10-CM only for 837s)."""
        found = self._lists.get(name)
        if found is None:
            if name == "icd10":
                from shared.codes import load_code_sets

                found = load_code_sets().icd10
            else:
                from shared.codes.sets import load_code_list

                found = load_code_list(name)
            self._lists[name] = found
        return found


Check = Callable[[Loop, Sequence[Loop], RuleContext, list[Issue]], None]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # the Issue code of its findings
    snip: int  # WEDI SNIP type: 3 balancing, 4 situational, 5 external code sets
    kinds: frozenset[str]
    loop: str  # the loop it runs on as it closes
    section: str  # where the guide says it
    requires: str
    check: Check


# -- helpers ----------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    """An X12 number (R: digits with an optional leading '-' and one optional '.') as a
    Decimal; None for anything else, including the forms Decimal alone would take ('1e5',
    ' 5', 'NaN', '1_0'). Checked with string methods (half the time of a pattern match);
    not cached: a remittance's amounts are mostly distinct, so a cache mostly misses."""
    if not text or len(text) > 20:
        return None
    digits = (text[1:] if text[0] == "-" else text).replace(".", "", 1)
    if not (digits.isdigit() and digits.isascii()):
        return None
    return Decimal(text)


def _amount(seg: Segment, index: int) -> Decimal | None:
    elements = seg.elements
    text = elements[index - 1] if index <= len(elements) else ""
    if not text or text.__class__ is not str:
        return None
    return _number(text)


def _segs(loop: Loop, sid: str) -> list[Segment]:
    return [s for s in loop.segments if s.id == sid]


def _first(loop: Loop, sid: str, qualifier: str | None = None) -> Segment | None:
    for s in loop.segments:
        if s.id == sid and (qualifier is None or s.get(1) == qualifier):
            return s
    return None


def _cas_total(loop: Loop) -> Decimal:
    total = ZERO
    for cas in loop.segments:
        if cas.id != "CAS":
            continue
        elements = cas.elements
        for k in range(2, len(elements), 3):  # CAS03, CAS06, ... CAS18
            text = elements[k]
            if text and text.__class__ is str:
                amount = _number(text)
                if amount is not None:
                    total += amount
    return total


def _children(loop: Loop, prefix: str) -> list[Loop]:
    return [c for c in loop.children if c.LOOP_ID.startswith(prefix)]


def _issue(rule: str, message: str, seg: Segment, element: int | None = None, **kw: Any) -> Issue:
    return Issue(rule, message, seg.position, seg.id, element, **kw)


# -- SNIP 3: balancing -----------------------------------------------------------------


def _835_line(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    adjusted = _cas_total(loop)
    ctx.line_adjustments[id(loop)] = (loop, adjusted)
    svc = loop.segments[0]
    charge, paid = _amount(svc, 2), _amount(svc, 3)
    if charge is None or paid is None:
        return
    if charge - paid != adjusted:
        issues.append(
            _issue(
                "unbalanced_service",
                f"service line does not balance: SVC02 {charge} - SVC03 {paid} "
                f"!= adjustments {adjusted}",
                svc,
                3,
                loop="2110",
            )
        )


def _835_claim(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    # The lines' totals are taken first, whatever follows: none is left behind in ctx.
    adjusted = _cas_total(loop)
    taken = ctx.line_adjustments.pop
    for child in loop.children:
        if child.LOOP_ID == "2110":
            known = taken(id(child), None)
            adjusted += known[1] if known is not None and known[0] is child else _cas_total(child)
    clp = loop.segments[0]
    charge, paid = _amount(clp, 3), _amount(clp, 4)
    if paid is not None:
        ctx.add("clp04", paid)
    if charge is None or paid is None:
        return
    if charge - paid != adjusted:
        issues.append(
            _issue(
                "unbalanced_claim",
                f"claim does not balance: CLP03 {charge} - CLP04 {paid} != adjustments {adjusted}",
                clp,
                4,
                loop="2100",
            )
        )


def _835_total(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    bpr = _first(loop, "BPR")
    if bpr is None:
        return
    total = _amount(bpr, 2)
    plb = ZERO
    for seg in _segs(loop, "PLB"):
        for index in range(4, 15, 2):
            amount = _amount(seg, index)
            if amount is not None:
                plb += amount
    paid = ctx.totals.get("clp04", ZERO)
    if total is not None and total != paid - plb:
        issues.append(
            _issue(
                "unbalanced_payment",
                f"BPR02 {total} != sum of CLP04 {paid} - PLB {plb}",
                bpr,
                2,
            )
        )


def _line_charge(line: Loop) -> tuple[Segment, int, Decimal | None] | None:
    for seg in line.segments:
        if seg.id == "SV1":
            return seg, 2, _amount(seg, 2)
        if seg.id == "SV2":
            return seg, 3, _amount(seg, 3)
    return None


def _837_claim_total(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    clm = loop.segments[0]
    total = _amount(clm, 2)
    charges = [_line_charge(line) for line in _children(loop, "2400")]
    amounts = [c[2] for c in charges if c is not None]
    if total is None or not amounts or None in amounts:
        return
    lines = sum((a for a in amounts if a is not None), ZERO)
    if lines != total:
        issues.append(
            _issue(
                "unbalanced_claim",
                f"CLM02 {total} != sum of service line charges {lines}",
                clm,
                2,
                loop="2300",
            )
        )


def _837_cob(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    """2320 AMT*D = the payer's SVD02 total; CLM02 = paid + claim and line adjustments;
    each 2430: SVD02 + its CAS = the line charge."""
    clm = loop.segments[0]
    claim_charge = _amount(clm, 2)
    by_payer: dict[str, list[tuple[Loop, Loop]]] = {}
    for line in _children(loop, "2400"):
        charge = _line_charge(line)
        for adjudication in _children(line, "2430"):
            svd = adjudication.segments[0]
            by_payer.setdefault(svd.get(1), []).append((line, adjudication))
            paid = _amount(svd, 2)
            if charge is None or charge[2] is None or paid is None:
                continue
            adjusted = _cas_total(adjudication)
            if paid + adjusted != charge[2]:
                issues.append(
                    _issue(
                        "unbalanced_line_adjudication",
                        f"SVD02 {paid} + line adjustments {adjusted} != line charge "
                        f"{charge[0].id}{charge[1]:02d} {charge[2]}",
                        svd,
                        2,
                        loop="2430",
                    )
                )
    for other in _children(loop, "2320"):
        amt = _first(other, "AMT", "D")
        payer = next((c for c in other.children if c.LOOP_ID == "2330B"), None)
        payer_id = payer.segments[0].get(9) if payer is not None else ""
        paid = _amount(amt, 2) if amt is not None else None
        if amt is None or paid is None:
            continue
        lines = by_payer.get(payer_id, [])
        if lines:
            line_paid = sum((_amount(a.segments[0], 2) or ZERO for _, a in lines), ZERO)
            if line_paid != paid:
                issues.append(
                    _issue(
                        "unbalanced_other_payer",
                        f"2320 AMT*D {paid} != sum of the payer's SVD02 {line_paid}",
                        amt,
                        2,
                        loop="2320",
                    )
                )
        if claim_charge is not None:
            adjusted = _cas_total(other) + sum((_cas_total(a) for _, a in lines), ZERO)
            if paid + adjusted != claim_charge:
                issues.append(
                    _issue(
                        "unbalanced_other_payer",
                        f"other payer does not balance: AMT*D {paid} + adjustments {adjusted} "
                        f"!= CLM02 {claim_charge}",
                        amt,
                        2,
                        loop="2320",
                    )
                )


# A1 is receipt only (not acceptance); A2 accepted into adjudication, A5 split.
_277CA_ACCEPTED = frozenset({"A2", "A5"})
_277CA_REJECTED = frozenset({"A3", "A6", "A7", "A8"})


def _277ca_totals(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    """2200B/2200C QTY*90/QTY*AA and AMT*YU/AMT*YY = the claims (2200D) below them."""
    trace = next((c for c in loop.children if c.LOOP_ID.startswith("2200")), None)
    if trace is None:
        return
    counts = {"90": ZERO, "AA": ZERO}
    amounts = {"YU": ZERO, "YY": ZERO}
    for claim in (x for x in loop.walk() if x.LOOP_ID == "2200D"):
        stc = _first(claim, "STC")
        if stc is None:
            continue
        category = stc.get(1).split(ctx.component)[0]
        charge = _amount(stc, 4) or ZERO
        if category in _277CA_ACCEPTED:
            counts["90"] += 1
            amounts["YU"] += charge
        elif category in _277CA_REJECTED:
            counts["AA"] += 1
            amounts["YY"] += charge
    for sid, table in (("QTY", counts), ("AMT", amounts)):
        for seg in _segs(trace, sid):
            stated = _amount(seg, 2)
            expected = table.get(seg.get(1))
            if stated is not None and expected is not None and stated != expected:
                issues.append(
                    _issue(
                        "unbalanced_totals",
                        f"{sid}*{seg.get(1)} {stated} != {expected} from the claims below "
                        f"(2200D STC01-1 and STC04)",
                        seg,
                        2,
                        loop=trace.LOOP_ID,
                    )
                )


# -- SNIP 4: situational rules -----------------------------------------------------------


def _patient_level(
    loop: Loop, ancestors: Sequence[Loop], ctx: RuleContext, issues: list[Issue]
) -> None:
    """Runs as a 2000C or a 2300 closes, against the subscriber level (2000B) above it."""
    parent = ancestors[-1] if ancestors else None
    if parent is None or parent.LOOP_ID != "2000B":
        return
    sbr = _first(parent, "SBR")
    if sbr is None:
        return
    self_pays = sbr.get(2) == "18"
    if loop.LOOP_ID == "2000C" and self_pays:
        issues.append(
            _issue(
                "patient_loop_not_allowed",
                "2000C patient level is sent only when the patient is not the subscriber "
                "(SBR02 is 18: the subscriber is the patient)",
                loop.segments[0],
                loop="2000C",
            )
        )
    elif loop.LOOP_ID == "2300" and not self_pays:
        issues.append(
            _issue(
                "patient_loop_required",
                "the patient is not the subscriber (SBR02 is not 18): the claim belongs in "
                "a 2000C patient level",
                loop.segments[0],
                loop="2300",
            )
        )


def _rendering_differs(
    loop: Loop, ancestors: Sequence[Loop], ctx: RuleContext, issues: list[Issue]
) -> None:
    rendering = next((c for c in loop.children if c.LOOP_ID == "2310B"), None)
    billing_level = next((a for a in ancestors if a.LOOP_ID == "2000A"), None)
    if rendering is None or billing_level is None:
        return
    billing = next((c for c in billing_level.children if c.LOOP_ID == "2010AA"), None)
    if billing is None:
        return
    nm1, billing_nm1 = rendering.segments[0], billing.segments[0]
    if nm1.get(9) and nm1.get(9) == billing_nm1.get(9) and nm1.get(8) == billing_nm1.get(8):
        issues.append(
            _issue(
                "rendering_same_as_billing",
                "2310B rendering provider is sent only when it differs from the billing "
                f"provider (2010AA NM109 {billing_nm1.get(9)})",
                nm1,
                9,
                loop="2310B",
            )
        )


_MEDICARE = frozenset({"MA", "MB"})


def _medicare_not_primary(loop: Loop) -> tuple[Segment | None, bool]:
    """2000B's SBR, and whether it bills Medicare (SBR09 MA/MB) as other than primary."""
    sbr = _first(loop, "SBR")
    if sbr is None:
        return None, False
    return sbr, sbr.get(9) in _MEDICARE and sbr.get(1) not in ("", "P")


def _insurance_type_required(
    loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]
) -> None:
    sbr, required = _medicare_not_primary(loop)
    if sbr is not None and required and not sbr.get(5):
        issues.append(
            _issue(
                "insurance_type_required",
                f"Medicare (SBR09 {sbr.get(9)}) is billed as payer {sbr.get(1)}, not primary: "
                "SBR05 must say why Medicare is secondary (12, 13, 14, 15, 16, 41, 42, 43, 47)",
                sbr,
                5,
                loop="2000B",
            )
        )


def _insurance_type_unwanted(
    loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]
) -> None:
    sbr, required = _medicare_not_primary(loop)
    if sbr is not None and not required and sbr.get(5):
        issues.append(
            _issue(
                "insurance_type_not_allowed",
                "SBR05 is sent only when Medicare is the destination payer and not primary",
                sbr,
                5,
                loop="2000B",
                # A stray insurance type code misleads no payer: flagged, the claim still read.
                severity=Severity.WARNING,
            )
        )


def _f8_for_corrections(
    loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]
) -> None:
    clm = loop.segments[0]
    parts = clm.get(5).split(ctx.component)
    frequency = parts[2] if len(parts) > 2 else ""
    if frequency in ("7", "8") and _first(loop, "REF", "F8") is None:
        issues.append(
            _issue(
                "payer_claim_number_required",
                f"frequency {frequency} ({'replacement' if frequency == '7' else 'void'}) "
                "needs REF*F8 with the payer's claim control number",
                clm,
                5,
                component=3,
                loop="2300",
            )
        )


def _billing_zip(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    n4 = _first(loop, "N4")
    if n4 is None or n4.get(4):  # outside the US the postal code has its own shape
        return
    postal = n4.get(3)
    if not (len(postal) == 9 and is_digits(postal)):
        issues.append(
            _issue(
                "billing_zip_nine_digits",
                f"billing provider N403 {postal[:12]!r} must be the nine-digit ZIP+4",
                n4,
                3,
                loop="2010AA",
            )
        )


# -- SNIP 5: external code sets ------------------------------------------------------------

# Shapes of the external code lists: a code that does not even look like one is an error.
# The project ships SUBSETS of the CARC, RARC and claim status category lists (see
# shared/codes/data/sources.yaml): a well-formed code missing from a subset is a warning
# naming the list, so a billing office that drops in the full list gets no false errors.
_SHAPES = {
    "carc": re.compile(r"[A-Z]?[0-9]{1,3}\Z"),
    "rarc": re.compile(r"[A-Z]{1,2}[0-9]{1,4}\Z"),
    # X12 also has RQ and X0 (pyx12 4.0.0 lists them): letters after the first are allowed.
    "claim_status_categories": re.compile(r"[A-Z][0-9A-Z]{1,3}\Z"),
    "claim_status_codes": re.compile(r"[0-9]{1,4}\Z"),
}
_SUBSETS = frozenset({"carc", "rarc", "claim_status_categories"})
# Complete lists as of a dated copy: X12 adds codes at each release, so a well-formed code
# newer than the copy is a warning naming the copy, not an error.
_DATED = frozenset({"claim_status_codes"})


def _listed(
    rule: str,
    what: str,
    code: str,
    name: str,
    seg: Segment,
    index: int,
    ctx: RuleContext,
    issues: list[Issue],
    component: int | None = None,
    loop: str | None = None,
) -> None:
    known = ctx.known(name)
    if code in known:
        return
    shape = _SHAPES.get(name)
    if shape is not None and not shape.match(code):
        issues.append(
            _issue(rule, f"{what} {code[:8]!r} is not shaped like one", seg, index,
                   component=component, loop=loop)
        )  # fmt: skip
    elif code not in ctx.codes(name):
        subset = name in _SUBSETS
        dated = name in _DATED
        issues.append(
            _issue(
                rule,
                f"{what} {code[:8]!r} is not in the loaded {name} list"
                + (" (the shipped list is a subset: install the full list)" if subset else "")
                + (
                    " (the shipped list is a dated copy: install X12's current list)"
                    if dated
                    else ""
                ),
                seg,
                index,
                component=component,
                loop=loop,
                severity=Severity.WARNING if subset or dated else Severity.ERROR,
            )
        )
    else:
        known.add(code)


_ICD10_QUALIFIERS = frozenset({"ABK", "ABF", "ABJ", "APR", "ABN"})


def _icd10(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    catalog = None
    for hi in _segs(loop, "HI"):
        for index, value in enumerate(hi.elements, 1):
            parts = value.split(ctx.component) if isinstance(value, str) else list(value)
            if len(parts) < 2 or parts[0] not in _ICD10_QUALIFIERS or not parts[1]:
                continue
            catalog = catalog if catalog is not None else ctx.codes("icd10")
            if parts[1] not in catalog:
                issues.append(
                    _issue(
                        "unknown_icd10",
                        f"HI{index:02d}-2 {parts[1][:10]!r} is not an ICD-10-CM code",
                        hi,
                        index,
                        component=2,
                        loop=loop.LOOP_ID,
                    )
                )


def _place_of_service(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    for seg in loop.segments:
        if seg.id == "CLM":
            code, index = seg.get(5).split(ctx.component)[0], 5
        elif seg.id == "SV1":
            code, index = seg.get(5), 5
        else:
            continue
        if code and code not in ctx.codes("place_of_service"):
            issues.append(
                _issue(
                    "unknown_place_of_service",
                    f"{seg.id}{index:02d} {code[:5]!r} is not a place of service code",
                    seg,
                    index,
                    component=1 if seg.id == "CLM" else None,
                    loop=loop.LOOP_ID,
                )
            )


def _carc(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    known = ctx.known("carc")
    for cas in loop.segments:
        if cas.id != "CAS":
            continue
        elements = cas.elements
        for k in range(1, min(len(elements), 18), 3):  # CAS02, CAS05, ... CAS17
            reason = elements[k]
            if reason and reason.__class__ is str and reason not in known:
                index = k + 1
                what = f"CAS{index:02d} claim adjustment reason code"
                _listed("unknown_carc", what, reason, "carc", cas, index, ctx, issues,
                        loop=loop.LOOP_ID)  # fmt: skip


_REMARK_ELEMENTS = {"LQ": (2,), "MOA": (3, 4, 5, 6, 7), "MIA": (5, 20, 21, 22, 23)}


def _rarc(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    known = ctx.known("rarc")
    for seg in loop.segments:
        indexes = _REMARK_ELEMENTS.get(seg.id)
        if indexes is None or (seg.id == "LQ" and seg.get(1) != "HE"):
            continue
        for index in indexes:
            code = seg.get(index)
            if code and code not in known:
                what = f"{seg.id}{index:02d} remittance advice remark code"
                _listed("unknown_rarc", what, code, "rarc", seg, index, ctx, issues,
                        loop=loop.LOOP_ID)  # fmt: skip


def _status_category(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    for stc in _segs(loop, "STC"):
        for index in (1, 10, 11):
            category = stc.get(index).split(ctx.component)[0]
            if category:
                what = f"STC{index:02d}-1 claim status category code"
                _listed("unknown_status_category", what, category, "claim_status_categories",
                        stc, index, ctx, issues, component=1, loop=loop.LOOP_ID)  # fmt: skip


def _status_code(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    for stc in _segs(loop, "STC"):
        for index in (1, 10, 11):
            parts = stc.get(index).split(ctx.component)
            if len(parts) > 1 and parts[1]:
                what = f"STC{index:02d}-2 claim status code"
                _listed("unknown_status_code", what, parts[1], "claim_status_codes",
                        stc, index, ctx, issues, component=2, loop=loop.LOOP_ID)  # fmt: skip


def _provider_ids(loop: Loop, _: Sequence[Loop], ctx: RuleContext, issues: list[Issue]) -> None:
    for seg in loop.segments:
        sid = seg.id
        if sid == "NM1":
            npi = seg.get(9)
            if npi and seg.get(8) == "XX" and not is_valid_npi(npi):
                issues.append(
                    _issue(
                        "invalid_npi",
                        f"NM109 {npi[:12]!r} is not an NPI (check digit)",
                        seg,
                        9,
                        loop=loop.LOOP_ID,
                    )
                )
        elif sid == "N1":
            npi = seg.get(4)
            if npi and seg.get(3) == "XX" and not is_valid_npi(npi):
                issues.append(
                    _issue(
                        "invalid_npi",
                        f"N104 {npi[:12]!r} is not an NPI (check digit)",
                        seg,
                        4,
                        loop=loop.LOOP_ID,
                    )
                )
        elif sid == "PRV":
            code = seg.get(3)
            if code and seg.get(2) == "PXC" and not is_taxonomy_format(code):
                issues.append(
                    _issue(
                        "invalid_taxonomy",
                        f"PRV03 {code[:12]!r} is not a provider taxonomy code "
                        "(nine letters or digits, then X)",
                        seg,
                        3,
                        loop=loop.LOOP_ID,
                    )
                )


_837 = frozenset({"837P", "837I"})
_ALL = frozenset({"835", "837P", "837I", "270", "271", "276", "277", "277CA"})
_NAME_LOOPS = ("1000", "2010", "2100", "2310", "2330", "2420")


def _rule(
    id_: str, snip: int, kinds: frozenset[str], loop: str, section: str, text: str, check: Check
) -> Rule:
    return Rule(id_, snip, kinds, loop, section, text, check)


RULES: tuple[Rule, ...] = (
    _rule("unbalanced_service", 3, frozenset({"835"}), "2110",
          "X221A1 1.10.2.1.1 Service Line Balancing",
          "SVC02 charge - SVC03 paid = the line's CAS amounts", _835_line),
    _rule("unbalanced_claim", 3, frozenset({"835"}), "2100",
          "X221A1 1.10.2.1.2 Claim Balancing",
          "CLP03 charge - CLP04 paid = the claim's and its lines' CAS amounts", _835_claim),
    _rule("unbalanced_payment", 3, frozenset({"835"}), "HEADER",
          "X221A1 1.10.2.1.3 Transaction Balancing",
          "BPR02 = sum of CLP04 - sum of PLB amounts", _835_total),
    _rule("unbalanced_claim", 3, _837, "2300", "X222A1/X223A2 2300 CLM02 Total Claim Charge",
          "CLM02 = sum of the service line charges (SV102 / SV203)", _837_claim_total),
    _rule("unbalanced_other_payer", 3, _837, "2300",
          "X222A1/X223A2 1.4.1.3 Coordination of Benefits; 2320 AMT*D, 2430 SVD02",
          "2320 AMT*D = the payer's 2430 SVD02 total; AMT*D + 2320 and 2430 CAS = CLM02; "
          "each 2430 SVD02 + its CAS = the line charge", _837_cob),
    _rule("unbalanced_totals", 3, frozenset({"277CA"}), "2000B",
          "X214 2200B QTY/AMT Total Accepted/Rejected",
          "QTY*90/QTY*AA and AMT*YU/AMT*YY = the accepted/rejected claims below", _277ca_totals),
    _rule("unbalanced_totals", 3, frozenset({"277CA"}), "2000C",
          "X214 2200C QTY/AMT Total Accepted/Rejected",
          "QTY*90/QTY*AA and AMT*YU/AMT*YY = the provider's accepted/rejected claims",
          _277ca_totals),
    _rule("patient_loop_not_allowed", 4, _837, "2000C",
          "X222A1/X223A2 2000C Patient Hierarchical Level (situational)",
          "2000C only when the patient is not the subscriber (2000B SBR02 is not 18)",
          _patient_level),
    _rule("patient_loop_required", 4, _837, "2300",
          "X222A1/X223A2 2000B SBR02 / 2000C Patient Hierarchical Level",
          "a claim directly under 2000B only when the subscriber is the patient (SBR02 18)",
          _patient_level),
    _rule("rendering_same_as_billing", 4, frozenset({"837P"}), "2300",
          "X222A1 2310B Rendering Provider Name (situational)",
          "2310B only when the rendering provider differs from the 2010AA billing provider",
          _rendering_differs),
    _rule("insurance_type_required", 4, frozenset({"837P"}), "2000B",
          "X222A1 2000B SBR05 Insurance Type Code (situational)",
          "SBR05 when the destination payer is Medicare (SBR09 MA/MB) and not primary (SBR01)",
          _insurance_type_required),
    _rule("insurance_type_not_allowed", 4, frozenset({"837P"}), "2000B",
          "X222A1 2000B SBR05 Insurance Type Code (situational)",
          "no SBR05 unless the destination payer is Medicare and not primary (a warning)",
          _insurance_type_unwanted),
    _rule("payer_claim_number_required", 4, _837, "2300",
          "X222A1/X223A2 2300 REF*F8 Payer Claim Control Number (situational)",
          "REF*F8 is required when CLM05-3 is 7 (replacement) or 8 (void)", _f8_for_corrections),
    _rule("billing_zip_nine_digits", 4, _837, "2010AA",
          "X222A1/X223A2 2010AA N403 Billing Provider Postal Zone or ZIP Code",
          "a US billing provider's N403 is the nine-digit ZIP+4", _billing_zip),
    _rule("unknown_icd10", 5, _837, "2300", "X222A1/X223A2 2300 HI (ICD-10-CM, code source 897)",
          "ICD-10-CM diagnosis codes (ABK, ABF, ABJ, APR, ABN) are in the CMS list",
          _icd10),
    _rule("unknown_place_of_service", 5, frozenset({"837P"}), "2300",
          "X222A1 2300 CLM05-1 Place of Service Code (code source 237)",
          "CLM05-1 is a CMS place of service code", _place_of_service),
    _rule("unknown_place_of_service", 5, frozenset({"837P"}), "2400",
          "X222A1 2400 SV105 Place of Service Code (code source 237)",
          "SV105 is a CMS place of service code", _place_of_service),
    _rule("unknown_carc", 5, frozenset({"835"}), "2100",
          "X221A1 2100 CAS Claim Adjustment Reason Code (code source 139)",
          "CAS reason codes are CARC codes", _carc),
    _rule("unknown_carc", 5, frozenset({"835"}), "2110",
          "X221A1 2110 CAS Claim Adjustment Reason Code (code source 139)",
          "CAS reason codes are CARC codes", _carc),
    _rule("unknown_carc", 5, _837, "2320", "X222A1/X223A2 2320 CAS (code source 139)",
          "CAS reason codes are CARC codes", _carc),
    _rule("unknown_carc", 5, _837, "2430", "X222A1/X223A2 2430 CAS (code source 139)",
          "CAS reason codes are CARC codes", _carc),
    _rule("unknown_rarc", 5, frozenset({"835"}), "2100",
          "X221A1 2100 MIA/MOA Remark Codes (code source 411)",
          "MIA/MOA remark codes are RARC codes", _rarc),
    _rule("unknown_rarc", 5, frozenset({"835"}), "2110",
          "X221A1 2110 LQ*HE Remark Code (code source 411)",
          "LQ02 (LQ01 HE) is a RARC code", _rarc),
    _rule("unknown_status_category", 5, frozenset({"277", "277CA"}), "2200*",
          "X212/X214 STC01-1 Claim Status Category Code (code source 507)",
          "STC01-1, STC10-1, STC11-1 are claim status category codes", _status_category),
    _rule("unknown_status_category", 5, frozenset({"277", "277CA"}), "2220*",
          "X212/X214 2220 STC01-1 Claim Status Category Code (code source 507)",
          "service line STC categories are claim status category codes", _status_category),
    _rule("unknown_status_code", 5, frozenset({"277", "277CA"}), "2200*",
          "X212/X214 STC01-2 Claim Status Code (code source 508)",
          "STC01-2, STC10-2, STC11-2 are claim status codes", _status_code),
    _rule("unknown_status_code", 5, frozenset({"277", "277CA"}), "2220*",
          "X212/X214 2220 STC01-2 Claim Status Code (code source 508)",
          "service line STC status codes are claim status codes", _status_code),
    _rule("invalid_npi", 5, _ALL, "name loops",
          "NM108/N103 XX: National Provider Identifier (check digit, prefix 80840)",
          "an NPI (NM109 or N104 after XX) has a valid Luhn check digit; PRV03 after PXC "
          "has the NUCC taxonomy shape", _provider_ids),
)  # fmt: skip

_BY_LOOP: dict[tuple[str, str], tuple[Rule, ...]] = {}


def rules_for(kind: str, loop_id: str) -> tuple[Rule, ...]:
    """The rules that run when a loop `loop_id` of a `kind` transaction closes."""
    key = (kind, loop_id)
    found = _BY_LOOP.get(key)
    if found is None:
        found = tuple(r for r in RULES if kind in r.kinds and _applies(r.loop, loop_id))
        _BY_LOOP[key] = found
    return found


def _applies(pattern: str, loop_id: str) -> bool:
    if pattern == "name loops":
        return loop_id.startswith(_NAME_LOOPS) or loop_id in ("1000A", "1000B", "2000A")
    if pattern.endswith("*"):
        return loop_id.startswith(pattern[:-1])
    return pattern == loop_id


def rules_table() -> str:
    """The Markdown table of every rule (docs/x12-validation.md holds the same)."""
    lines = [
        "| rule (issue code) | SNIP | transactions | loop | guide section | requires |",
        "|---|---|---|---|---|---|",
    ]
    for r in RULES:
        kinds = ", ".join(sorted(r.kinds))
        lines.append(f"| `{r.id}` | {r.snip} | {kinds} | {r.loop} | {r.section} | {r.requires} |")
    return "\n".join(lines) + "\n"
