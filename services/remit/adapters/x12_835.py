"""Read an 835 into what the remit service posts: remittance headers and claim payments.

Files are read streaming (`shared.x12.reader.stream_transactions`): each claim loop (2100)
is converted and dropped as soon as it closes, so memory stays flat however many claims a
file holds. `scan_835` reads a file once to check it whole before anything is posted:

- every amount the posting needs is a number with at most two decimal places (a problem
  names the segment position and element, e.g. `segment 14 (CLP), element CLP04`);
- it balances (TR3 section 1.10.2): per service line SVC02 - SVC03 = its CAS; per claim
  CLP03 - CLP04 = its claim and line CAS, the lines' charges add up to CLP03 and their
  payments less the claim-level CAS to CLP04; per transaction set BPR02 = sum of CLP04 -
  sum of PLB amounts. Each imbalance names the claim, the line, expected and found.

`iter_claim_payments` reads it again and yields each claim payment as the frozen
`ClaimPaymentRecord` the events carry. Envelope irregularities that do not touch the money
(a wrong SE count, a component separator other than ISA16 declares) are warnings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shared.events.remittance import (
    AdjustmentGroup,
    CasEntry,
    ClaimPaymentRecord,
    PayerRef,
    ProviderLevelAdjustment,
    ServiceLineRecord,
)
from shared.money import MoneyError, to_money
from shared.x12.errors import Issue, X12Error
from shared.x12.loops import Loop, to_date
from shared.x12.reader import ParsedTransaction, stream_transactions
from shared.x12.segments import Segment
from shared.x12.x12_835_005010X221A1.models import Loop2100, Loop2110, Transaction835

ZERO = Decimal("0.00")
GROUPS = frozenset(g.value for g in AdjustmentGroup)
# Reading problems that do not touch the money or the claims: reported, not refused.
ENVELOPE_WARNINGS = frozenset(
    {
        "count_mismatch",
        "control_mismatch",
        "component_separator",
        "implementation_version",
        "missing_envelope",
        "no_isa",
    }
)


@dataclass(frozen=True)
class Problem:
    """Something in the file that makes it unreadable for posting: where and what."""

    message: str
    position: int | None = None
    segment_id: str | None = None
    element: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "segment": self.segment_id,
            "element": self.element,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"segment {self.position} ({self.segment_id})" if self.position else "file"
        if self.element:
            where += f", element {self.element}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Imbalance:
    """A total that does not add up: which remittance, claim and line, expected and found."""

    check: str
    """payment (BPR02), claim (CLP03 - CLP04 vs CAS), line (SVC02 - SVC03 vs CAS),
    lines_charge (sum of SVC02 vs CLP03), lines_paid (sum of SVC03 less claim CAS vs CLP04)."""
    set_index: int
    trace_number: str | None
    expected: Decimal
    found: Decimal
    message: str
    claim_index: int | None = None
    patient_control_number: str | None = None
    line: int | None = None
    position: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "remittance": self.set_index,
            "trace_number": self.trace_number,
            "claim": self.claim_index,
            "patient_control_number": self.patient_control_number,
            "line": self.line,
            "segment_position": self.position,
            "expected": format(self.expected, "f"),
            "found": format(self.found, "f"),
            "message": self.message,
        }


@dataclass
class RemittanceHeader:
    """One 835 transaction set: the payment, who pays whom, PLB and totals."""

    set_index: int
    transaction_set_control_number: str
    interchange_control_number: str | None = None
    handling_code: str | None = None
    payment_amount: Decimal | None = None
    credit_debit: str | None = None
    payment_method: str = ""
    payment_date: date | None = None
    trace_number: str = ""
    trace_originator: str | None = None
    payer_name: str = ""
    payer_id: str = ""
    payee_name: str | None = None
    payee_npi: str | None = None
    payee_tax_id: str | None = None
    production_date: date | None = None
    provider_adjustments: list[ProviderLevelAdjustment] = field(default_factory=list)
    claim_count: int = 0
    total_charge: Decimal = ZERO
    total_paid: Decimal = ZERO
    total_patient_responsibility: Decimal = ZERO

    @property
    def provider_adjustment_total(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), ZERO)

    @property
    def payer_key(self) -> str:
        """Who paid, for duplicate detection: the payer's TRN03 id, else its payer id."""
        return self.trace_originator or self.payer_id or self.payer_name


@dataclass
class FileScan:
    """A whole file read once: its remittances, and why it cannot be posted (if it cannot)."""

    name: str
    sha256: str
    size: int
    remittances: list[RemittanceHeader] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    imbalances: list[Imbalance] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def claim_count(self) -> int:
        return sum(r.claim_count for r in self.remittances)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.imbalances and bool(self.remittances)


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- reading one claim loop ------------------------------------------------------------------


class _Reader:
    """Converts loops to records, collecting problems (positions and elements) as it goes."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def amount(self, seg: Segment, index: int, *, required: bool = False) -> Decimal | None:
        text = seg.get(index).strip()
        where = f"{seg.id}{index:02d}"
        if not text:
            if required:
                self.problems.append(
                    Problem(f"{where} is required and empty", seg.position, seg.id, where)
                )
            return None
        try:
            value = Decimal(text)
            if not value.is_finite():
                raise InvalidOperation
            return to_money(value)
        except (InvalidOperation, ValueError):
            self.problems.append(
                Problem(f"{where} {text!r} is not an amount", seg.position, seg.id, where)
            )
        except MoneyError as exc:
            self.problems.append(Problem(f"{where}: {exc}", seg.position, seg.id, where))
        return None

    def quantity(self, seg: Segment, index: int) -> Decimal | None:
        text = seg.get(index).strip()
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            where = f"{seg.id}{index:02d}"
            self.problems.append(
                Problem(f"{where} {text!r} is not a number", seg.position, seg.id, where)
            )
            return None
        return value if value.is_finite() else None

    def adjustments(self, segments: list[Segment]) -> list[CasEntry]:
        out: list[CasEntry] = []
        for seg in segments:
            if seg.id != "CAS":
                continue
            group = seg.get(1).strip().upper()
            if group not in GROUPS:
                self.problems.append(
                    Problem(f"CAS01 {group!r} is not a group code", seg.position, "CAS", "CAS01")
                )
                continue
            for i in range(2, 20, 3):
                reason = seg.get(i).strip()
                if not reason:
                    continue
                amount = self.amount(seg, i + 1, required=True)
                if amount is None:
                    continue
                out.append(
                    CasEntry(
                        group=AdjustmentGroup(group),
                        reason_code=reason,
                        amount=amount,
                        quantity=self.quantity(seg, i + 2),
                    )
                )
        return out

    def line(self, loop: Loop2110) -> ServiceLineRecord:
        svc = loop.segments[0]
        typed = loop.svc
        procedure = typed.procedure
        original = typed.original_procedure
        qualifier = procedure.qualifier or "HC"
        revenue = typed.revenue_code or (procedure.code if qualifier == "NU" else "") or None
        dates = {d.qualifier: d.date for d in loop.dates}
        control = next((r.value for r in loop.references if r.qualifier == "6R"), None)
        allowed = None
        for seg in loop.segments:
            if seg.id == "AMT" and seg.get(1) == "B6":
                allowed = self.amount(seg, 2)
        return ServiceLineRecord(
            procedure_qualifier=qualifier,
            procedure_code=(procedure.code or None) if qualifier != "NU" else None,
            modifiers=tuple(procedure.modifiers),
            revenue_code=revenue,
            original_procedure_code=(original.code or None) if original is not None else None,
            original_modifiers=tuple(original.modifiers) if original is not None else (),
            units_paid=self.quantity(svc, 5),
            original_units=self.quantity(svc, 7),
            service_date=dates.get("472") or dates.get("150"),
            service_date_end=dates.get("151"),
            line_control_number=control.strip() if control else None,
            charge=self.amount(svc, 2) or ZERO,
            paid=self.amount(svc, 3) or ZERO,
            allowed=allowed,
            adjustments=tuple(self.adjustments(loop.segments)),
            remark_codes=tuple(
                r.remark_code.strip() for r in loop.remarks if r.qualifier == "HE" and r.remark_code
            ),
        )

    def claim(self, loop: Loop2100) -> ClaimPaymentRecord | None:
        clp = loop.segments[0]
        count = len(self.problems)
        charge = self.amount(clp, 3, required=True)
        paid = self.amount(clp, 4, required=True)
        responsibility = self.amount(clp, 5)
        pcn = clp.get(1).strip()
        status = clp.get(2).strip()
        if not pcn:
            self.problems.append(
                Problem("CLP01 is required and empty", clp.position, "CLP", "CLP01")
            )
        if not status:
            self.problems.append(
                Problem("CLP02 is required and empty", clp.position, "CLP", "CLP02")
            )
        lines = [self.line(service) for service in loop.services]
        adjustments = self.adjustments(loop.segments)
        if len(self.problems) > count or charge is None or paid is None:
            return None
        patient = loop.patient
        insured = loop.insured
        crossover = next((n for n in loop.names if n.entity_identifier == "TT"), None)
        dates = {d.qualifier: d.date for d in loop.dates}
        return ClaimPaymentRecord(
            patient_control_number=pcn,
            claim_status_code=status,
            charge_amount=charge,
            paid_amount=paid,
            patient_responsibility=responsibility,
            claim_filing_indicator=clp.get(6).strip() or None,
            payer_claim_number=clp.get(7).strip() or None,
            facility_type_code=clp.get(8).strip() or None,
            frequency=clp.get(9).strip() or None,
            last_name=(patient.last_or_organization_name.strip() or None) if patient else None,
            first_name=(patient.first_name.strip() or None) if patient else None,
            member_id=_member_id(patient, insured),
            statement_from=dates.get("232"),
            statement_to=dates.get("233"),
            crossover_to=(
                PayerRef(
                    payer_id=crossover.identifier.strip() or crossover.last_or_organization_name,
                    name=crossover.last_or_organization_name.strip() or None,
                )
                if crossover is not None
                else None
            ),
            adjustments=tuple(adjustments),
            remark_codes=_claim_remarks(loop),
            lines=tuple(lines),
        )


def _member_id(patient: Any, insured: Any) -> str | None:
    for person in (insured, patient):
        if person is not None and person.identifier.strip():
            return str(person.identifier.strip())
    return None


def _claim_remarks(loop: Loop2100) -> tuple[str, ...]:
    """MOA03-MOA07 and MIA05, MIA20-MIA23: the claim-level RARCs."""
    codes: list[str] = []
    for seg in loop.segments:
        if seg.id == "MOA":
            codes += [seg.get(i).strip() for i in range(3, 8)]
        elif seg.id == "MIA":
            codes += [seg.get(i).strip() for i in (5, 20, 21, 22, 23)]
    return tuple(c for c in codes if c)


# --- balancing -------------------------------------------------------------------------------


def _cas_total(entries: tuple[CasEntry, ...] | list[CasEntry]) -> Decimal:
    return sum((a.amount for a in entries), ZERO)


def claim_imbalances(
    record: ClaimPaymentRecord, *, set_index: int, trace: str | None, claim_index: int
) -> list[Imbalance]:
    """Every way one claim payment fails to balance (empty when it balances)."""
    out: list[Imbalance] = []
    pcn = record.patient_control_number

    def add(
        check: str, expected: Decimal, found: Decimal, message: str, line: int | None = None
    ) -> None:
        out.append(
            Imbalance(
                check=check,
                set_index=set_index,
                trace_number=trace,
                expected=expected,
                found=found,
                message=message,
                claim_index=claim_index,
                patient_control_number=pcn,
                line=line,
            )
        )

    line_cas = ZERO
    for number, line in enumerate(record.lines, start=1):
        adjusted = _cas_total(line.adjustments)
        line_cas += adjusted
        if line.charge - line.paid != adjusted:
            add(
                "line",
                line.charge - line.paid,
                adjusted,
                f"claim {claim_index} line {number}: charge {line.charge} - paid {line.paid} = "
                f"{line.charge - line.paid}, but its adjustments total {adjusted}",
                number,
            )
    claim_cas = _cas_total(record.adjustments)
    expected = record.charge_amount - record.paid_amount
    if expected != claim_cas + line_cas:
        add(
            "claim",
            expected,
            claim_cas + line_cas,
            f"claim {claim_index}: charge {record.charge_amount} - paid {record.paid_amount} = "
            f"{expected}, but its adjustments total {claim_cas + line_cas}",
        )
    if record.lines:
        charges = sum((line.charge for line in record.lines), ZERO)
        if charges != record.charge_amount:
            add(
                "lines_charge",
                record.charge_amount,
                charges,
                f"claim {claim_index}: its lines' charges add up to {charges}, the claim's "
                f"charge is {record.charge_amount}",
            )
        paid = sum((line.paid for line in record.lines), ZERO) - claim_cas
        if paid != record.paid_amount:
            add(
                "lines_paid",
                record.paid_amount,
                paid,
                f"claim {claim_index}: its lines' payments less claim-level adjustments add up "
                f"to {paid}, the claim's payment is {record.paid_amount}",
            )
    return out


# --- reading a file --------------------------------------------------------------------------

ClaimSink = Callable[[RemittanceHeader, int, ClaimPaymentRecord], None]
"""sink(header, claim_index, record): called for each claim payment as the file is read."""


@dataclass
class FileRead:
    headers: list[RemittanceHeader]
    problems: list[Problem]
    warnings: list[str]


def read_835(path: Path, sink: ClaimSink) -> FileRead:
    """Stream the file, calling `sink` per claim payment (in file order); the headers.

    The header's BPR, TRN, payer and payee are filled before its first claim reaches the
    sink; its PLB and claim totals only once the transaction set has been read.
    """
    issues: list[Issue] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    headers: list[RemittanceHeader] = []
    reader = _Reader(problems)

    def on_close(parsed: ParsedTransaction) -> Callable[[Loop, list[Loop], str], bool] | None:
        if not isinstance(parsed.model, Transaction835):
            return None
        header = RemittanceHeader(
            set_index=len(headers) + 1,
            transaction_set_control_number=parsed.envelope.control_number,
        )
        headers.append(header)
        root = parsed.model
        count = [0]

        def closed(loop: Loop, ancestors: list[Loop], attr: str) -> bool:
            if not isinstance(loop, Loop2100):
                return False
            count[0] += 1
            if count[0] == 1:
                _fill_header(header, root)  # BPR, TRN and N1 come before the first claim
            record = reader.claim(loop)
            if record is not None:
                sink(header, count[0], record)
            return True  # drop it: memory stays flat

        return closed

    try:
        for parsed, document in stream_transactions(path, issues, on_close=on_close):
            if not isinstance(parsed.model, Transaction835):
                problems.append(
                    Problem(
                        f"transaction set {parsed.envelope.control_number} is a {parsed.kind}, "
                        "not an 835",
                        parsed.envelope.st.position,
                        "ST",
                        "ST01",
                    )
                )
                continue
            header = headers[-1]
            _fill_header(header, parsed.model)
            header.interchange_control_number = _interchange(document, parsed)
            for seg in parsed.model.segments:
                if seg.id == "PLB":
                    _provider_adjustments(reader, seg, parsed.component, header)
    except X12Error as exc:
        problems.append(Problem(f"not a readable X12 file: {exc}"))
    for issue in issues:
        if not issue.is_error:
            continue
        if issue.code in ENVELOPE_WARNINGS or issue.code in ("unexpected_segment",):
            warnings.append(str(issue))
        else:
            problems.append(
                Problem(
                    issue.message,
                    issue.position,
                    issue.segment_id,
                    f"{issue.segment_id}{issue.element:02d}" if issue.element else None,
                )
            )
    return FileRead(headers, problems, warnings)


def _interchange(document: Any, parsed: ParsedTransaction) -> str | None:
    group = getattr(parsed.envelope, "group", None)
    for interchange in document.interchanges:
        if group is not None and any(g is group for g in interchange.groups):
            return str(interchange.control_number)
    return str(document.interchanges[-1].control_number) if document.interchanges else None


def _fill_header(header: RemittanceHeader, root: Transaction835) -> None:
    bpr = root.bpr
    if bpr is not None:
        header.handling_code = str(bpr.transaction_handling) or None
        header.payment_amount = bpr.total_payment
        header.credit_debit = bpr.credit_debit or None
        header.payment_method = str(bpr.payment_method)
        header.payment_date = bpr.payment_date
    if root.trn is not None:
        header.trace_number = root.trn.reference.strip()
        header.trace_originator = root.trn.originator.strip() or None
    payer = root.payer
    if payer is not None:
        header.payer_name = payer.n1.name.strip()
        ref_2u = next((r.value.strip() for r in payer.references if r.qualifier == "2U"), "")
        header.payer_id = ref_2u or payer.n1.identifier.strip() or header.trace_originator or ""
    payee = root.payee
    if payee is not None:
        header.payee_name = payee.n1.name.strip() or None
        if payee.n1.id_qualifier == "XX":
            header.payee_npi = payee.n1.identifier.strip() or None
        elif payee.n1.id_qualifier == "FI":
            header.payee_tax_id = payee.n1.identifier.strip() or None
        tax = next((r.value.strip() for r in payee.references if r.qualifier == "TJ"), None)
        header.payee_tax_id = header.payee_tax_id or tax
    for dtm in root.dates:
        if dtm.qualifier == "405":
            header.production_date = dtm.date


def _provider_adjustments(
    reader: _Reader, seg: Segment, component: str, header: RemittanceHeader
) -> None:
    for i in range(3, 15, 2):
        composite = seg.get(i)
        if not composite:
            continue
        parts = composite.split(component)
        amount = reader.amount(seg, i + 1, required=True)
        if amount is None:
            continue
        header.provider_adjustments.append(
            ProviderLevelAdjustment(
                provider_id=seg.get(1).strip() or None,
                fiscal_period_end=to_date(seg.get(2).strip()),
                reason_code=parts[0].strip(),
                reference=(parts[1].strip() or None) if len(parts) > 1 else None,
                amount=amount,
            )
        )


def scan_835(path: Path, name: str | None = None, also: ClaimSink | None = None) -> FileScan:
    """Read the whole file once: remittances, totals, problems and imbalances.

    `also(header, claim_index, record)` sees every claim payment too (the poster keeps what
    it needs of each, e.g. the keys that recognise a payment seen before).
    """
    sha, size = file_sha256(path)
    scan = FileScan(name=name or path.name, sha256=sha, size=size)

    def check(header: RemittanceHeader, claim_index: int, record: ClaimPaymentRecord) -> None:
        if also is not None:
            also(header, claim_index, record)
        header.claim_count += 1
        header.total_charge += record.charge_amount
        header.total_paid += record.paid_amount
        header.total_patient_responsibility += record.patient_responsibility or ZERO
        scan.imbalances.extend(
            claim_imbalances(
                record,
                set_index=header.set_index,
                trace=header.trace_number,
                claim_index=claim_index,
            )
        )

    read = read_835(path, check)
    scan.remittances, scan.problems, scan.warnings = read.headers, read.problems, read.warnings
    if not scan.remittances and not scan.problems:
        scan.problems.append(Problem("the file holds no 835 transaction set"))
    for header in scan.remittances:
        _check_header(scan, header)
    return scan


def _check_header(scan: FileScan, header: RemittanceHeader) -> None:
    where = f"remittance {header.set_index} (ST02 {header.transaction_set_control_number})"
    if header.payment_amount is None:
        scan.problems.append(
            Problem(f"{where}: BPR02 (the payment amount) is missing", None, "BPR", "BPR02")
        )
        return
    try:
        to_money(header.payment_amount)
    except MoneyError as exc:
        scan.problems.append(Problem(f"{where}: BPR02: {exc}", None, "BPR", "BPR02"))
        return
    if not header.trace_number:
        scan.problems.append(
            Problem(f"{where}: TRN02 (the trace number) is missing", None, "TRN", "TRN02")
        )
    if header.payment_date is None:
        if header.production_date is not None:
            # Several published examples misplace BPR16; the production date (DTM*405) is the
            # date the payer issued the payment advice, the closest stand-in there is.
            header.payment_date = header.production_date
            scan.warnings.append(
                f"{where}: BPR16 (the payment date) is missing or invalid; the production date "
                f"{header.production_date.isoformat()} (DTM*405) is used"
            )
        else:
            scan.problems.append(
                Problem(
                    f"{where}: BPR16 (the payment date) is missing or invalid, and there is no "
                    "DTM*405 production date",
                    None,
                    "BPR",
                    "BPR16",
                )
            )
    if not header.payer_name and not header.payer_id:
        scan.problems.append(Problem(f"{where}: the payer (N1*PR) is missing", None, "N1", "N102"))
    expected = header.total_paid - header.provider_adjustment_total
    found = header.payment_amount
    if header.credit_debit == "D":
        found = -found  # a debit: the payer takes money back
    if expected != found:
        scan.imbalances.append(
            Imbalance(
                check="payment",
                set_index=header.set_index,
                trace_number=header.trace_number or None,
                expected=expected,
                found=found,
                message=(
                    f"{where}: BPR02 is {found}, but its claims' payments ({header.total_paid}) "
                    f"less provider adjustments ({header.provider_adjustment_total}) are {expected}"
                ),
            )
        )
