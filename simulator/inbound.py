"""What the payer reads from our files: claims of an 837, inquiries of a 270 and a 276.

The typed X12 readers (`shared.x12`) place every segment in its loop; this module takes
from those loops only what a clearinghouse and a payer act on, into small frozen records:
`SubmittedClaim` (with its lines and prior payers' adjudication from 2320/2430),
`EligibilityInquiry` (the 270 writer's own record, so the 271 writer can answer it) and
`ClaimStatusInquiry` (likewise for 276/277). Nothing here decides anything.

A claim the payer cannot process as sent (lines that do not add up to the claim, no
service date) is still read, with `problems` naming what is wrong: the simulator rejects
it in the 277CA, as a payer's front-end edits would.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shared.claim_model import Address, Payer, Person, Provider, Relationship, Subscriber
from shared.x12.envelope import TransactionSet
from shared.x12.envelope_writer import Party
from shared.x12.loops import Loop
from shared.x12.reader import ParsedTransaction
from shared.x12.x12_270_005010X279A1.writer import EligibilityInquiry
from shared.x12.x12_276_005010X212.writer import ClaimStatusInquiry

__all__ = [
    "Envelope",
    "Adjustment",
    "PriorLine",
    "PriorPayer",
    "SubmittedLine",
    "SubmittedClaim",
    "ClaimProblem",
    "envelope_of",
    "claims_of_837",
    "clean_value",
    "inquiries_of_270",
    "inquiries_of_276",
]

ZERO = Decimal("0.00")
# Our answers use * : ^ ~ as delimiters and plain ASCII. A file written with other
# delimiters may hold these characters inside values, and any file may hold accented or
# other non-ASCII letters; echoed as they are, they would break our answers. Names are
# folded to ASCII (Muñoz: Munoz) and what remains is replaced by a space; identifiers get
# '-' instead, and a claim whose identifiers needed it is refused with the reason.
_UNSAFE = re.compile(r"[^ -~]|[*:^~]")


def clean_value(value: str, replacement: str = " ") -> str:
    """`value` as our answers can carry it (see above)."""
    if _UNSAFE.search(value) is None:
        return value
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
    )
    return _UNSAFE.sub(replacement, folded).strip()


_clean = clean_value


def _reserved(value: str | None) -> bool:
    return value is not None and _clean(value, "-") != value


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where one transaction set came from, and who its answers go back to."""

    file_name: str
    interchange_control_number: str  # ISA13
    group_control_number: str  # GS06
    set_control_number: str  # ST02
    sender_id: str  # ISA06 (trimmed)
    sender_qualifier: str  # ISA05
    receiver_id: str  # ISA08 (trimmed): the clearinghouse we play
    receiver_qualifier: str  # ISA07
    sender_code: str  # GS02
    receiver_code: str  # GS03
    usage: str  # ISA15: P or T
    reference: str  # BHT03
    submitter_name: str  # 1000A (837) / 2100B (276) name
    submitter_id: str

    @property
    def answer_sender(self) -> Party:
        """We answer as the party the file was sent to."""
        return Party(
            (self.receiver_id or "CLEARINGHOUSE")[:15],
            self.receiver_qualifier if len(self.receiver_qualifier) == 2 else "ZZ",
            self.receiver_code if 2 <= len(self.receiver_code) <= 15 else None,
        )

    @property
    def answer_receiver(self) -> Party:
        """...to the party that sent it."""
        return Party(
            (self.sender_id or "SUBMITTER")[:15],
            self.sender_qualifier if len(self.sender_qualifier) == 2 else "ZZ",
            self.sender_code if 2 <= len(self.sender_code) <= 15 else None,
        )


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triple: group code, CARC, amount."""

    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PriorLine:
    """Loop 2430: what a prior payer paid and adjusted on one line."""

    payer_id: str
    paid: Decimal
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True, slots=True)
class PriorPayer:
    """Loops 2320/2330B: another payer on the claim (SBR01 P, S, T...) and what it paid."""

    payer_id: str
    name: str
    responsibility: str  # its SBR01
    paid: Decimal | None  # AMT*D
    adjustments: tuple[Adjustment, ...]  # claim-level CAS

    @property
    def adjudicated(self) -> bool:
        return self.paid is not None or bool(self.adjustments)


@dataclass(frozen=True, slots=True)
class SubmittedLine:
    line_number: int
    charge: Decimal
    units: Decimal
    procedure_code: str | None
    modifiers: tuple[str, ...]
    revenue_code: str | None
    service_date: date | None
    service_date_end: date | None
    control_number: str | None  # REF*6R, echoed in the 835
    prior: tuple[PriorLine, ...] = ()

    @property
    def fee_keys(self) -> tuple[str, ...]:
        """Fee schedule keys, most specific first: 99213:25, 99213, then the revenue code."""
        keys: list[str] = []
        if self.procedure_code:
            for count in range(len(self.modifiers), 0, -1):
                keys.append(":".join((self.procedure_code, *self.modifiers[:count])))
            keys.append(self.procedure_code)
        if self.revenue_code:
            keys.append(self.revenue_code)
        return tuple(keys)


@dataclass(frozen=True, slots=True)
class ClaimProblem:
    """Why a payer's front end cannot take the claim: 277CA status code, entity, message."""

    status: str  # STC01-2, e.g. 400 claim is out of balance
    entity: str | None
    message: str


@dataclass(frozen=True, slots=True)
class SubmittedClaim:
    """One claim as the payer reads it from loop 2300 and the levels above it."""

    envelope: Envelope
    institutional: bool
    patient_control_number: str
    charge: Decimal
    frequency: str  # CLM05-3: 1 original, 7 replacement, 8 void
    facility_code: str  # CLM05-1: place of service, or facility type of the bill type
    original_payer_claim_number: str | None  # REF*F8
    prior_authorization: str | None  # REF*G1
    payer_id: str
    payer_name: str
    responsibility: str  # SBR01 of this payer: P primary, S secondary, T tertiary
    claim_filing_indicator: str  # SBR09
    member_id: str
    subscriber: Person
    patient: Person  # the subscriber when there is no patient level
    relationship: str  # PAT01 (18 self)
    billing_provider: Provider
    statement_from: date | None
    statement_to: date | None
    lines: tuple[SubmittedLine, ...]
    other_payers: tuple[PriorPayer, ...]
    position: int  # CLM segment position in the file
    subscriber_segment: int  # position of the subscriber's NM1*IL counted from ST = 1
    reserved_characters: bool = False  # an identifier held * : ^ or ~ (replaced by -)
    problems: tuple[ClaimProblem, ...] = field(default=())

    @property
    def service_from(self) -> date | None:
        dates = [line.service_date for line in self.lines if line.service_date]
        if self.statement_from:
            dates.append(self.statement_from)
        return min(dates) if dates else None

    @property
    def service_to(self) -> date | None:
        dates = [line.service_date_end or line.service_date for line in self.lines]
        known = [d for d in dates if d is not None]
        if self.statement_to:
            known.append(self.statement_to)
        return max(known) if known else None

    @property
    def bill_type(self) -> str | None:
        """Facility type and frequency (REF*BLT in a 277CA), for institutional claims."""
        return f"{self.facility_code}{self.frequency}" if self.institutional else None

    @property
    def prior_payer(self) -> PriorPayer | None:
        """The payer that adjudicated before this one (COB), when the claim says so."""
        for other in self.other_payers:
            if other.adjudicated and other.responsibility < self.responsibility:
                return other
        for other in self.other_payers:
            if other.adjudicated:
                return other
        return None

    @property
    def next_payer(self) -> PriorPayer | None:
        """A payer after this one (a crossover candidate), when the claim names one."""
        order = "PSTABCDEFGH"
        mine = order.find(self.responsibility)
        for other in self.other_payers:
            if order.find(other.responsibility) > mine >= 0 and not other.adjudicated:
                return other
        return None


# -- reading helpers -------------------------------------------------------------------------


def _first(loops: Iterable[Loop]) -> Any:
    return next(iter(loops), None)


def _ref(loop: Any, qualifier: str) -> str | None:
    for ref in getattr(loop, "references", ()) or ():
        if ref.qualifier == qualifier and ref.value:
            return str(ref.value)
    return None


def _address(loop: Any) -> Address | None:
    n3, n4 = getattr(loop, "n3", None), getattr(loop, "n4", None)
    if n3 is None or n4 is None or not (n3.address_1 and n4.city and n4.state and n4.postal_code):
        return None
    return Address(
        line1=_clean(n3.address_1),
        line2=_clean(n3.address_2) or None,
        city=_clean(n4.city),
        state=_clean(n4.state),
        postal_code=_clean(n4.postal_code),
        country=_clean(n4.country) or None,
    )


def _person(loop: Any) -> Person:
    if loop is None:
        return Person(last_name="UNKNOWN")
    nm1 = loop.nm1
    dmg = getattr(loop, "dmg", None)
    return Person(
        last_name=_clean(nm1.last_or_organization_name) or "UNKNOWN",
        first_name=_clean(nm1.first_name) or None,
        middle_name=_clean(nm1.middle_name) or None,
        suffix=_clean(nm1.suffix) or None,
        birth_date=dmg.birth_date if dmg is not None else None,
        address=_address(loop),
    )


def _provider(loop: Any) -> Provider:
    if loop is None:
        return Provider(organization_name="UNKNOWN PROVIDER")
    nm1 = loop.nm1
    person = nm1.entity_type == "1"
    name = _clean(nm1.last_or_organization_name) or None
    return Provider(
        npi=_clean(nm1.identifier, "-") or None,
        organization_name=None if person else name,
        last_name=name if person else None,
        first_name=(_clean(nm1.first_name) or None) if person else None,
        tax_id=_clean(_ref(loop, "EI") or "", "-") or None,
        address=_address(loop),
    )


def _adjustments(segments: Iterable[Any]) -> tuple[Adjustment, ...]:
    out = []
    for cas in segments:
        for item in cas.adjustments:
            if item.amount is not None:
                out.append(Adjustment(str(cas.group), item.reason, item.amount))
    return tuple(out)


def envelope_of(file_name: str, ts: TransactionSet, model: Any) -> Envelope:
    """The envelope of one transaction set, with the submitter named in its header."""
    group = ts.group
    interchange = group.interchange
    isa = interchange.isa
    gs = group.gs
    submitter_name = submitter_id = ""
    submitter = _first(getattr(model, "submitter", ()) or ())
    if submitter is not None:
        submitter_name = _clean(submitter.nm1.last_or_organization_name)
        submitter_id = _clean(submitter.nm1.identifier, "-")
    bht = getattr(model, "bht", None)
    return Envelope(
        file_name=file_name,
        interchange_control_number=_clean(interchange.control_number, "-"),
        group_control_number=_clean(group.control_number, "-"),
        set_control_number=_clean(ts.control_number, "-"),
        sender_id=_clean(interchange.sender_id, "-"),
        sender_qualifier=_clean(isa.get(5), "-") if isa is not None else "ZZ",
        receiver_id=_clean(interchange.receiver_id, "-"),
        receiver_qualifier=_clean(isa.get(7), "-") if isa is not None else "ZZ",
        sender_code=_clean(gs.get(2), "-") if gs is not None else "",
        receiver_code=_clean(gs.get(3), "-") if gs is not None else "",
        usage=isa.get(15) if isa is not None and isa.get(15) in ("P", "T") else "P",
        reference=_clean(
            bht.reference if bht is not None and bht.reference else ts.control_number, "-"
        )
        or "0",
        submitter_name=submitter_name or interchange.sender_id or "SUBMITTER",
        submitter_id=submitter_id or interchange.sender_id or "SUBMITTER",
    )


# -- 837 -------------------------------------------------------------------------------------


def _line(loop: Any, institutional: bool) -> SubmittedLine:
    number = int(loop.lx.get(1)) if loop.lx.get(1).isdigit() else 0
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    if institutional:
        sv = loop.sv2
        if sv is not None:
            revenue_code = _clean(sv.revenue_code, "-") or None
            if sv.procedure is not None and sv.procedure.code:
                procedure_code = _clean(sv.procedure.code, "-")
                modifiers = tuple(_clean(m, "-") for m in sv.procedure.modifiers)
            charge, units = sv.charge, sv.units
        else:
            charge = units = None
    else:
        sv = loop.sv1
        if sv is not None:
            procedure_code = _clean(sv.procedure.code, "-") or None
            modifiers = tuple(_clean(m, "-") for m in sv.procedure.modifiers)
            charge, units = sv.charge, sv.units
        else:
            charge = units = None
    service = next((d for d in loop.dates if d.qualifier == "472"), None)
    prior = tuple(
        PriorLine(
            payer_id=adj.svd.payer_id,
            paid=adj.svd.paid if adj.svd.paid is not None else ZERO,
            adjustments=_adjustments(adj.adjustments),
        )
        for adj in loop.line_adjudications
        if adj.svd is not None
    )
    return SubmittedLine(
        line_number=number,
        charge=charge if charge is not None else ZERO,
        units=units if units is not None else Decimal("1"),
        procedure_code=procedure_code,
        modifiers=modifiers,
        revenue_code=revenue_code,
        service_date=service.start if service is not None else None,
        service_date_end=service.end if service is not None else None,
        control_number=_clean(_ref(loop, "6R") or "", "-") or None,
        prior=prior,
    )


def _prior_payer(loop: Any) -> PriorPayer:
    payer = _first(loop.other_payer)
    paid = next((a.amount for a in loop.amounts if a.qualifier == "D"), None)
    return PriorPayer(
        payer_id=payer.nm1.identifier if payer is not None else "",
        name=payer.nm1.last_or_organization_name if payer is not None else "",
        responsibility=str(loop.sbr.payer_responsibility) if loop.sbr is not None else "",
        paid=paid,
        adjustments=_adjustments(loop.adjustments),
    )


def _problems(claim: SubmittedClaim) -> tuple[ClaimProblem, ...]:
    problems = []
    if sum((line.charge for line in claim.lines), ZERO) != claim.charge:
        problems.append(ClaimProblem("400", None, "line charges do not add up to the claim charge"))
    if claim.service_from is None:
        problems.append(ClaimProblem("187", None, "no date of service"))
    if not claim.member_id:
        problems.append(ClaimProblem("164", "IL", "no subscriber member id"))
    if not claim.lines:
        problems.append(ClaimProblem("21", None, "no service lines"))
    if claim.frequency not in ("1", "7", "8"):
        problems.append(ClaimProblem("21", None, f"claim frequency {claim.frequency!r} not taken"))
    if claim.reserved_characters:
        problems.append(
            ClaimProblem("21", None, "an identifier holds a delimiter or a non-ASCII character")
        )
    if claim.frequency in ("7", "8") and not claim.original_payer_claim_number:
        problems.append(
            ClaimProblem("464", None, "replacement or void without the payer claim number")
        )
    return tuple(problems)


def claims_of_837(file_name: str, parsed: ParsedTransaction) -> list[SubmittedClaim]:
    """Every claim of one 837P/837I transaction set, in file order."""
    model: Any = parsed.model
    if model is None:
        return []
    envelope = envelope_of(file_name, parsed.envelope, model)
    institutional = parsed.kind == "837I"
    st = parsed.envelope.st.position
    return [_claim(envelope, context, institutional, st) for context in model.claims()]


def _claim(envelope: Envelope, context: Any, institutional: bool, st: int) -> SubmittedClaim:
    loop = context.claim
    clm = loop.clm
    subscriber_level = context.subscriber
    billing = (
        _first(context.billing_provider.billing_provider_name) if context.billing_provider else None
    )
    subscriber_name = _first(subscriber_level.subscriber_name) if subscriber_level else None
    payer_name = _first(subscriber_level.payer_name) if subscriber_level else None
    sbr = subscriber_level.sbr if subscriber_level else None
    subscriber = _person(subscriber_name)
    patient_level = context.patient
    patient = subscriber
    relationship = "18"
    if patient_level is not None:
        patient = _person(_first(patient_level.patient_name))
        relationship = patient_level.pat.relationship if patient_level.pat else "21"
    statement = next((d for d in loop.dates if d.qualifier == "434"), None)
    identifiers = (
        clm.patient_control_number,
        subscriber_name.nm1.identifier if subscriber_name is not None else "",
        payer_name.nm1.identifier if payer_name is not None else "",
        loop.reference("F8"),
    )
    claim = SubmittedClaim(
        envelope=envelope,
        institutional=institutional,
        patient_control_number=_clean(clm.patient_control_number, "-"),
        charge=clm.total_charge if clm.total_charge is not None else ZERO,
        frequency=_clean(str(clm.frequency), "-") or "1",
        facility_code=_clean(clm.facility_code, "-"),
        original_payer_claim_number=_clean(loop.reference("F8") or "", "-") or None,
        prior_authorization=loop.reference("G1"),
        payer_id=_clean(payer_name.nm1.identifier, "-") if payer_name is not None else "",
        payer_name=_clean(payer_name.nm1.last_or_organization_name) if payer_name else "",
        responsibility=str(sbr.payer_responsibility) if sbr is not None else "P",
        claim_filing_indicator=str(sbr.claim_filing_indicator) if sbr is not None else "",
        member_id=_clean(subscriber_name.nm1.identifier, "-") if subscriber_name else "",
        subscriber=subscriber,
        patient=patient,
        relationship=relationship,
        billing_provider=_provider(billing),
        statement_from=statement.start if statement is not None else None,
        statement_to=statement.end if statement is not None else None,
        lines=tuple(_line(line, institutional) for line in loop.service_lines),
        other_payers=tuple(_prior_payer(other) for other in loop.other_subscribers),
        position=clm.position,
        subscriber_segment=(
            subscriber_name.nm1.position - st + 1 if subscriber_name is not None else 1
        ),
        reserved_characters=any(_reserved(value) for value in identifiers),
    )
    problems = _problems(claim)
    if not problems:
        return claim
    return SubmittedClaim(**{**_fields(claim), "problems": problems})


def _fields(claim: SubmittedClaim) -> dict[str, Any]:
    return {name: getattr(claim, name) for name in SubmittedClaim.__dataclass_fields__}


# -- 270 and 276 -----------------------------------------------------------------------------


def _payer(loop: Any) -> Payer:
    nm1 = loop.nm1 if loop is not None else None
    return Payer(
        payer_id=_clean(nm1.identifier if nm1 is not None else "", "-") or "UNKNOWN",
        name=_clean(nm1.last_or_organization_name if nm1 is not None else "") or "UNKNOWN PAYER",
    )


def _subscriber(loop: Any) -> Subscriber:
    person = _person(loop)
    member_id = _clean(loop.nm1.identifier, "-") if loop is not None else ""
    return Subscriber(**person.model_dump(), member_id=member_id)


def _relationship(code: str) -> Relationship:
    try:
        return Relationship(code)
    except ValueError:
        return Relationship.OTHER


def inquiries_of_270(parsed: ParsedTransaction) -> Iterator[EligibilityInquiry]:
    """Every member asked about in one 270 transaction set, in file order."""
    model: Any = parsed.model
    if model is None:
        return
    for source in model.sources:
        payer = _payer(_first(source.source_name))
        for receiver in source.receivers:
            provider = _provider(_first(receiver.receiver_name))
            for level in receiver.subscribers:
                subscriber_loop = _first(level.subscriber_name)
                subscriber = _subscriber(subscriber_loop)
                if level.dependents:
                    for dependent in level.dependents:
                        dependent_loop = _first(dependent.dependent_name)
                        ins = getattr(dependent_loop, "ins", None) if dependent_loop else None
                        yield _eligibility(
                            dependent,
                            dependent_loop,
                            payer,
                            provider,
                            subscriber,
                            _person(dependent_loop),
                            _relationship(ins.get(2) if ins is not None else "19"),
                        )
                else:
                    yield _eligibility(
                        level, subscriber_loop, payer, provider, subscriber, None, Relationship.SELF
                    )


def _eligibility(
    level: Any,
    name_loop: Any,
    payer: Payer,
    provider: Provider,
    subscriber: Subscriber,
    patient: Person | None,
    relationship: Relationship,
) -> EligibilityInquiry:
    trace = _first(level.traces)
    service = next((d for d in getattr(name_loop, "dates", ()) if d.qualifier == "291"), None)
    types = [t for inquiry in getattr(name_loop, "inquiries", ()) for t in inquiry.eq.service_types]
    return EligibilityInquiry(
        trace_number=_clean(trace.reference if trace is not None else "", "-") or "0",
        payer=payer,
        provider=provider,
        subscriber=subscriber,
        service_date=service.start if service is not None and service.start else date.min,
        patient=patient,
        relationship=relationship,
        service_types=tuple(types) or ("30",),
        originator_id=_clean(trace.originator if trace is not None else "", "-") or "9000000000",
    )


def inquiries_of_276(parsed: ParsedTransaction) -> Iterator[ClaimStatusInquiry]:
    """Every claim asked about in one 276 transaction set, in file order."""
    model: Any = parsed.model
    if model is None:
        return
    for source in model.sources:
        payer = _payer(_first(source.names))
        for receiver in source.children_levels:
            for provider_level in receiver.children_levels:
                provider = _provider(_first(provider_level.names))
                for subscriber_level in provider_level.children_levels:
                    subscriber = _subscriber(_first(subscriber_level.names))
                    for claim in subscriber_level.claims:
                        yield _status(claim, payer, provider, subscriber, None, Relationship.SELF)
                    for dependent in subscriber_level.children_levels:
                        patient = _person(_first(dependent.names))
                        for claim in dependent.claims:
                            yield _status(
                                claim, payer, provider, subscriber, patient, Relationship.CHILD
                            )


def _status(
    loop: Any,
    payer: Payer,
    provider: Provider,
    subscriber: Subscriber,
    patient: Person | None,
    relationship: Relationship,
) -> ClaimStatusInquiry:
    charge = next((a.amount for a in loop.amounts if a.qualifier == "T3"), None)
    service = next((d for d in loop.dates if d.qualifier == "472"), None)
    return ClaimStatusInquiry(
        trace_number=_clean(loop.trn.reference, "-") or "0",
        payer=payer,
        provider=provider,
        subscriber=subscriber,
        patient_control_number=_clean(loop.reference("EJ") or "", "-"),
        charge=charge if charge is not None else ZERO,
        service_from=service.start if service is not None and service.start else date.min,
        service_to=service.end if service is not None else None,
        payer_claim_number=_clean(loop.reference("1K") or "", "-") or None,
        bill_type=_clean(loop.reference("BLT") or "", "-") or None,
        patient=patient,
        relationship=relationship,
    )
