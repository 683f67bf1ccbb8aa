"""Edits from CMS's NCCI tables (procedure-to-procedure pairs, MUE units) and telehealth policy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from shared.codes.ncci import MueEdit
from shared.scrubber.context import Scrubbing
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import PROFESSIONAL, edit

E, W = Severity.ERROR, Severity.WARNING

# Modifiers CMS recognises as bypassing a PTP edit with modifier indicator 1 (NCCI Policy
# Manual, chapter I): anatomic, global surgery, and the distinct-service family.
NCCI_BYPASS_MODIFIERS = frozenset(
    {"E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
     "LC", "LD", "LM", "RC", "RI", "LT", "RT", "TA", "T1", "T2", "T3", "T4", "T5", "T6",
     "T7", "T8", "T9", "24", "25", "27", "57", "58", "59", "78", "79", "91",
     "XE", "XS", "XP", "XU"}
)  # fmt: skip
_X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})
TELEHEALTH_MODIFIERS = frozenset({"95", "93", "GT", "GQ", "FQ"})


PtpHit = tuple[int, int, str, frozenset[str]]


def _ptp_hits(s: Scrubbing) -> list[PtpHit]:
    """The claim's PTP hits, found once and shared by NC001-NC003."""
    hits: list[PtpHit] | None = s.memo.get("ptp")
    if hits is None:
        hits = s.memo["ptp"] = list(_find_ptp_hits(s))
    return hits


def _find_ptp_hits(s: Scrubbing) -> Iterator[PtpHit]:
    """(column-1 line, column-2 line, indicator, modifiers of both) per PTP edit in effect.

    NCCI judges services to one patient on one date of service, so only lines sharing a
    date are paired; each unordered pair is looked up once (the table answers either order).
    """
    ptp = s.codes.ncci.ptp
    lines = s.claim.lines
    dated = [
        (index, line.procedure_code, s.line_dates[index])
        for index, line in enumerate(lines)
        if line.procedure_code
    ]
    for a, (i, code_i, day_i) in enumerate(dated):
        if day_i is None:
            continue
        for j, code_j, day_j in dated[a + 1 :]:
            if day_j != day_i or code_i == code_j:
                continue
            pair = ptp(code_i, code_j, day_i)
            if pair is None:
                continue
            col1, col2 = (i, j) if pair.column1 == code_i else (j, i)
            modifiers = frozenset(lines[i].modifiers + lines[j].modifiers)
            yield col1, col2, str(pair.modifier_indicator), modifiers


@edit(
    "NC001",
    E,
    Category.NCCI,
    "NCCI pair never billed together",
    "The two codes form an NCCI procedure-to-procedure edit with modifier indicator 0: the "
    "column-2 code is never paid with the column-1 code on the same day, whatever the modifier.",
    fix="Remove the column-2 line (it is included in the column-1 service).",
    kinds=PROFESSIONAL,
)
def ptp_never(s: Scrubbing) -> Iterator[Finding]:
    lines = s.claim.lines
    for i, j, indicator, _ in _ptp_hits(s):
        if indicator == "0":
            yield Finding(
                f"lines[{j}].procedure_code",
                f"line {lines[j].line_number}: {lines[j].procedure_code} is bundled into "
                f"{lines[i].procedure_code} (line {lines[i].line_number}); no modifier allowed",
            )


@edit(
    "NC002",
    E,
    Category.NCCI,
    "NCCI pair without a bypass modifier",
    "The two codes form an NCCI procedure-to-procedure edit with modifier indicator 1: the "
    "column-2 code is paid only with an NCCI-associated modifier (59, XE, XS, XP, XU, anatomic "
    "or global-surgery modifiers) when the services were truly distinct.",
    fix="If the services were distinct (other site, session, practitioner), add XE/XS/XP/XU or "
    "59 to the column-2 line; otherwise remove it.",
    kinds=PROFESSIONAL,
)
def ptp_needs_modifier(s: Scrubbing) -> Iterator[Finding]:
    lines = s.claim.lines
    for i, j, indicator, modifiers in _ptp_hits(s):
        if indicator == "1" and NCCI_BYPASS_MODIFIERS.isdisjoint(modifiers):
            yield Finding(
                f"lines[{j}].modifiers",
                f"line {lines[j].line_number}: {lines[j].procedure_code} with "
                f"{lines[i].procedure_code} (line {lines[i].line_number}) needs a distinct-"
                "service modifier",
            )


@edit(
    "NC003",
    W,
    Category.NCCI,
    "59 used where an X modifier is more specific",
    "An NCCI pair is bypassed with modifier 59 alone; CMS asks for XE, XS, XP or XU when one "
    "describes the distinct service, and some payers deny 59 alone.",
    fix="Replace 59 with XE (separate encounter), XS (separate structure), XP (separate "
    "practitioner) or XU (unusual non-overlapping service).",
    kinds=PROFESSIONAL,
)
def ptp_prefer_x_modifier(s: Scrubbing) -> Iterator[Finding]:
    lines = s.claim.lines
    for i, j, indicator, modifiers in _ptp_hits(s):
        bypass = modifiers & NCCI_BYPASS_MODIFIERS
        if indicator == "1" and bypass == {"59"}:
            holder = j if "59" in lines[j].modifiers else i
            yield Finding(
                f"lines[{holder}].modifiers[{lines[holder].modifiers.index('59')}]",
                f"line {lines[holder].line_number}: NCCI pair bypassed with 59 alone",
            )


def _mue_for_claim_kind(limit: MueEdit | None, professional: bool) -> MueEdit | None:
    """The MUE only if it was published for this kind of claim.

    CMS publishes separate MUE files for practitioner services (837P) and for outpatient
    hospital services (837I); a practitioner limit says nothing about a hospital's claim.
    A file that does not say which it is applies to both.
    """
    if limit is None or not limit.service_type:
        return limit
    kind = limit.service_type.lower()
    if professional:
        return limit if "practitioner" in kind else None
    return limit if "outpatient" in kind or "facility" in kind else None


def _mue_limits(s: Scrubbing) -> list[MueEdit | None]:
    """Each line's MUE in effect on its date (None: no code, no date or no MUE), found once."""
    limits: list[MueEdit | None] | None = s.memo.get("mue")
    if limits is None:
        mue = s.codes.ncci.mue
        professional = s.professional
        limits = s.memo["mue"] = [
            _mue_for_claim_kind(mue(line.procedure_code, day), professional)
            if line.procedure_code and day is not None
            else None
            for line, day in zip(s.claim.lines, s.line_dates, strict=True)
        ]
    return limits


@edit(
    "NC004",
    E,
    Category.NCCI,
    "Units above the MUE on a line",
    "The line's units exceed the Medically Unlikely Edit for the code (MUE adjudication "
    "indicator 1: judged line by line). Practitioner MUEs judge 837P claims, outpatient "
    "hospital MUEs 837I claims.",
    fix="Check the units; bill only what was provided, or document medical necessity and "
    "split per payer instructions.",
)
def mue_line(s: Scrubbing) -> Iterator[Finding]:
    limits = _mue_limits(s)
    for index, line in enumerate(s.claim.lines):
        limit = limits[index]
        if (
            limit is not None
            and str(limit.adjudication_indicator) == "1"
            and line.units > limit.units
        ):
            yield Finding(
                f"lines[{index}].units",
                f"line {line.line_number}: {line.units} units of {line.procedure_code}, "
                f"MUE is {limit.units}",
            )


@edit(
    "NC005",
    E,
    Category.NCCI,
    "Units above the MUE for the day",
    "The units of one code on one date of service, summed over the claim's lines, exceed the "
    "MUE (adjudication indicator 2 or 3: judged per day).",
    fix="Check the units billed for that date; indicator 2 is an absolute limit.",
)
def mue_day(s: Scrubbing) -> Iterator[Finding]:
    limits = _mue_limits(s)
    totals: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    last_line: dict[tuple[str, date], int] = {}
    per_day: dict[tuple[str, date], MueEdit] = {}
    for index, line in enumerate(s.claim.lines):
        limit, day = limits[index], s.line_dates[index]
        if limit is None or day is None or not limit.per_date_of_service:
            continue
        key = (limit.code, day)
        totals[key] += line.units
        last_line[key] = index
        per_day[key] = limit
    for (code, day), units in totals.items():
        limit = per_day[(code, day)]
        if units > limit.units:
            index = last_line[(code, day)]
            yield Finding(
                f"lines[{index}].units",
                f"{units} units of {code} on {day.isoformat()}, MUE per day is {limit.units}",
            )


@edit(
    "TH001",
    E,
    Category.TELEHEALTH,
    "Telehealth line without the payer's modifier",
    "A line billed with a telehealth place of service (02, 10) must carry one of the "
    "telehealth modifiers the payer requires (95, 93 or GT by default; set per payer in the "
    "payer rules file).",
    fix="Add the telehealth modifier the payer requires (95 synchronous video, 93 audio only).",
    kinds=PROFESSIONAL,
)
def telehealth_modifier_required(s: Scrubbing) -> Iterator[Finding]:
    policy = s.telehealth
    if not policy.required_modifiers:
        return
    for index, line in enumerate(s.claim.lines):
        pos = s.line_pos(index)
        if pos in policy.place_of_service and not set(policy.required_modifiers) & set(
            line.modifiers
        ):
            yield Finding(
                f"lines[{index}].modifiers",
                f"line {line.line_number}: telehealth POS {pos} needs one of "
                f"{', '.join(policy.required_modifiers)}",
            )


@edit(
    "TH002",
    W,
    Category.TELEHEALTH,
    "Telehealth modifier with an in-person place of service",
    "A telehealth modifier (95, 93, GT, GQ, FQ) appears on a line whose place of service is not "
    "a telehealth one; payers that expect POS 02/10 deny or reprice it.",
    fix="Bill POS 02 or 10 for a telehealth visit, or remove the modifier for an in-person visit.",
    kinds=PROFESSIONAL,
)
def telehealth_modifier_in_person(s: Scrubbing) -> Iterator[Finding]:
    policy = s.telehealth
    if not policy.modifier_requires_telehealth_pos:
        return
    for index, line in s.modified_lines:
        if TELEHEALTH_MODIFIERS.isdisjoint(line.modifiers):
            continue
        pos = s.line_pos(index)
        if pos is not None and pos not in policy.place_of_service:
            yield Finding(
                f"lines[{index}].place_of_service" if line.place_of_service else "place_of_service",
                f"line {line.line_number}: telehealth modifier with place of service {pos}",
            )
