"""Translate inbound 837P/837I files into intake `Claim` objects, so X12 and JSON meet in one model.

The reader engineer's typed readers place every segment in its loop (2000A billing
provider, 2000B subscriber, 2000C patient, 2300 claim, 2310x/2320/2330x/2400/2430); this
adapter reads the elements of those loops' segments into the claim model. A claim that
cannot be translated is reported with the segment position, segment id and element; the
whole file is refused in that case (no half-translated batch).

What an 837 cannot carry back into the model (documented, and normalised by the round-trip
test): the subscriber's birth date and sex when the subscriber is not the patient (2010BA
DMG is sent only for a subscriber-patient), the other payer's subscriber's demographics
(2330A has no DMG), and our own claim id, organization and received date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.claim_model import (
    Address,
    Adjustment,
    Claim,
    ClaimKind,
    Frequency,
    IcdProcedure,
    OccurrenceCode,
    OccurrenceSpan,
    OtherPayer,
    Payer,
    Person,
    PriorLineAdjudication,
    Provider,
    Relationship,
    ServiceLine,
    Sex,
    Subscriber,
    ValueCode,
)
from shared.money import MoneyError, to_money
from shared.x12.errors import Issue, X12Error
from shared.x12.loops import Loop, is_digits
from shared.x12.segments import Segment

if TYPE_CHECKING:
    from shared.x12.reader import ParsedTransaction

__all__ = [
    "Claim837TranslationError",
    "Translation",
    "translate_837",
    "translate_837_report",
    "translate_streamed_claim",
    "translate_transaction",
]

# Envelope errors that make a whole batch untrustworthy (a count or control number is off).
_ENVELOPE_FAULTS = frozenset(
    {"count_mismatch", "control_mismatch", "missing_se", "missing_ge", "missing_iea"}
)


class Claim837TranslationError(X12Error):
    """The 837 could not be translated; `issues` lists every claim-level problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        first = issues[0]
        super().__init__(
            first.message if len(issues) == 1 else f"{first.message} (and {len(issues) - 1} more)",
            position=first.position,
            segment_id=first.segment_id,
            element=first.element,
            code=first.code,
        )


@dataclass(slots=True)
class Translation:
    """Claims translated from one file, and the problems that stopped any of them."""

    claims: list[Claim] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


class _Problem(Exception):
    """A translation problem at one segment/element (caught per claim)."""

    def __init__(self, message: str, seg: Segment | None, element: int | None = None) -> None:
        super().__init__(message)
        self.issue = Issue(
            "claim_translation",
            message,
            seg.position if seg is not None else None,
            seg.id if seg is not None else None,
            element,
        )


# -- element helpers ----------------------------------------------------------------------


def _parts(seg: Segment, index: int, comp: str) -> list[str]:
    return seg.get(index).split(comp)


def _decimal(seg: Segment, index: int, what: str, *, required: bool = True) -> Decimal | None:
    text = seg.get(index)
    if not text:
        if required:
            raise _Problem(f"{what} ({seg.id}{index:02d}) is missing", seg, index)
        return None
    # Decimal() also takes '١٢' (Arabic-Indic digits), '1_000' and ' 12 ': none is an X12
    # number, so only ASCII without underscores or spaces goes on to Decimal().
    if not text.isascii() or "_" in text or any(ch.isspace() for ch in text):
        raise _Problem(f"{what} ({seg.id}{index:02d}) {text[:20]!r} is not a number", seg, index)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Problem(
            f"{what} ({seg.id}{index:02d}) {text[:20]!r} is not a number", seg, index
        ) from None
    if not value.is_finite():
        raise _Problem(f"{what} ({seg.id}{index:02d}) is not a finite number", seg, index)
    return value


def _money(seg: Segment, index: int, what: str) -> Decimal:
    value = _decimal(seg, index, what)
    assert value is not None
    try:
        # An amount Money cannot hold exactly (a fraction of a cent) is refused here, where
        # its segment and element are known, never rounded and never a crash further on.
        return to_money(value)
    except MoneyError as exc:
        raise _Problem(
            f"{what} ({seg.id}{index:02d}) {seg.get(index)[:20]!r}: {exc}", seg, index
        ) from None


def _required(seg: Segment, index: int, what: str) -> str:
    """A code the guide requires: absent is an error, never a default we make up."""
    value = seg.get(index)
    if not value:
        raise _Problem(
            f"{what} ({seg.id}{index:02d}) is missing: the guide requires it", seg, index
        )
    return value


def _d8(seg: Segment, text: str, index: int) -> date:
    try:
        # ASCII digits only: int() reads '٢' as 2 and ' 1' as 1, which no CCYYMMDD holds.
        if len(text) != 8 or not is_digits(text):
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise _Problem(
            f"{seg.id}{index:02d} {text[:20]!r} is not a CCYYMMDD date", seg, index
        ) from None


def _period(seg: Segment) -> tuple[date, date | None]:
    """DTP02/DTP03 as (start, end): D8 one day, RD8 a range, DT a date with time."""
    fmt, value = seg.get(2), seg.get(3)
    if fmt == "RD8":
        start, _, end = value.partition("-")
        return _d8(seg, start, 3), _d8(seg, end, 3)
    if fmt in ("D8", "DT"):
        return _d8(seg, value[:8], 3), None
    raise _Problem(f"DTP02 date format {fmt!r} is not D8, RD8 or DT", seg, 2)


def _first(
    segments: Iterable[Segment], seg_id: str, qualifier: str | None = None
) -> Segment | None:
    for seg in segments:
        if seg.id == seg_id and (qualifier is None or seg.get(1) == qualifier):
            return seg
    return None


def _address(loop: Loop) -> Address | None:
    n3 = _first(loop.segments, "N3")
    n4 = _first(loop.segments, "N4")
    if n3 is None or n4 is None:
        return None
    try:
        return Address(
            line1=n3.get(1),
            line2=n3.get(2) or None,
            city=n4.get(1),
            state=n4.get(2),
            postal_code=n4.get(3),
            country=n4.get(4) or None,
        )
    except ValidationError as exc:
        raise _Problem(f"address is incomplete: {_first_error(exc)}", n4) from None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}"


def _sex(seg: Segment | None) -> Sex | None:
    if seg is None or not seg.get(3):
        return None
    try:
        return Sex(seg.get(3))
    except ValueError:
        raise _Problem(f"DMG03 {seg.get(3)[:5]!r} is not M, F or U", seg, 3) from None


def _person_fields(loop: Loop) -> dict[str, Any]:
    nm1 = _first(loop.segments, "NM1")
    assert nm1 is not None  # a name loop starts with its NM1
    if not nm1.get(3):
        raise _Problem("last name (NM103) is missing", nm1, 3)
    dmg = _first(loop.segments, "DMG")
    birth = (
        _d8(dmg, dmg.get(2), 2) if dmg is not None and dmg.get(1) == "D8" and dmg.get(2) else None
    )
    return {
        "last_name": nm1.get(3),
        "first_name": nm1.get(4) or None,
        "middle_name": nm1.get(5) or None,
        "suffix": nm1.get(7) or None,
        "birth_date": birth,
        "sex": _sex(dmg),
        "address": _address(loop),
    }


def _provider(loop: Loop, extra: Iterable[Segment] = ()) -> Provider:
    nm1 = loop.segments[0]
    segments = [*loop.segments, *extra]
    prv = _first(segments, "PRV")
    tax = _first(segments, "REF", "EI")
    npi = nm1.get(9) if nm1.get(8) == "XX" else None
    person = nm1.get(2) == "1"
    return Provider(
        npi=npi or None,
        organization_name=None if person else (nm1.get(3) or None),
        last_name=nm1.get(3) or None if person else None,
        first_name=nm1.get(4) or None if person else None,
        taxonomy=prv.get(3) or None if prv is not None else None,
        tax_id=tax.get(2) if tax is not None else None,
        address=_address(loop),
    )


def _children(loop: Loop, loop_id: str | None = None) -> list[Loop]:
    return [c for c in loop.children if loop_id is None or c.LOOP_ID == loop_id]


def _named(loops: Iterable[Loop], *entity_codes: str) -> Loop | None:
    for loop in loops:
        if (
            loop.segments
            and loop.segments[0].id == "NM1"
            and loop.segments[0].get(1) in entity_codes
        ):
            return loop
    return None


def _adjustments(segments: Iterable[Segment]) -> tuple[Adjustment, ...]:
    out: list[Adjustment] = []
    for cas in segments:
        if cas.id != "CAS":
            continue
        group = cas.get(1)
        for start in range(2, 20, 3):
            reason = cas.get(start)
            if not reason:
                continue
            amount = _money(cas, start + 1, "adjustment amount")
            qty = _decimal(cas, start + 2, "adjustment quantity", required=False)
            out.append(Adjustment(group=group, reason=reason, amount=amount, quantity=qty))
    return tuple(out)


# -- loops -> model -----------------------------------------------------------------------


def _component_separator(claim: Loop, declared: str) -> str:
    """The separator the body uses (some files declare ':' in ISA16 and write '>')."""
    clm = claim.segments[0]
    value = clm.get(5)
    if declared in value or not value:
        return declared
    for char in value:
        if not char.isalnum():
            return char
    return declared


def _other_payer(loop: Loop, comp: str) -> OtherPayer:
    sbr = loop.segments[0]
    loops = _children(loop)
    subscriber_loop = _named(loops, "IL")
    payer_loop = _named(loops, "PR")
    if subscriber_loop is None or payer_loop is None:
        raise _Problem("other payer (2320) needs its subscriber (2330A) and payer (2330B)", sbr)
    payer_nm1 = payer_loop.segments[0]
    subscriber_nm1 = subscriber_loop.segments[0]
    if not subscriber_nm1.get(9):
        raise _Problem("other subscriber id (NM109) is missing", subscriber_nm1, 9)
    if not payer_nm1.get(9):
        raise _Problem("other payer id (NM109) is missing", payer_nm1, 9)
    paid = _first(loop.segments, "AMT", "D")
    paid_date = _first(payer_loop.segments, "DTP", "573")
    return OtherPayer(
        payer=Payer(
            payer_id=payer_nm1.get(9),
            name=payer_nm1.get(3),
            claim_filing_indicator=_filing_indicator(sbr),
            address=_address(payer_loop),
        ),
        responsibility=sbr.get(1),
        subscriber=Subscriber(
            **{**_person_fields(subscriber_loop), "birth_date": None, "sex": None},
            member_id=subscriber_nm1.get(9),
            group_number=sbr.get(3) or None,
            group_name=sbr.get(4) or None,
        ),
        relationship=_relationship(sbr, 2),
        paid_amount=_money(paid, 2, "prior payer paid amount") if paid is not None else None,
        adjudication_date=_period(paid_date)[0] if paid_date is not None else None,
        claim_adjustments=_adjustments(loop.segments),
    )


def _relationship(seg: Segment, index: int) -> Relationship:
    """PAT01 (2000C) or SBR02 (2320): required there, so absent is an error, not a guess."""
    code = _required(seg, index, "individual relationship code")
    try:
        return Relationship(code)
    except ValueError:
        raise _Problem(f"relationship code {code!r} is not supported", seg, index) from None


def _filing_indicator(sbr: Segment) -> str:
    """SBR09: situational in the guide (until a national plan id is mandated, which it has
    not been), so in practice always sent; never replaced by a guessed 'CI'."""
    return _required(sbr, 9, "claim filing indicator code")


def _yes_no(seg: Segment, index: int, what: str) -> bool:
    value = _required(seg, index, what)
    if value not in ("Y", "N"):
        raise _Problem(f"{what} ({seg.id}{index:02d}) {value[:5]!r} is not Y or N", seg, index)
    return value == "Y"


def _procedure(seg: Segment, index: int, comp: str) -> tuple[str | None, tuple[str, ...]]:
    parts = _parts(seg, index, comp)
    if not parts or not parts[0]:
        return None, ()
    if len(parts) < 2 or not parts[1]:
        raise _Problem(f"procedure code ({seg.id}{index:02d}-2) is missing", seg, index)
    return parts[1], tuple(p for p in parts[2:6] if p)


def _line(
    loop: Loop, kind: ClaimKind, comp: str
) -> tuple[ServiceLine, list[tuple[str, PriorLineAdjudication]]]:
    lx = loop.segments[0]
    if not is_digits(lx.get(1)):
        # Not int(): it takes '١' (Arabic-Indic one), ' 1' and '1_0' without complaint.
        raise _Problem(f"line number (LX01) {lx.get(1)[:10]!r} is not a number", lx, 1)
    number = int(lx.get(1))
    values: dict[str, Any] = {"line_number": number}
    if kind is ClaimKind.PROFESSIONAL:
        sv = _first(loop.segments, "SV1")
        if sv is None:
            raise _Problem("professional service (SV1) is missing", lx)
        values["procedure_code"], values["modifiers"] = _procedure(sv, 1, comp)
        values["charge"] = _money(sv, 2, "line charge")
        values["unit_type"] = _required(sv, 3, "unit or basis for measurement code")
        # Zero units stay zero (the scrubber's units edit holds the claim); absent is an
        # error: SV104 is required and the guide gives it no default.
        values["units"] = _decimal(sv, 4, "service unit count")
        values["place_of_service"] = sv.get(5) or None
        pointers = [p for p in _parts(sv, 7, comp) if p]
        if not all(is_digits(p) for p in pointers):
            raise _Problem("diagnosis pointers (SV107) must be numbers", sv, 7)
        # No pointer stays no pointer: the scrubber's pointer edit holds such a line.
        values["diagnosis_pointers"] = tuple(int(p) for p in pointers)
    else:
        sv = _first(loop.segments, "SV2")
        if sv is None:
            raise _Problem("institutional service (SV2) is missing", lx)
        values["revenue_code"] = sv.get(1) or None
        values["procedure_code"], values["modifiers"] = _procedure(sv, 2, comp)
        values["charge"] = _money(sv, 3, "line charge")
        values["unit_type"] = _required(sv, 4, "unit or basis for measurement code")
        values["units"] = _decimal(sv, 5, "service unit count")
        values["diagnosis_pointers"] = (1,)
    dtp = _first(loop.segments, "DTP", "472")
    if dtp is not None:
        values["service_date"], values["service_date_end"] = _period(dtp)
    children = _children(loop)
    drug = next((c for c in children if c.LOOP_ID == "2410"), None)
    if drug is not None:
        lin = drug.segments[0]
        values["ndc"] = lin.get(3) or None
    rendering = _named((c for c in children if c.LOOP_ID.startswith("2420")), "82")
    if rendering is not None:
        values["rendering_provider"] = _provider(rendering)
    adjudications: list[tuple[str, PriorLineAdjudication]] = []
    for svd_loop in (c for c in children if c.LOOP_ID == "2430"):
        svd = svd_loop.segments[0]
        code, _mods = _procedure(svd, 3, comp)
        when = _first(svd_loop.segments, "DTP", "573")
        if when is None:
            raise _Problem("line adjudication date (DTP*573) is missing", svd)
        adjudications.append(
            (
                svd.get(1),
                PriorLineAdjudication(
                    line_number=number,
                    procedure_code=code or svd.get(4),
                    paid_amount=_money(svd, 2, "prior payer line paid amount"),
                    paid_units=_decimal(svd, 5, "paid service unit count"),
                    adjudication_date=_period(when)[0],
                    adjustments=_adjustments(svd_loop.segments),
                ),
            )
        )
    return ServiceLine(**values), adjudications


def _hhmm(seg: Segment, text: str) -> time:
    """An HHMM hour and minute (DTP*096 TM, the end of DTP*435 DT)."""
    if len(text) != 4 or not is_digits(text) or int(text[:2]) > 23 or int(text[2:]) > 59:
        raise _Problem(f"{seg.id}03 hour {text[:12]!r} is not HHMM", seg, 3)
    return time(int(text[:2]), int(text[2:]))


def _hi_date(hi: Segment, index: int, parts: list[str], fmt: str) -> str:
    if len(parts) < 4 or parts[2] != fmt or not parts[3]:
        raise _Problem(f"{parts[0]} code needs its {fmt} date (HI{index:02d}-3 and -4)", hi, index)
    return parts[3]


def _health_care_codes(claim_loop: Loop, comp: str) -> dict[str, Any]:
    """The 2300 HI segments: diagnoses with their present-on-admission indicators (HI0x-9),
    admitting diagnosis, DRG, and on institutional claims the UB-04 codes (ICD-10-PCS
    procedures, occurrence codes and spans, value and condition codes). A kind of code the
    file does not send stays None (absent), never an empty list."""
    diagnoses: list[tuple[str, str | None]] = []
    principal: tuple[str, str | None] | None = None
    found: dict[str, list[Any]] = {}
    values: dict[str, Any] = {}
    for hi in (s for s in claim_loop.segments if s.id == "HI"):
        for index in range(1, 13):
            parts = _parts(hi, index, comp)
            if len(parts) < 2 or not parts[1]:
                continue
            qualifier, code = parts[0], parts[1]
            poa = (parts[8] if len(parts) > 8 else "") or None
            if qualifier in ("ABK", "BK"):
                principal = principal or (code, poa)
            elif qualifier in ("ABF", "BF"):
                diagnoses.append((code, poa))
            elif qualifier in ("ABJ", "BJ"):
                values["admitting_diagnosis"] = code
            elif qualifier == "DR":
                values["drg"] = code
            elif qualifier in ("BBR", "BR", "CAH"):
                when = parts[3] if len(parts) > 3 and parts[3] else None
                values["principal_procedure"] = IcdProcedure(
                    code=code, date=_d8(hi, when, index) if when else None
                )
            elif qualifier in ("BBQ", "BQ"):
                when = parts[3] if len(parts) > 3 and parts[3] else None
                found.setdefault("other_procedures", []).append(
                    IcdProcedure(code=code, date=_d8(hi, when, index) if when else None)
                )
            elif qualifier == "BH":
                when = _hi_date(hi, index, parts, "D8")
                found.setdefault("occurrence_codes", []).append(
                    OccurrenceCode(code=code, date=_d8(hi, when, index))
                )
            elif qualifier == "BI":
                start, _, end = _hi_date(hi, index, parts, "RD8").partition("-")
                found.setdefault("occurrence_spans", []).append(
                    OccurrenceSpan(code=code, start=_d8(hi, start, index), end=_d8(hi, end, index))
                )
            elif qualifier == "BE":
                amount = parts[4] if len(parts) > 4 else ""
                if not amount:
                    raise _Problem(f"value code {code[:4]!r} needs its amount (HI{index:02d}-5)",
                                   hi, index)  # fmt: skip
                found.setdefault("value_codes", []).append(
                    ValueCode(code=code, amount=_hi_amount(hi, index, amount))
                )
            elif qualifier == "BG":
                found.setdefault("condition_codes", []).append(code)
    every = ([principal] if principal else []) + diagnoses
    values["diagnoses"] = tuple(code for code, _ in every)
    if any(poa is not None for _, poa in every):
        values["present_on_admission"] = tuple(poa for _, poa in every)
    values.update({key: tuple(items) for key, items in found.items()})
    return values


def _hi_amount(hi: Segment, index: int, text: str) -> Decimal:
    if not text.isascii() or "_" in text or any(ch.isspace() for ch in text):
        raise _Problem(f"value code amount (HI{index:02d}-5) is not a number", hi, index)
    try:
        amount = to_money(Decimal(text))
    except (InvalidOperation, MoneyError):
        raise _Problem(f"value code amount (HI{index:02d}-5) is not a number", hi, index) from None
    return amount


def _claim(context: Any, kind: ClaimKind, declared_comp: str) -> Claim:
    claim_loop: Loop = context.claim
    billing_loop: Loop = context.billing_provider
    subscriber_loop: Loop = context.subscriber
    patient_loop: Loop | None = context.patient
    clm = claim_loop.segments[0]
    comp = _component_separator(claim_loop, declared_comp)
    values: dict[str, Any] = {"kind": kind}

    # Billing provider (2000A PRV + 2010AA).
    billing_name = _named(_children(billing_loop), "85")
    if billing_name is None:
        raise _Problem("billing provider name (2010AA NM1*85) is missing", billing_loop.segments[0])
    values["billing_provider"] = _provider(billing_name, billing_loop.segments)

    # Subscriber (2000B SBR + 2010BA) and payer (2010BB).
    sbr = _first(subscriber_loop.segments, "SBR")
    if sbr is None:
        raise _Problem("subscriber information (SBR) is missing", subscriber_loop.segments[0])
    subscriber_name = _named(_children(subscriber_loop), "IL")
    payer_name = _named(_children(subscriber_loop), "PR")
    if subscriber_name is None:
        raise _Problem("subscriber name (2010BA NM1*IL) is missing", sbr)
    if payer_name is None:
        raise _Problem("payer name (2010BB NM1*PR) is missing", sbr)
    subscriber_nm1 = subscriber_name.segments[0]
    if not subscriber_nm1.get(9):
        raise _Problem("subscriber member id (NM109) is missing", subscriber_nm1, 9)
    values["subscriber"] = Subscriber(
        **_person_fields(subscriber_name),
        member_id=subscriber_nm1.get(9),
        group_number=sbr.get(3) or None,
        group_name=sbr.get(4) or None,
    )
    payer_nm1 = payer_name.segments[0]
    if not payer_nm1.get(9):
        raise _Problem("payer id (NM109) is missing", payer_nm1, 9)
    values["payer"] = Payer(
        payer_id=payer_nm1.get(9),
        name=payer_nm1.get(3),
        claim_filing_indicator=_filing_indicator(sbr),
        address=_address(payer_name),
    )

    # Patient (2000C PAT + 2010CA) when not the subscriber.
    if patient_loop is not None:
        pat = _first(patient_loop.segments, "PAT")
        patient_name = _named(_children(patient_loop), "QC")
        if pat is None or patient_name is None:
            raise _Problem(
                "patient level needs PAT and NM1*QC (2000C/2010CA)", patient_loop.segments[0]
            )
        values["relationship"] = _relationship(pat, 1)
        values["patient"] = Person(**_person_fields(patient_name))
    else:
        values["relationship"] = Relationship.SELF

    # Claim (2300).
    values["patient_control_number"] = clm.get(1)
    values["total_charge"] = _money(clm, 2, "total claim charge")
    clm05 = _parts(clm, 5, comp)
    if len(clm05) < 3 or not clm05[0] or not clm05[2]:
        raise _Problem("CLM05 must hold facility/place code, form code and frequency", clm, 5)
    try:
        values["frequency"] = Frequency(clm05[2])
    except ValueError:
        raise _Problem(
            f"claim frequency (CLM05-3) {clm05[2]!r} is not supported (1, 7 or 8)", clm, 5
        ) from None
    if kind is ClaimKind.PROFESSIONAL:
        values["place_of_service"] = clm05[0]
        values["signature_on_file"] = _yes_no(clm, 6, "provider signature indicator")
    else:
        values["type_of_bill"] = "0" + clm05[0]
    assignment = _required(clm, 7, "assignment or plan participation code")
    if assignment not in ("A", "B", "C"):
        raise _Problem(f"CLM07 {assignment[:5]!r} is not A, B or C", clm, 7)
    values["accept_assignment"] = assignment in ("A", "B")
    for dtp in (s for s in claim_loop.segments if s.id == "DTP"):
        qualifier = dtp.get(1)
        if qualifier == "431":
            values["onset_date"] = _period(dtp)[0]
        elif qualifier == "435":
            values["admission_date"] = _period(dtp)[0]
            if dtp.get(2) == "DT":  # CCYYMMDDHHMM: the admission hour too (UB-04 FL 13)
                values["admission_hour"] = _hhmm(dtp, dtp.get(3)[8:])
        elif qualifier == "434":
            values["statement_from"], values["statement_to"] = _period(dtp)
        elif qualifier == "096":  # discharge hour, HHMM (UB-04 FL 16)
            values["discharge_hour"] = _hhmm(dtp, dtp.get(3))
    cl1 = _first(claim_loop.segments, "CL1")
    if cl1 is not None:
        values["admission_type"] = cl1.get(1) or None
        values["admission_source"] = cl1.get(2) or None
        values["discharge_status"] = cl1.get(3) or None
    for qualifier, key in (("F8", "original_payer_claim_number"), ("G1", "prior_authorization"),
                           ("9F", "referral_number")):  # fmt: skip
        ref = _first(claim_loop.segments, "REF", qualifier)
        if ref is not None:
            values[key] = ref.get(2)
    values.update(_health_care_codes(claim_loop, comp))

    # Claim-level providers (2310x).
    providers = [c for c in _children(claim_loop) if c.LOOP_ID.startswith("2310")]
    for codes, key in ((("DN", "P3"), "referring_provider"), (("82",), "rendering_provider"),
                       (("77",), "service_facility"), (("71",), "attending_provider"),
                       (("72",), "operating_provider"),
                       (("ZZ",), "other_operating_provider")):  # fmt: skip
        loop = _named(providers, *codes)
        if loop is not None:
            values[key] = _provider(loop)

    # Other payers (2320/2330x) and lines (2400) with their prior adjudication (2430).
    other_loops = _children(claim_loop, "2320")
    others_parsed = [_other_payer(loop, comp) for loop in other_loops]
    lines: list[ServiceLine] = []
    by_payer: dict[str, list[PriorLineAdjudication]] = {}
    for line_loop in _children(claim_loop, "2400"):
        line, adjudications = _line(line_loop, kind, comp)
        lines.append(line)
        for payer_id, adjudication in adjudications:
            by_payer.setdefault(payer_id, []).append(adjudication)
    if not lines:
        raise _Problem("a claim needs at least one service line (2400)", clm)
    values["lines"] = tuple(lines)
    merged = []
    for other in others_parsed:
        line_adjudications = tuple(by_payer.pop(other.payer.payer_id, []))
        adjudicated = other.adjudication_date
        dates = {a.adjudication_date for a in line_adjudications}
        if adjudicated is None and len(dates) == 1:
            # 2330B DTP*573 is only sent without line dates: take the lines' common date.
            adjudicated = dates.pop()
        merged.append(
            other.model_copy(
                update={"line_adjudications": line_adjudications, "adjudication_date": adjudicated}
            )
        )
    if by_payer:
        payer_id = next(iter(by_payer))
        raise _Problem(f"line adjudication by payer {payer_id!r} has no 2330B other payer", clm)
    values["other_payers"] = tuple(merged)
    try:
        return Claim(**values)
    except ValidationError as exc:
        raise _Problem(f"claim does not fit the intake model: {_first_error(exc)}", clm) from None


def translate_transaction(
    transaction: ParsedTransaction, declared_component: str
) -> Iterator[tuple[str, Claim | Issue]]:
    """Each claim of one parsed 837P/837I set, in file order: (CLM01, the claim) or
    (CLM01, the positioned issue that stopped its translation). One claim's problem does
    not stop the next."""
    if transaction.kind not in ("837P", "837I") or transaction.model is None:
        return
    kind = ClaimKind.PROFESSIONAL if transaction.kind == "837P" else ClaimKind.INSTITUTIONAL
    for context in transaction.model.claims():  # type: ignore[attr-defined]
        yield _translate(context, kind, declared_component)


def translate_streamed_claim(
    claim_loop: Loop, ancestors: Sequence[Loop], transaction_kind: str, declared_component: str
) -> tuple[str, Claim | Issue]:
    """One claim (loop 2300) of a set read as a stream, as it closes, with its open
    ancestors (header, 2000A, 2000B and 2000C when the patient is not the subscriber):
    (CLM01, the claim) or (CLM01, the positioned issue), as `translate_transaction`."""
    from shared.x12.claim837 import ClaimInContext

    levels = {loop.LOOP_ID: loop for loop in ancestors}
    kind = ClaimKind.PROFESSIONAL if transaction_kind == "837P" else ClaimKind.INSTITUTIONAL
    context = ClaimInContext(
        levels.get("2000A"),  # type: ignore[arg-type]
        levels.get("2000B"),  # type: ignore[arg-type]
        levels.get("2000C"),  # type: ignore[arg-type]
        claim_loop,  # type: ignore[arg-type]
    )
    return _translate(context, kind, declared_component)


def _translate(context: Any, kind: ClaimKind, declared_component: str) -> tuple[str, Claim | Issue]:
    clm = context.claim.segments[0]
    try:
        return clm.get(1), _claim(context, kind, declared_component)
    except _Problem as problem:
        return clm.get(1), problem.issue
    except ValidationError as exc:
        # A value the model refuses below the claim (a line number of 0, say).
        message = f"claim does not fit the intake model: {_first_error(exc)}"
        return clm.get(1), Issue("claim_translation", message, clm.position, clm.id)


def translate_837_report(source: str | bytes | Path) -> Translation:
    """Every claim of an 837P/837I file, and a positioned issue for each that failed."""
    from shared.x12.reader import parse

    try:
        result = parse(source)
    except X12Error as exc:
        return Translation([], [exc.issue])
    translation = Translation()
    declared = result.document.delimiters.component
    found = False
    for transaction in result.transactions:
        if transaction.kind not in ("837P", "837I") or transaction.model is None:
            continue
        found = True
        for _pcn, translated in translate_transaction(transaction, declared):
            if isinstance(translated, Claim):
                translation.claims.append(translated)
            else:
                translation.issues.append(translated)
    if not found:
        translation.issues.append(
            Issue("not_837", "the file holds no 837P/837I transaction set", None, "ST", 1)
        )
    # Envelope errors (counts, control numbers) make the batch untrustworthy as a whole.
    translation.issues[:0] = [i for i in result.issues if i.is_error and i.code in _ENVELOPE_FAULTS]
    return translation


def translate_837(source: str | bytes | Path) -> list[Claim]:
    """The claims of an 837P/837I file; raises with every problem (file, segment, element)."""
    translation = translate_837_report(source)
    if translation.issues:
        raise Claim837TranslationError(translation.issues)
    return translation.claims
