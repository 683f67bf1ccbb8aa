"""The simulator's ground truth: `truth.jsonl`, one JSON object per line, beside the answers.

Tests and benchmarks compare what the services posted with what the simulator decided,
without trusting the code under test. Every line has `record` (its kind) and `version`:

- `claim`: one per claim submission (a claim sent twice has two lines): what the payer
  decided (`outcome`, the `rejection` with its stage and codes, or each claim payment with
  its lines, allowed and paid amounts, every CAS group/reason/amount and RARC), the payer
  claim number, and the `net` effect of its own payments (reversals included);
- `remittance`: one per 835 transaction set (a check or EFT, or one part of a split
  check): trace number, BPR02, the claims it pays and its provider-level adjustments (PLB);
- `file`: one per input file: its verdict and the answer files written for it;
- `eligibility`: one per member answered in a 271; `status`: one per claim in a 277.

Money is a string with two places ("125.00"), dates ISO 8601. The pydantic models below are
the contract (`docs/simulator.md` shows them key by key); `load_truth` reads a file back.
Lines are appended, so a folder answered several times keeps every run's truth in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.money import ZERO, Money, format_money
from simulator.adjudication import ClaimAdjudication, LineAdjudication
from simulator.inbound import Adjustment, SubmittedLine
from simulator.memory import KnownClaim, Memory

__all__ = [
    "TRUTH_FILE",
    "TruthAdjustment",
    "TruthLine",
    "TruthRemittanceRef",
    "TruthPayment",
    "TruthRejection",
    "TruthNet",
    "ClaimTruth",
    "RemittanceTruth",
    "FileTruth",
    "EligibilityTruth",
    "StatusTruth",
    "TruthRecord",
    "Truth",
    "load_truth",
    "read_truth_lines",
    "payment_dict",
    "payment_from_truth",
    "dumps",
    "net_dict",
    "rebuild_memory",
]

TRUTH_FILE = "truth.jsonl"
VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TruthAdjustment(_Model):
    """One CAS triple: group (CO, PR, OA, PI), CARC, amount."""

    group: str
    reason: str
    amount: Money


class TruthLine(_Model):
    """One adjudicated service line (835 loop 2110)."""

    line_number: int
    procedure_code: str | None
    modifiers: list[str]
    revenue_code: str | None
    units: Decimal
    service_date: date | None
    line_control_number: str | None  # the 837's REF*6R, echoed as the 835's REF*6R
    charge: Money
    allowed: Money  # AMT*B6
    expected_allowed: Money  # the fee schedule's amount (allowed is lower when underpaid)
    paid: Money
    adjustments: list[TruthAdjustment]
    remarks: list[str]  # RARCs (LQ*HE)


class TruthRemittanceRef(_Model):
    """Which 835 carried a claim payment."""

    file: str
    trace_number: str  # TRN02: check number or EFT trace
    payment_date: date  # BPR16
    payment_method: str  # BPR04: ACH, CHK, NON
    part: int | None  # 1 or 2 when the check was split across two 835 files


class TruthPayment(_Model):
    """One CLP of one claim, as written in an 835."""

    role: Literal["original", "reversal", "corrected", "reversal_of_replaced"]
    status: str  # CLP02: 1, 2, 3, 4, 19 (crossed over), 22 (reversal)
    payer_claim_number: str  # CLP07
    charge: Money  # CLP03
    paid: Money  # CLP04
    patient_responsibility: Money  # CLP05 (the PR adjustments)
    remittance: TruthRemittanceRef
    claim_adjustments: list[TruthAdjustment]  # claim-level CAS
    remarks: list[str]  # claim-level RARCs (MOA for 837P, MIA for 837I)
    crossover_to: dict[str, str] | None  # {"payer_id", "name"}: NM1*TT
    lines: list[TruthLine]


class TruthRejection(_Model):
    """Where and why a claim was rejected before adjudication."""

    stage: Literal["999", "277CA"]
    # 999: the transaction set and the segment/element blamed (IK3/IK4/IK5)
    transaction_set_control_number: str | None = None
    segment_id: str | None = None
    segment_position: int | None = None  # counted from ST = 1
    loop: str | None = None
    element: int | None = None
    code: str | None = None  # IK403 (element) or IK304 (segment) or IK502 (set)
    # 277CA: the STC composite
    category: str | None = None
    status: str | None = None
    entity: str | None = None
    message: str | None = None


class TruthNet(_Model):
    """The net of the claim's own payments (reversals netted): charge = paid + adjustments."""

    paid: Money
    patient_responsibility: Money
    adjustments: dict[str, Money]  # by group: CO, PR, OA, PI


class TruthSubmission(_Model):
    file: str
    interchange_control_number: str  # ISA13
    group_control_number: str  # GS06
    transaction_set_control_number: str  # ST02
    received_at: datetime


class TruthAccumulators(_Model):
    """What this claim added to the member's totals for the plan year."""

    plan_year: int
    deductible: Money
    out_of_pocket: Money


class ClaimTruth(_Model):
    record: Literal["claim"]
    version: int
    patient_control_number: str  # CLM01 = CLP01
    payer_id: str
    payer_name: str
    member_id: str
    claim_frequency: str  # CLM05-3
    responsibility: str  # SBR01 of the payer billed: P, S, T
    charge: Money  # CLM02
    service_from: date | None
    service_to: date | None
    submission: TruthSubmission
    outcome: Literal["paid", "partially_paid", "denied", "rejected_999", "rejected_277ca", "voided"]
    behaviours: list[str]  # underpayment, reversal, crossover, duplicate, timely_filing...
    rejection: TruthRejection | None
    payer_claim_number: str | None  # the standing CLP07 (after any correction)
    acknowledged_on: date | None  # the 277CA date (accepted claims)
    replaces: dict[str, str] | None  # {"payer_claim_number", "patient_control_number"}
    crossover_to: dict[str, str] | None
    payments: list[TruthPayment]
    net: TruthNet | None
    accumulators: TruthAccumulators | None


class TruthProviderAdjustment(_Model):
    reason: str  # PLB03-1: WO, L6, FB
    reference: str | None  # PLB03-2
    amount: Money  # positive reduces the payment, negative adds to it


class TruthSplit(_Model):
    part: int
    of: int
    check_total: Money  # BPR02 of all parts together


class TruthClaimRef(_Model):
    patient_control_number: str
    payer_claim_number: str
    status: str
    paid: Money


class RemittanceTruth(_Model):
    record: Literal["remittance"]
    version: int
    file: str
    transaction_set_control_number: str
    payer_id: str
    payer_name: str
    payee_npi: str
    payment_date: date
    payment_method: str  # BPR04 as written: ACH, CHK, or NON when nothing is paid
    trace_number: str
    amount: Money  # BPR02 = claims_paid - sum of provider adjustments
    claims_paid: Money  # sum of CLP04
    provider_adjustments: list[TruthProviderAdjustment]
    split: TruthSplit | None
    claims: list[TruthClaimRef]


class FileTruth(_Model):
    record: Literal["file"]
    version: int
    file: str
    sha256: str
    received_at: datetime
    transactions: list[str]  # kinds read: 837P, 837I, 270, 276...
    verdict: Literal["answered", "rejected", "unreadable"]
    problem: str | None
    answers: list[str]


class EligibilityTruth(_Model):
    record: Literal["eligibility"]
    version: int
    file: str
    trace_number: str
    payer_id: str
    member_id: str
    answer: Literal["active", "inactive", "rejected"]
    reason: str | None  # AAA03
    answered_in: str


class StatusTruth(_Model):
    record: Literal["status"]
    version: int
    file: str
    trace_number: str
    payer_id: str
    patient_control_number: str
    payer_claim_number: str | None
    statuses: list[list[str | None]]  # [category, code, entity]
    answered_in: str


TruthRecord = Annotated[
    ClaimTruth | RemittanceTruth | FileTruth | EligibilityTruth | StatusTruth,
    Field(discriminator="record"),
]
_RECORD: TypeAdapter[Any] = TypeAdapter(TruthRecord)


@dataclass(slots=True)
class Truth:
    """A truth file read back, by record kind, in file order."""

    claims: list[ClaimTruth] = field(default_factory=list)
    remittances: list[RemittanceTruth] = field(default_factory=list)
    files: list[FileTruth] = field(default_factory=list)
    eligibility: list[EligibilityTruth] = field(default_factory=list)
    statuses: list[StatusTruth] = field(default_factory=list)

    def claim(self, patient_control_number: str) -> ClaimTruth:
        """The last submission of the claim with this CLM01."""
        found = [c for c in self.claims if c.patient_control_number == patient_control_number]
        if not found:
            raise KeyError(patient_control_number)
        return found[-1]


def read_truth_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The raw JSON objects of a truth file, in order (none when the file does not exist)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {number} is not JSON: {exc.msg}") from exc


def load_truth(path: str | Path) -> Truth:
    """Read and validate a truth file (each line against its record's model)."""
    path = Path(path)
    truth = Truth()
    buckets: dict[type[Any], list[Any]] = {
        ClaimTruth: truth.claims,
        RemittanceTruth: truth.remittances,
        FileTruth: truth.files,
        EligibilityTruth: truth.eligibility,
        StatusTruth: truth.statuses,
    }
    for raw in read_truth_lines(path):
        record = _RECORD.validate_python(raw)
        buckets[type(record)].append(record)
    return truth


# -- writing: plain dicts, in the models' key order (fast for 50,000-claim batches) -----------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to the truth file")


def dumps(record: dict[str, Any]) -> str:
    """One truth line (no newline); key order as given, so output is byte-stable."""
    return json.dumps(record, default=_json_default, separators=(",", ":"), ensure_ascii=True)


def _adjustments(items: Iterable[Adjustment]) -> list[dict[str, Any]]:
    return [{"group": a.group, "reason": a.reason, "amount": format_money(a.amount)} for a in items]


def _line_dict(line: LineAdjudication) -> dict[str, Any]:
    source = line.line
    return {
        "line_number": source.line_number,
        "procedure_code": source.procedure_code,
        "modifiers": list(source.modifiers),
        "revenue_code": source.revenue_code,
        "units": format(source.units, "f"),
        "service_date": source.service_date,
        "line_control_number": source.control_number,
        "charge": format_money(line.charge),
        "allowed": format_money(line.allowed),
        "expected_allowed": format_money(line.expected_allowed),
        "paid": format_money(line.paid),
        "adjustments": _adjustments(line.adjustments),
        "remarks": list(line.remarks),
    }


def payment_dict(
    payment: ClaimAdjudication, role: str, remittance: dict[str, Any]
) -> dict[str, Any]:
    """A `TruthPayment` as a dict, in the model's key order."""
    return {
        "role": role,
        "status": payment.status,
        "payer_claim_number": payment.payer_claim_number,
        "charge": format_money(payment.charge),
        "paid": format_money(payment.paid),
        "patient_responsibility": format_money(payment.patient_responsibility),
        "remittance": remittance,
        "claim_adjustments": _adjustments(payment.claim_adjustments),
        "remarks": list(payment.claim_remarks),
        "crossover_to": (
            {"payer_id": payment.crossover_to[0], "name": payment.crossover_to[1]}
            if payment.crossover_to
            else None
        ),
        "lines": [_line_dict(line) for line in payment.lines],
    }


def net_dict(payments: Iterable[ClaimAdjudication]) -> dict[str, Any]:
    """The net of a claim's own payments: paid, patient share, adjustments by group."""
    paid = ZERO
    groups: dict[str, Decimal] = {}
    for payment in payments:
        paid += payment.paid
        for adj in payment.adjustments:
            groups[adj.group] = groups.get(adj.group, ZERO) + adj.amount
    return {
        "paid": format_money(paid),
        "patient_responsibility": format_money(groups.get("PR", ZERO)),
        "adjustments": {group: format_money(groups[group]) for group in sorted(groups)},
    }


def payment_from_truth(payment: TruthPayment) -> ClaimAdjudication:
    """A claim payment read back from the truth file (to reverse it later)."""
    lines = tuple(
        LineAdjudication(
            line=SubmittedLine(
                line_number=line.line_number,
                charge=line.charge,
                units=line.units,
                procedure_code=line.procedure_code,
                modifiers=tuple(line.modifiers),
                revenue_code=line.revenue_code,
                service_date=line.service_date,
                service_date_end=None,
                control_number=line.line_control_number,
            ),
            charge=line.charge,
            allowed=line.allowed,
            expected_allowed=line.expected_allowed,
            paid=line.paid,
            adjustments=tuple(Adjustment(a.group, a.reason, a.amount) for a in line.adjustments),
            remarks=tuple(line.remarks),
        )
        for line in payment.lines
    )
    crossover = payment.crossover_to
    return ClaimAdjudication(
        status=payment.status,
        payer_claim_number=payment.payer_claim_number,
        charge=payment.charge,
        lines=lines,
        claim_adjustments=tuple(
            Adjustment(a.group, a.reason, a.amount) for a in payment.claim_adjustments
        ),
        claim_remarks=tuple(payment.remarks),
        crossover_to=(crossover["payer_id"], crossover["name"]) if crossover else None,
    )


def rebuild_memory(path: str | Path, answering_payer_id: Any) -> Memory:
    """The payers' memory as the truth file left it (see `simulator.memory`).

    `answering_payer_id(payer_id)` maps a billed payer id to the id its payer answers
    under (the profile's `answering_payer_id`): the memory is kept by that id.
    """
    memory = Memory()
    for raw in read_truth_lines(Path(path)):
        kind = raw.get("record")
        if kind == "file":
            memory.files_seen += 1
            continue
        if kind == "remittance":
            memory.used_numbers.add(str(raw["trace_number"]))
            continue
        if kind != "claim":
            continue
        record = ClaimTruth.model_validate(raw)
        payer_id = answering_payer_id(record.payer_id)
        for payment in record.payments:
            memory.used_numbers.add(payment.payer_claim_number)
        rejection = record.rejection
        if rejection is not None:
            memory.reject(
                payer_id,
                record.patient_control_number,
                rejection.stage,
                rejection.category or "A3",
                rejection.status or "21",
                rejection.entity,
            )
            continue
        if record.replaces is not None:
            replaced = memory.by_payer_claim_number.get(record.replaces["payer_claim_number"])
            if replaced is not None:
                memory.add_to_member(
                    (payer_id, replaced.member_id, replaced.plan_year),
                    -replaced.deductible,
                    -replaced.out_of_pocket,
                )
                replaced.payment = None
        if record.outcome == "voided" or record.payer_claim_number is None:
            continue
        own = [p for p in record.payments if p.role in ("original", "corrected")]
        if not own:
            continue
        standing = own[-1]
        totals = record.accumulators
        plan_year = totals.plan_year if totals is not None else 0
        deductible = totals.deductible if totals is not None else ZERO
        out_of_pocket = totals.out_of_pocket if totals is not None else ZERO
        memory.add_to_member((payer_id, record.member_id, plan_year), deductible, out_of_pocket)
        memory.remember(
            KnownClaim(
                payer_id=payer_id,
                patient_control_number=record.patient_control_number,
                payer_claim_number=standing.payer_claim_number,
                member_id=record.member_id,
                plan_year=plan_year,
                charge=record.charge,
                service_from=record.service_from,
                service_to=record.service_to,
                outcome="denied_duplicate" if "duplicate" in record.behaviours else record.outcome,
                payment=payment_from_truth(standing),
                deductible=deductible,
                out_of_pocket=out_of_pocket,
                acknowledged_on=record.acknowledged_on,
                paid_on=standing.remittance.payment_date,
                trace_number=standing.remittance.trace_number,
                payment_method=standing.remittance.payment_method,
            )
        )
    return memory
