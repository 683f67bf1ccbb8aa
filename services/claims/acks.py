"""Acknowledgments and status answers applied to claims: TA1, 999, 277CA and 277.

Each file is one transaction: every claim's event (`claim.acknowledged`, `claim.rejected`,
`claim.accepted`, `claim.status_received`), every line for review, and the file's SHA-256,
so a file is applied whole or not at all, and the same file a second time changes nothing.

How a line finds its claims:
- TA1: TA101 is the ISA13 of one of our files: all its claims.
- 999: AK102/AK202 are the GS06/ST02 of one of our transaction sets: all its claims; a
  group rejected without set responses (AK9 only) rejects every set of the group.
- 277CA: 2200B TRN02 echoes our BHT03 (the batch id), 2200D TRN02 the claim's CLM01 (no
  CLM01 is twice in one of our sets). A 277CA whose batch reference is not ours is matched
  by CLM01 among the claims waiting for an acknowledgment, when exactly one fits.
- 277: 2200D/E TRN02 echoes the 276's trace number; else REF*EJ (CLM01) as above.
Anything that matches no claim, or a claim the answer cannot apply to (already accepted,
acknowledging an earlier submission...), goes to the review list (`claims_unmatched`,
`GET /v1/exchange/unmatched`) with the reason; nothing is dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.claims import codes
from services.claims.commands import (
    Accept,
    Acknowledge,
    Command,
    RecordStatus,
    Reject,
)
from services.claims.deps import ClaimsDeps
from services.claims.domain import CLAIM, ClaimStatus
from services.claims.tables import (
    batch_claims,
    batch_sets,
    claims_index,
    ingested_files,
    inquiries,
    unmatched,
)
from shared.events.claims import AcknowledgmentKind, AckProblem, StatusAnswer, StatusCode
from shared.kernel import DomainError, KernelError, UnitOfWork
from shared.x12.claim_status import StatusClaimLoop
from shared.x12.x12_999_005010X231A1.models import Loop2000, Transaction999
from shared.x12.x12_ta1_005010.models import Ta1Segment

ACCEPTED_CATEGORIES = frozenset({"A2", "A5"})
RECEIVED_CATEGORIES = frozenset({"A0", "A1"})
REJECTED_CATEGORIES = frozenset({"A3", "A6", "A7", "A8", "R3"})
ACCEPTING_999 = frozenset({"A", "E"})

WAITING_FOR_ACK = (ClaimStatus.SUBMITTED.value, ClaimStatus.ACKNOWLEDGED.value)
ASKED = (
    ClaimStatus.SUBMITTED.value,
    ClaimStatus.ACKNOWLEDGED.value,
    ClaimStatus.ACCEPTED.value,
    ClaimStatus.INFO_REQUESTED.value,
    ClaimStatus.FINALIZED.value,
    ClaimStatus.NOT_FOUND.value,
)


@dataclass(frozen=True)
class SetRow:
    batch_id: str
    organization_id: str
    transaction: str
    file_name: str
    sender_id: str


@dataclass
class AckFile:
    """One acknowledgment file being applied: its transaction, what it did, what to review."""

    deps: ClaimsDeps
    uow: UnitOfWork[Connection]
    file_name: str
    sha256: str
    transaction: str
    organization_id: str
    received_at: datetime
    counts: Counter[str] = field(default_factory=Counter)
    review: list[dict[str, Any]] = field(default_factory=list)

    @property
    def conn(self) -> Connection:
        return self.uow.transaction

    def to_review(
        self,
        reference: str,
        reason: str,
        detail: dict[str, Any] | None = None,
        *,
        patient_control_number: str | None = None,
        claim_id: str | None = None,
        organization_id: str | None = None,
    ) -> None:
        row = {
            "organization_id": organization_id or self.organization_id,
            "received_at": self.received_at,
            "file_name": self.file_name,
            "file_sha256": self.sha256,
            "transaction": self.transaction,
            "reference": reference[:120],
            "patient_control_number": patient_control_number,
            "claim_id": claim_id,
            "reason": reason,
            "detail": detail or {},
        }
        self.conn.execute(unmatched.insert().values(**row))
        self.counts["to review"] += 1
        self.review.append({"reference": row["reference"], "claim_id": claim_id, "reason": reason})

    def run(
        self,
        claim_id: str,
        command: Command,
        outcome: str,
        *,
        reference: str,
        patient_control_number: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> bool:
        """Run `command` on the claim; a refusal goes to the review list with the rule's text."""
        try:
            self.uow.run(CLAIM, claim_id, command)
        except (DomainError, KernelError) as refused:
            self.to_review(
                reference,
                str(refused),
                detail,
                patient_control_number=patient_control_number,
                claim_id=claim_id,
            )
            return False
        self.counts[outcome] += 1
        return True

    # -- lookups ----------------------------------------------------------------------------

    def sets_where(self, *conditions: Any) -> list[SetRow]:
        rows = self.conn.execute(
            sa.select(
                batch_sets.c.batch_id,
                batch_sets.c.organization_id,
                batch_sets.c.transaction,
                batch_sets.c.file_name,
                batch_sets.c.sender_id,
            ).where(*conditions)
        ).all()
        return [SetRow(*row) for row in rows]

    def claims_of(self, batch_id: str) -> list[tuple[str, str]]:
        """(claim id, CLM01) of every claim a batch carried."""
        rows = self.conn.execute(
            sa.select(batch_claims.c.claim_id, batch_claims.c.patient_control_number)
            .where(batch_claims.c.batch_id == batch_id)
            .order_by(batch_claims.c.claim_id)
        ).all()
        return [(row[0], row[1]) for row in rows]

    def claim_in_batch(self, batch_id: str, pcn: str) -> str | None:
        return self.conn.execute(
            sa.select(batch_claims.c.claim_id).where(
                batch_claims.c.batch_id == batch_id, batch_claims.c.patient_control_number == pcn
            )
        ).scalar_one_or_none()

    def claims_by_pcn(self, pcn: str, statuses: Sequence[str]) -> list[tuple[str, str]]:
        """(claim id, organization) of the claims with this CLM01 in one of `statuses`."""
        rows = self.conn.execute(
            sa.select(claims_index.c.claim_id, claims_index.c.organization_id).where(
                claims_index.c.patient_control_number == pcn,
                claims_index.c.status.in_(statuses),
            )
        ).all()
        return [(row[0], row[1]) for row in rows]


def _prefer_sender(rows: list[SetRow], our_id: str) -> list[SetRow]:
    """Of the sets matching an ack's numbers, those sent under the id the ack was addressed to."""
    mine = [row for row in rows if row.sender_id == our_id]
    return mine or rows


def _control_forms(value: str) -> set[str]:
    """A control number as sent and as some partners echo it (zero padding added or dropped)."""
    forms = {value, value.lstrip("0") or "0"}
    if value.isdigit():
        forms |= {value.zfill(4), value.zfill(9)}
    return forms


# -- TA1 --------------------------------------------------------------------------------------


def apply_ta1(ack: AckFile, acks: Iterable[tuple[Ta1Segment, str]]) -> None:
    """A TA1 rejecting one of our interchanges rejects every claim of the file (TA101 = ISA13)."""
    for ta1, addressed_to in acks:
        verdict = str(ta1.acknowledgment)
        reference = f"ISA13 {ta1.control_number}"
        if verdict != "R":
            ack.counts[
                f"interchange {'accepted' if verdict == 'A' else 'accepted with errors'}"
            ] += 1
            continue
        rows = ack.sets_where(
            batch_sets.c.interchange_control_number.in_(_control_forms(ta1.control_number))
        )
        rows = _prefer_sender(rows, addressed_to)
        if not rows:
            ack.to_review(reference, "no file of ours was sent with this interchange number")
            continue
        note = str(ta1.note)
        problem = AckProblem(
            code=note,
            description=codes.acknowledgment_code("TA105", note),
            location=f"interchange {ta1.control_number} (ISA/IEA)",
        )
        for row in rows:
            if row.transaction == "276":
                # Our status inquiry never reached the payer: the claims keep their status
                # and the job asks again after its period (as for a 999 rejecting a 276).
                ack.to_review(
                    reference,
                    "the clearinghouse rejected a 276 status inquiry's interchange; it is "
                    "asked again later",
                    {"problems": [problem.model_dump()]},
                    organization_id=row.organization_id,
                )
                continue
            for claim_id, pcn in ack.claims_of(row.batch_id):
                ack.run(
                    claim_id,
                    Reject(row.batch_id, AcknowledgmentKind.X12_TA1, (problem,), ack.file_name),
                    "rejected",
                    reference=reference,
                    patient_control_number=pcn,
                )


# -- 999 --------------------------------------------------------------------------------------


def _problems_999(response: Loop2000) -> tuple[AckProblem, ...]:
    problems: list[AckProblem] = []
    for error in response.segment_errors:
        ik3 = error.ik3
        position = int(ik3.position) if ik3.position.isdigit() else None
        code = str(ik3.error)
        where = f"segment {ik3.segment_id}" + (f" at position {position}" if position else "")
        where += f", loop {ik3.loop_id}" if ik3.loop_id else ""
        problems.append(
            AckProblem(
                code=code,
                description=codes.acknowledgment_code("IK304", code),
                location=where,
                segment_id=ik3.segment_id or None,
                segment_position=position,
                loop_id=ik3.loop_id or None,
            )
        )
        for note in error.element_notes:
            ik4 = note.ik4
            element = int(ik4.element_position) if ik4.element_position.isdigit() else None
            component = int(ik4.component_position) if ik4.component_position.isdigit() else None
            code = str(ik4.error)
            named = f"{ik3.segment_id}{element:02d}" if element is not None else ik3.segment_id
            if component is not None:
                named += f"-{component}"
            location = f"element {named}"
            if ik4.element_reference:
                location += f" (data element {ik4.element_reference})"
            if position:
                location += f" of the segment at position {position}"
            problems.append(
                AckProblem(
                    code=code,
                    description=codes.acknowledgment_code("IK403", code),
                    location=location,
                    segment_id=ik3.segment_id or None,
                    segment_position=position,
                    loop_id=ik3.loop_id or None,
                    element_position=element,
                    component_position=component,
                    element_reference=ik4.element_reference or None,
                )
            )
    ik5 = response.ik5
    for code in ik5.error_codes if ik5 is not None else []:
        problems.append(
            AckProblem(
                code=code,
                description=codes.acknowledgment_code("IK5", code),
                location=f"transaction set {response.ak2.control_number}",
            )
        )
    if not problems:
        verdict = str(ik5.acknowledgment) if ik5 is not None else "R"
        problems.append(
            AckProblem(
                code=verdict,
                description=codes.acknowledgment_code("IK501", verdict),
                location=f"transaction set {response.ak2.control_number}",
            )
        )
    return tuple(problems)


def apply_999(ack: AckFile, transactions: Iterable[tuple[Transaction999, str]]) -> None:
    """Each AK2 accepts (A, E) or rejects its set's claims; an AK9-only rejection, the group's."""
    for tx, addressed_to in transactions:
        if tx.ak1 is None:
            ack.to_review("999 without AK1", "the 999 names no functional group")
            continue
        group = tx.ak1.group_control_number
        responses = list(tx.responses())
        if not responses:
            verdict = str(tx.ak9.acknowledgment) if tx.ak9 is not None else ""
            if verdict in ("R", "M", "W", "X"):
                _reject_group(ack, group, addressed_to, tx)
            else:
                ack.counts["groups acknowledged without set responses"] += 1
            continue
        for response in responses:
            _apply_set_response(ack, group, addressed_to, response)


def _sets_of(ack: AckFile, group: str, st02: str | None, addressed_to: str) -> list[SetRow]:
    conditions = [batch_sets.c.group_control_number.in_(_control_forms(group))]
    if st02 is not None:
        conditions.append(batch_sets.c.transaction_set_control_number.in_(_control_forms(st02)))
    return _prefer_sender(ack.sets_where(*conditions), addressed_to)


def _apply_set_response(ack: AckFile, group: str, addressed_to: str, response: Loop2000) -> None:
    st02 = response.ak2.control_number
    reference = f"GS06 {group} ST02 {st02}"
    rows = _sets_of(ack, group, st02, addressed_to)
    if len(rows) != 1:
        reason = (
            "no transaction set of ours was sent with these control numbers"
            if not rows
            else f"{len(rows)} of our transaction sets have these control numbers"
        )
        ack.to_review(reference, reason)
        return
    [row] = rows
    verdict = str(response.ik5.acknowledgment) if response.ik5 is not None else "R"
    if row.transaction == "276":
        if verdict not in ACCEPTING_999:
            ack.to_review(
                reference,
                "the clearinghouse rejected a 276 status inquiry; it is asked again later",
                {"problems": [p.model_dump() for p in _problems_999(response)]},
                organization_id=row.organization_id,
            )
        else:
            ack.counts["276 sets acknowledged"] += 1
        return
    for claim_id, pcn in ack.claims_of(row.batch_id):
        if verdict in ACCEPTING_999:
            command: Command = Acknowledge(
                row.batch_id, AcknowledgmentKind.X12_999, st02, ack.file_name, verdict
            )
            outcome = "acknowledged"
        else:
            command = Reject(
                row.batch_id, AcknowledgmentKind.X12_999, _problems_999(response), ack.file_name
            )
            outcome = "rejected"
        ack.run(claim_id, command, outcome, reference=reference, patient_control_number=pcn)


def _reject_group(ack: AckFile, group: str, addressed_to: str, tx: Transaction999) -> None:
    reference = f"GS06 {group}"
    rows = _sets_of(ack, group, None, addressed_to)
    if not rows:
        ack.to_review(reference, "no functional group of ours was sent with this number")
        return
    assert tx.ak9 is not None
    codes_given = tx.ak9.error_codes or [str(tx.ak9.acknowledgment)]
    problems = tuple(
        AckProblem(
            code=code,
            description=codes.acknowledgment_code(
                "AK9" if code in tx.ak9.error_codes else "IK501", code
            ),
            location=f"functional group {group}",
        )
        for code in codes_given
    )
    for row in rows:
        for claim_id, pcn in ack.claims_of(row.batch_id):
            ack.run(
                claim_id,
                Reject(row.batch_id, AcknowledgmentKind.X12_999, problems, ack.file_name),
                "rejected",
                reference=reference,
                patient_control_number=pcn,
            )


# -- 277CA ------------------------------------------------------------------------------------


def _status_codes(claim: StatusClaimLoop) -> list[tuple[str, str, str]]:
    """(category, code, entity) of each STC composite of the claim, in order."""
    return [(str(s.category), s.status, s.entity) for stc in claim.statuses for s in stc.statuses]


def _stc_message(claim: StatusClaimLoop) -> str | None:
    return next((stc.message for stc in claim.statuses if stc.message), None)


def _problem(category: str, code: str, entity: str, message: str | None) -> AckProblem:
    return AckProblem(
        code=code,
        description=codes.status_code(code),
        location=f"STC {category}:{code}" + (f":{entity}" if entity else ""),
        category=category,
        category_description=codes.status_category(category),
        entity=entity or None,
        entity_description=codes.entity(entity) if entity else None,
        message=message,
    )


def walk_277(transaction: Any) -> Iterable[tuple[str | None, StatusClaimLoop]]:
    """(batch reference of 2200B, claim loop) for every patient-level claim of a 277/277CA."""

    def levels(loop: Any) -> Iterable[Any]:
        yield loop
        for child in getattr(loop, "children_levels", []):
            yield from levels(child)

    for source in transaction.sources:
        for receiver in source.children_levels:
            reference = receiver.claims[0].trn.reference if receiver.claims else None
            for level in levels(receiver):
                if level is receiver:
                    continue
                for claim in level.claims:
                    if level.hl.level_code in ("PT", "22", "23"):
                        yield reference, claim


def apply_277ca(ack: AckFile, transactions: Iterable[Any]) -> None:
    """Each claim of a 277CA: accepted (A2, A5), received (A0, A1) or rejected (A3, A6-A8)."""
    for transaction in transactions:
        for reference, claim in walk_277(transaction):
            _apply_277ca_claim(ack, reference, claim)


def _apply_277ca_claim(ack: AckFile, reference: str | None, claim: StatusClaimLoop) -> None:
    pcn = claim.trn.reference
    where = f"BHT03 {reference or '-'} CLM01"
    statuses = _status_codes(claim)
    detail = {"statuses": [":".join(filter(None, s)) for s in statuses]}
    if not statuses:
        ack.to_review(
            where, "the claim's line carries no status (STC)", detail, patient_control_number=pcn
        )
        return
    found = _find_batch_claim(ack, reference, pcn)
    if found is None:
        ack.to_review(
            where,
            "no claim of ours waiting for an acknowledgment has this CLM01 in this batch",
            detail,
            patient_control_number=pcn,
        )
        return
    batch_id, claim_id = found
    category, code, entity = statuses[0]
    status = f"{category}:{code}"
    if category in ACCEPTED_CATEGORIES:
        command: Command = Accept(
            batch_id, claim.reference("1K"), ack.file_name, status, claim.reference("D9")
        )
        outcome = "accepted"
    elif category in RECEIVED_CATEGORIES:
        command = Acknowledge(batch_id, AcknowledgmentKind.X12_277CA, pcn, ack.file_name, status)
        outcome = "acknowledged"
    elif category in REJECTED_CATEGORIES:
        message = _stc_message(claim)
        problems = tuple(_problem(c, s, e, message) for c, s, e in statuses)
        command = Reject(batch_id, AcknowledgmentKind.X12_277CA, problems, ack.file_name)
        outcome = "rejected"
    else:
        ack.to_review(
            where,
            f"status category {category} ({codes.status_category(category)}) is not an "
            "acknowledgment",
            detail,
            patient_control_number=pcn,
            claim_id=claim_id,
        )
        return
    ack.run(claim_id, command, outcome, reference=where, patient_control_number=pcn, detail=detail)


def _find_batch_claim(ack: AckFile, reference: str | None, pcn: str) -> tuple[str, str] | None:
    """(batch id, claim id) the line is about: by the batch's BHT03, else by CLM01 alone."""
    if reference:
        rows = ack.sets_where(batch_sets.c.reference == reference)
        if rows:
            claim_id = ack.claim_in_batch(rows[0].batch_id, pcn)
            return (rows[0].batch_id, claim_id) if claim_id else None
    candidates = ack.claims_by_pcn(pcn, WAITING_FOR_ACK)
    if len(candidates) != 1:
        return None
    [(claim_id, _org)] = candidates
    state = CLAIM.fold_envelopes(claim_id, ack.deps.store.load_in(ack.conn, claim_id))
    last = state.last_submission
    return (last.batch_id, claim_id) if last is not None else None


# -- 277 --------------------------------------------------------------------------------------


def answer_of(category: str) -> StatusAnswer:
    """What a 277's STC category says about the claim.

    Every R category (R0-R16) is a request for information in a 277, R3 included: only a
    277CA reads R3 as a return of the claim (`REJECTED_CATEGORIES`).
    """
    if category in ("A4", "D0"):
        return StatusAnswer.NOT_FOUND
    if category.startswith("R"):
        return StatusAnswer.INFO_REQUESTED
    if category in ACCEPTED_CATEGORIES:
        return StatusAnswer.PENDING
    if category in RECEIVED_CATEGORIES:
        return StatusAnswer.ACKNOWLEDGED
    if category in REJECTED_CATEGORIES:
        return StatusAnswer.REJECTED
    first = category[:1]
    return {
        "P": StatusAnswer.PENDING,
        "F": StatusAnswer.FINALIZED,
        "R": StatusAnswer.INFO_REQUESTED,
    }.get(first, StatusAnswer.NO_ANSWER)


def apply_277(ack: AckFile, transactions: Iterable[Any]) -> None:
    """Each claim of a 277 becomes `claim.status_received` on the claim the 276 asked about."""
    for transaction in transactions:
        for _reference, claim in walk_277(transaction):
            _apply_277_claim(ack, claim)


def _apply_277_claim(ack: AckFile, claim: StatusClaimLoop) -> None:
    trace = claim.trn.reference
    pcn = claim.reference("EJ")
    where = f"TRN02 {trace}"
    statuses = _status_codes(claim)
    detail = {"statuses": [":".join(filter(None, s)) for s in statuses]}
    claim_id = ack.conn.execute(
        sa.select(inquiries.c.claim_id).where(inquiries.c.trace_number == trace)
    ).scalar_one_or_none()
    if claim_id is None and pcn:
        candidates = ack.claims_by_pcn(pcn, ASKED)
        claim_id = candidates[0][0] if len(candidates) == 1 else None
    if claim_id is None or not statuses:
        ack.to_review(
            where,
            "no status inquiry of ours has this trace number" if statuses else "no STC",
            detail,
            patient_control_number=pcn,
        )
        return
    stc = claim.statuses[0]
    category = statuses[0][0]
    command = RecordStatus(
        answer=answer_of(category),
        statuses=tuple(
            StatusCode(
                category=c,
                category_description=codes.status_category(c),
                code=s,
                code_description=codes.status_code(s),
                entity=e or None,
                entity_description=codes.entity(e) if e else None,
            )
            for c, s, e in statuses
        ),
        trace_number=trace,
        status_date=stc.effective_date,
        payer_claim_number=claim.reference("1K"),
        charge=stc.total_charge,
        paid=stc.payment,
        adjudication_date=stc.adjudication_date,
        payment_method=None,
        check_number=stc.check_number or None,
        status_file=ack.file_name,
    )
    ack.run(
        claim_id,
        command,
        f"status {command.answer.value}",
        reference=where,
        patient_control_number=pcn,
        detail=detail,
    )


# -- the file ---------------------------------------------------------------------------------


def already_ingested(conn: Connection, organization_id: str, sha256: str) -> datetime | None:
    return conn.execute(
        sa.select(ingested_files.c.ingested_at).where(
            ingested_files.c.organization_id == organization_id,
            ingested_files.c.sha256 == sha256,
        )
    ).scalar_one_or_none()


def record_file(ack: AckFile) -> None:
    ack.conn.execute(
        ingested_files.insert().values(
            organization_id=ack.organization_id,
            sha256=ack.sha256,
            file_name=ack.file_name[:200],
            transaction=ack.transaction,
            ingested_at=ack.received_at,
            summary=json.dumps(dict(ack.counts), sort_keys=True),
        )
    )
