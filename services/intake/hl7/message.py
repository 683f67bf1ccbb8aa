"""An HL7 v2 message read into what intake needs, or every problem named by segment and field.

Parsed with the `hl7` package (0.4.5): a small, tolerant parser of any 2.x version that
unescapes values and leaves the structure to the caller. `hl7apy` validates against
message profiles, which refuses the Z-segments and version drift real interface engines
send; the rules intake needs (which segments, which fields) are few and are checked here,
each failure becoming an `Hl7Problem` with the segment, its sequence, the field and an
HL7 error code (table 0357), so the ACK's ERR tells the sender exactly what to fix.

Supported: ADT^A01/A03/A04/A08 (PID, PV1 required; IN1, DG1, PR1 optional) and DFT^P03
(PID, PV1 and at least one FT1 required). docs/hl7.md lists every field read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.events.claim_snapshot import (
    Address,
    Payer,
    Person,
    Provider,
    Relationship,
    Sex,
    Subscriber,
)
from shared.events.visits import VisitCoverage, VisitDetails, VisitDiagnosis, VisitProcedure
from shared.money import MoneyError, to_money

SUPPORTED = {"ADT": {"A01", "A03", "A04", "A08"}, "DFT": {"P03"}}
REQUIRED_SEGMENTS = {"ADT": ("PID", "PV1"), "DFT": ("PID", "PV1", "FT1")}

# Table 0357 (message error condition codes) used in ERR-3.
SEGMENT_SEQUENCE_ERROR = "100"
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT_CODE = "201"
UNSUPPORTED_PROCESSING_ID = "202"
UNSUPPORTED_VERSION_ID = "203"
UNKNOWN_KEY = "204"
DUPLICATE_KEY = "205"
INTERNAL_ERROR = "207"
ERROR_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing id",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "207": "Application internal error",
}

RELATIONSHIPS = {
    # IN1-17 (HL7 table 0063), or the X12 code itself.
    "SEL": Relationship.SELF,
    "SPO": Relationship.SPOUSE,
    "CHD": Relationship.CHILD,
    "DOM": Relationship.LIFE_PARTNER,
    "EME": Relationship.EMPLOYEE,
    **{r.value: r for r in Relationship},
}
SEXES = {"M": Sex.MALE, "F": Sex.FEMALE}
ADMISSION_TYPES = {"E": "1", "U": "2", "R": "3", "C": "3", "N": "4", "L": "4", "T": "5"}
"""PV1-4 (HL7 table 0007) -> UB-04 priority (type) of admission; a UB-04 digit passes as is."""
REVENUE_SYSTEMS = frozenset({"NUBC", "UB04", "UB92", "RC", "REV"})


@dataclass(frozen=True)
class Hl7Problem:
    """One ERR: where (segment, its sequence among its kind, field, component) and why."""

    segment: str
    sequence: int
    field: int | None
    code: str
    reason: str
    component: int | None = None
    reject: bool = False  # AR (the message cannot be taken at all) rather than AE


class Hl7Refused(Exception):
    """A message intake does not apply; the problems go into the ACK's ERR segments."""

    def __init__(self, problems: list[Hl7Problem]) -> None:
        super().__init__("; ".join(f"{p.segment}-{p.field}: {p.reason}" for p in problems))
        self.problems = problems

    @property
    def reject(self) -> bool:
        return any(p.reject for p in self.problems)


@dataclass(frozen=True)
class Header:
    """MSH: who sent it, what it is, its control id."""

    sending_application: str
    sending_facility: str
    message_type: str
    trigger: str
    control_id: str
    processing_id: str
    version: str

    @property
    def sender(self) -> str:
        return f"{self.sending_application}^{self.sending_facility}"


@dataclass(frozen=True)
class ChargeIn:
    """An FT1, checked: a charge (CG) or the reversal (CR) of one."""

    sequence: int  # which FT1 of the message (1-based), for ERR
    transaction_id: str
    reversal: bool
    service_date: date
    transaction_code: str
    procedure_code: str | None
    modifiers: tuple[str, ...]
    revenue_code: str | None
    units: Decimal
    amount: Decimal | None  # None: a reversal without an amount cancels whatever was posted
    diagnosis_codes: tuple[str, ...]
    performed_by: Provider | None


@dataclass(frozen=True)
class DischargeIn:
    discharged_on: date | None
    discharge_status: str | None


@dataclass(frozen=True)
class Hl7Message:
    header: Header
    details: VisitDetails
    charges: tuple[ChargeIn, ...] = ()
    discharge: DischargeIn | None = None


@dataclass
class _Reader:
    """Field access on a parsed message, recording each problem found."""

    message: Any
    problems: list[Hl7Problem] = field(default_factory=list)

    def segments(self, name: str) -> list[Any]:
        return [s for s in self.message if str(s[0]) == name]

    def text(self, seg: Any, n: int, component: int = 1, repetition: int = 1) -> str:
        try:
            value = seg.extract_field(1, n, repetition, component, 1)
        except (IndexError, KeyError, ValueError):
            return ""
        return str(value).strip() if value is not None else ""

    def repetitions(self, seg: Any, n: int) -> int:
        if n >= len(seg):
            return 0
        raw = str(seg[n])
        return 0 if not raw else raw.count(self.message.separators[2]) + 1

    def problem(
        self, seg: str, seq: int, n: int | None, code: str, reason: str, **extra: Any
    ) -> None:
        self.problems.append(Hl7Problem(seg, seq, n, code, reason, **extra))

    def required(self, seg: Any, seq: int, n: int, what: str, component: int = 1) -> str:
        value = self.text(seg, n, component)
        if not value:
            self.problem(str(seg[0]), seq, n, REQUIRED_FIELD_MISSING, f"{what} is required")
        return value

    def date(self, seg: Any, seq: int, n: int, what: str, component: int = 1) -> date | None:
        value = self.text(seg, n, component)
        if not value:
            return None
        try:
            return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            self.problem(str(seg[0]), seq, n, DATA_TYPE_ERROR, f"{what} is not a date (YYYYMMDD)")
            return None

    def decimal(self, seg: Any, seq: int, n: int, what: str) -> Decimal | None:
        value = self.text(seg, n)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.problem(str(seg[0]), seq, n, DATA_TYPE_ERROR, f"{what} is not a number")
            return None
        return number

    def provider(self, seg: Any, n: int, repetition: int = 1) -> Provider | None:
        """An XCN (id^family^given^...^assigning authority (9)^...^id type (13)) with its NPI."""
        identifier = self.text(seg, n, 1, repetition)
        family = self.text(seg, n, 2, repetition)
        if not identifier and not family:
            return None
        authority = self.text(seg, n, 9, repetition).upper()
        id_type = self.text(seg, n, 13, repetition).upper()
        is_npi = "NPI" in (authority, id_type) or (
            not authority and not id_type and len(identifier) == 10 and identifier.isdigit()
        )
        return Provider(
            npi=identifier if is_npi and identifier else None,
            last_name=family or None,
            first_name=self.text(seg, n, 3, repetition) or None,
        )

    def address(self, seg: Any, n: int) -> Address | None:
        line1, city = self.text(seg, n, 1), self.text(seg, n, 3)
        state, postal = self.text(seg, n, 4), self.text(seg, n, 5)
        if not (line1 and city and state and postal):
            return None
        return Address(
            line1=line1,
            line2=self.text(seg, n, 2) or None,
            city=city,
            state=state,
            postal_code=postal.replace("-", ""),
            country=self.text(seg, n, 6) or None,
        )


def parse_message(text: str) -> Hl7Message:
    """The message's header, visit, charges and discharge; Hl7Refused names each problem."""
    import hl7  # type: ignore[import-untyped]
    from hl7.exceptions import ParseException  # type: ignore[import-untyped]

    normalised = text.replace("\r\n", "\r").replace("\n", "\r").strip("\r")
    try:
        message = hl7.parse(normalised)
    except (ParseException, IndexError, ValueError) as exc:
        raise Hl7Refused(
            [
                Hl7Problem(
                    "MSH",
                    1,
                    None,
                    SEGMENT_SEQUENCE_ERROR,
                    f"not an HL7 v2 message: {exc}",
                    reject=True,
                )
            ]
        ) from None
    reader = _Reader(message)
    header = _header(reader)
    kind = header.message_type
    for name in REQUIRED_SEGMENTS.get(kind, ()):
        if not reader.segments(name):
            reader.problem(name, 1, None, SEGMENT_SEQUENCE_ERROR, f"{kind} needs a {name} segment")
    if reader.problems:
        raise Hl7Refused(reader.problems)
    details = _details(reader)
    charges = tuple(_charge(reader, seg, i) for i, seg in enumerate(reader.segments("FT1"), 1))
    discharge = None
    if header.trigger == "A03":
        pv1 = reader.segments("PV1")[0]
        discharge = DischargeIn(
            discharged_on=reader.date(pv1, 1, 45, "PV1-45 discharge date"),
            discharge_status=reader.text(pv1, 36) or None,
        )
    if reader.problems or details is None:
        raise Hl7Refused(reader.problems)
    return Hl7Message(
        header=header,
        details=details,
        charges=tuple(c for c in charges if c is not None),
        discharge=discharge,
    )


def _header(reader: _Reader) -> Header:
    msh = reader.segments("MSH")[0]
    message_type = reader.text(msh, 9, 1)
    trigger = reader.text(msh, 9, 2)
    control_id = reader.text(msh, 10)
    version = reader.text(msh, 12)
    processing = reader.text(msh, 11)
    if not control_id:
        reader.problem(
            "MSH",
            1,
            10,
            REQUIRED_FIELD_MISSING,
            "MSH-10 message control id is required",
            reject=True,
        )
    if message_type not in SUPPORTED:
        reader.problem(
            "MSH",
            1,
            9,
            UNSUPPORTED_MESSAGE_TYPE,
            "only ADT and DFT messages are taken here",
            reject=True,
        )
    elif trigger not in SUPPORTED[message_type]:
        events = "/".join(sorted(SUPPORTED[message_type]))
        reader.problem(
            "MSH",
            1,
            9,
            UNSUPPORTED_EVENT_CODE,
            f"{message_type} events taken here: {events}",
            component=2,
            reject=True,
        )
    if not version.startswith("2."):
        reader.problem(
            "MSH", 1, 12, UNSUPPORTED_VERSION_ID, "HL7 version 2.x is required", reject=True
        )
    if processing[:1] not in ("P", "T", "D"):
        reader.problem(
            "MSH", 1, 11, UNSUPPORTED_PROCESSING_ID, "processing id must be P, T or D", reject=True
        )
    if reader.problems:
        raise Hl7Refused(reader.problems)
    return Header(
        sending_application=reader.text(msh, 3),
        sending_facility=reader.text(msh, 4),
        message_type=message_type,
        trigger=trigger,
        control_id=control_id,
        processing_id=processing,
        version=version,
    )


def _person(
    reader: _Reader, seg: Any, seq: int, name: int, birth: int, sex: int, address: int
) -> dict[str, Any]:
    return {
        "last_name": reader.required(seg, seq, name, f"{seg[0]}-{name} family name"),
        "first_name": reader.text(seg, name, 2) or None,
        "middle_name": reader.text(seg, name, 3) or None,
        "suffix": reader.text(seg, name, 4) or None,
        "birth_date": reader.date(seg, seq, birth, f"{seg[0]}-{birth} birth date"),
        "sex": SEXES.get(reader.text(seg, sex).upper(), Sex.UNKNOWN)
        if reader.text(seg, sex)
        else None,
        "address": reader.address(seg, address),
    }


def _details(reader: _Reader) -> VisitDetails | None:
    pid = reader.segments("PID")[0]
    pv1 = reader.segments("PV1")[0]
    person = _person(reader, pid, 1, 5, 7, 8, 11)
    visit_number = reader.required(pv1, 1, 19, "PV1-19 visit number")
    patient_class = reader.required(pv1, 1, 2, "PV1-2 patient class").upper()
    admission_type = reader.text(pv1, 4).upper()
    coverages = []
    for seq, in1 in enumerate(reader.segments("IN1"), 1):
        coverage = _coverage(reader, in1, seq, person)
        if coverage is not None:
            coverages.append(coverage)
    diagnoses = []
    for seq, dg1 in enumerate(reader.segments("DG1"), 1):
        code = reader.required(dg1, seq, 3, "DG1-3 diagnosis code").replace(".", "").upper()
        priority = reader.text(dg1, 15)
        if priority and not priority.isdigit():
            reader.problem("DG1", seq, 15, DATA_TYPE_ERROR, "DG1-15 priority is not a number")
            priority = ""
        diagnoses.append(
            VisitDiagnosis(
                code=code or "-",
                priority=int(priority) if priority else None,
                kind=reader.text(dg1, 6).upper() or None,
            )
        )
    procedures = [
        VisitProcedure(
            code=reader.required(pr1, seq, 3, "PR1-3 procedure code") or "-",
            system=reader.text(pr1, 3, 3) or None,
            performed_on=reader.date(pr1, seq, 5, "PR1-5 procedure date"),
        )
        for seq, pr1 in enumerate(reader.segments("PR1"), 1)
    ]
    if reader.problems or not person["last_name"] or not visit_number or not patient_class:
        return None
    return VisitDetails(
        patient_control_number=visit_number,
        patient_class=patient_class,
        patient=Person(**person),
        coverages=tuple(sorted(coverages, key=lambda c: c.sequence)),
        diagnoses=tuple(diagnoses),
        procedures=tuple(procedures),
        attending=reader.provider(pv1, 7),
        admitted_on=reader.date(pv1, 1, 44, "PV1-44 admit date"),
        admission_type=ADMISSION_TYPES.get(admission_type, admission_type) or None,
        admission_source=reader.text(pv1, 14) or None,
    )


def _coverage(reader: _Reader, in1: Any, seq: int, patient: dict[str, Any]) -> VisitCoverage | None:
    payer_id = reader.required(in1, seq, 3, "IN1-3 insurance company id (the payer id)")
    payer_name = reader.required(in1, seq, 4, "IN1-4 insurance company name")
    member_id = reader.text(in1, 36) or reader.text(in1, 49)
    if not member_id:
        reader.problem(
            "IN1", seq, 36, REQUIRED_FIELD_MISSING, "IN1-36 policy number (member id) is required"
        )
    code = reader.text(in1, 17).upper() or "SEL"
    relationship = RELATIONSHIPS.get(code)
    if relationship is None:
        reader.problem(
            "IN1", seq, 17, TABLE_VALUE_NOT_FOUND, "IN1-17 is not a relationship code (table 0063)"
        )
        return None
    set_id = reader.text(in1, 1)
    if relationship is Relationship.SELF or not reader.text(in1, 16):
        insured = dict(patient)
    else:
        insured = _person(reader, in1, seq, 16, 18, 43, 19)
    if not (payer_id and payer_name and member_id and insured["last_name"]):
        return None
    return VisitCoverage(
        sequence=int(set_id) if set_id.isdigit() and int(set_id) > 0 else seq,
        payer=Payer(payer_id=payer_id, name=payer_name),
        subscriber=Subscriber(
            **insured,
            member_id=member_id,
            group_number=reader.text(in1, 8) or None,
            group_name=reader.text(in1, 9) or None,
        ),
        relationship=relationship,
    )


def _charge(reader: _Reader, ft1: Any, seq: int) -> ChargeIn | None:
    kind = reader.required(ft1, seq, 6, "FT1-6 transaction type").upper()
    if kind and kind not in ("CG", "CR"):
        reader.problem(
            "FT1",
            seq,
            6,
            TABLE_VALUE_NOT_FOUND,
            "FT1-6 must be CG (charge) or CR (reversal of a charge)",
        )
    reversal = kind == "CR"
    transaction_id = reader.text(ft1, 2)
    if reversal and not transaction_id:
        reader.problem(
            "FT1",
            seq,
            2,
            REQUIRED_FIELD_MISSING,
            "FT1-2 transaction id of the charge to reverse is required",
        )
    service_date = reader.date(ft1, seq, 4, "FT1-4 transaction date")
    if service_date is None and not reader.text(ft1, 4):
        reader.problem("FT1", seq, 4, REQUIRED_FIELD_MISSING, "FT1-4 transaction date is required")
    code = reader.required(ft1, seq, 7, "FT1-7 transaction code")
    units = reader.decimal(ft1, seq, 10, "FT1-10 quantity")
    extended = reader.decimal(ft1, seq, 11, "FT1-11 extended amount")
    unit_amount = reader.decimal(ft1, seq, 12, "FT1-12 unit amount")
    amount = extended
    if amount is None and unit_amount is not None:
        amount = unit_amount * (units if units is not None else Decimal(1))
    if amount is not None:
        try:
            amount = to_money(abs(amount))
        except MoneyError as exc:
            reader.problem("FT1", seq, 11, DATA_TYPE_ERROR, f"FT1-11 amount: {exc}")
            amount = None
    elif not reversal:
        reader.problem(
            "FT1",
            seq,
            11,
            REQUIRED_FIELD_MISSING,
            "FT1-11 extended amount (or FT1-12 unit amount) is required",
        )
    modifiers = tuple(
        m
        for r in range(1, reader.repetitions(ft1, 26) + 1)
        if (m := reader.text(ft1, 26, 1, r).upper())
    )
    if len(modifiers) > 4:
        reader.problem("FT1", seq, 26, DATA_TYPE_ERROR, "FT1-26 carries at most 4 modifiers")
    diagnoses = tuple(
        d.replace(".", "").upper()
        for r in range(1, reader.repetitions(ft1, 19) + 1)
        if (d := reader.text(ft1, 19, 1, r))
    )
    system = reader.text(ft1, 7, 3).upper()
    if reader.problems or service_date is None or not code:
        return None
    return ChargeIn(
        sequence=seq,
        transaction_id=transaction_id or "",
        reversal=reversal,
        service_date=service_date,
        transaction_code=code,
        procedure_code=reader.text(ft1, 25).upper() or None,
        modifiers=modifiers,
        revenue_code=code if system in REVENUE_SYSTEMS else None,
        units=abs(units) if units is not None else Decimal(1),
        amount=amount,
        diagnosis_codes=diagnoses,
        performed_by=reader.provider(ft1, 20),
    )
