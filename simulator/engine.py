"""The simulator: one batch of inbound files in, every answer and the ground truth out.

`Simulator.answer(files, received_at)` plays the clearinghouse and the payers for files
received at one moment:

1. each file is judged (`simulator.acks`): a TA1 when its interchange cannot be taken, else
   a 999 per functional group for 837s (and for other files when a set is refused);
2. each claim of an accepted 837 set is decided (`simulator.decisions`), priced
   (`simulator.adjudication`) and acknowledged in the file's 277CA;
3. the claim payments become checks and 835 files (`simulator.remittances`);
4. 270s are answered with 271s and 276s with 277s (`simulator.inquiries`);
5. the truth of it all is returned as `truth.jsonl` records (`simulator.truth`).

Each answer carries `due_at`: the receipt time plus the profile's delay for that answer.
`respond` writes them all at once; `serve` delivers each when its clock reaches it. The
payers' memory (`simulator.memory`) carries over from batch to batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.money import ZERO, format_money
from shared.x12.claim837_writing import Submitter
from shared.x12.loops import gc_paused
from shared.x12.reader import ParsedTransaction
from shared.x12.x12_277_005010X214.writer import (
    ClaimAcknowledgment,
    ClaimStatus,
    ProviderClaims,
    write_277ca,
)
from shared.x12.x12_999_005010X231A1.writer import GroupAcknowledgment, SetAcknowledgment
from simulator import draws
from simulator.acks import (
    ANSWERED_SETS,
    ReadFile,
    member_id_rejection,
    parties_of,
    read_file,
    reject_set,
    unsupported_set,
    write_999_file,
    write_ta1_file,
)
from simulator.adjudication import (
    Accumulator,
    ClaimAdjudication,
    LineAdjudication,
    deny_claim,
    negate,
    price_primary,
    price_secondary,
)
from simulator.decisions import claim_key, decide, starting_totals
from simulator.inbound import SubmittedClaim, claims_of_837, envelope_of
from simulator.inquiries import answer_270, answer_276
from simulator.memory import KnownClaim, Memory
from simulator.numbers import DeterministicControlNumbers
from simulator.profile import Outcome, Profile
from simulator.remittances import Placement, build_remittances
from simulator.truth import net_dict, payment_dict

__all__ = ["InboundFile", "Answer", "BatchAnswers", "Simulator", "Progress"]

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as a batch is worked through."""


@dataclass(frozen=True, slots=True)
class InboundFile:
    """A file the clearinghouse received."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """A file the clearinghouse or a payer sends back, and when."""

    name: str
    content: bytes
    kind: str  # TA1, 999, 277CA, 835, 271, 277
    due_at: datetime  # receipt time plus the profile's delay for this kind of answer
    source: str  # the inbound file it answers (an 835: the first file it pays claims of)


@dataclass(slots=True)
class BatchAnswers:
    answers: list[Answer] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)  # truth.jsonl records, in order


@dataclass(slots=True)
class _Set:
    """An accepted 837 transaction set and the 277CA lines of its claims."""

    read: ReadFile
    claims: list[SubmittedClaim]
    statuses: list[tuple[SubmittedClaim, ClaimStatus]] = field(default_factory=list)


def _claim_record(claim: SubmittedClaim, received_at: datetime, payer_name: str) -> dict[str, Any]:
    envelope = claim.envelope
    return {
        "record": "claim",
        "version": 1,
        "patient_control_number": claim.patient_control_number,
        "payer_id": claim.payer_id,
        "payer_name": payer_name,
        "member_id": claim.member_id,
        "claim_frequency": claim.frequency,
        "responsibility": claim.responsibility,
        "charge": format_money(claim.charge),
        "service_from": claim.service_from,
        "service_to": claim.service_to,
        "submission": {
            "file": envelope.file_name,
            "interchange_control_number": envelope.interchange_control_number,
            "group_control_number": envelope.group_control_number,
            "transaction_set_control_number": envelope.set_control_number,
            "received_at": received_at,
        },
        "outcome": None,
        "behaviours": [],
        "rejection": None,
        "payer_claim_number": None,
        "acknowledged_on": None,
        "replaces": None,
        "crossover_to": None,
        "payments": [],
        "net": None,
        "accumulators": None,
    }


def _outcome(payment: ClaimAdjudication) -> str:
    if payment.status == "4" or (
        payment.paid == ZERO and any(line.remarks or _denied(line) for line in payment.lines)
    ):
        return "denied"
    if any(_denied(line) for line in payment.lines):
        return "partially_paid"
    return "paid"


def _totals(accumulator: Accumulator) -> tuple[Decimal, Decimal]:
    return accumulator.deductible_met, accumulator.out_of_pocket_met


def _denied(line: LineAdjudication) -> bool:
    """A line the payer refused: nothing allowed on a billed charge."""
    return line.paid == ZERO and line.allowed == ZERO and line.charge != ZERO


class Simulator:
    """The clearinghouse and payers of a profile, with their memory, for one seed."""

    def __init__(self, profile: Profile, seed: int = 0, memory: Memory | None = None) -> None:
        self.profile = profile
        self.seed = seed
        self.memory = memory if memory is not None else Memory()

    # -- the batch -------------------------------------------------------------------------

    def answer(
        self,
        files: Sequence[InboundFile],
        received_at: datetime,
        progress: Progress | None = None,
    ) -> BatchAnswers:
        """Every answer to `files`, received at `received_at` (timezone-aware)."""
        if received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        # A batch holds millions of small objects (parsed files, claims, answers) and makes
        # no reference cycles: the cyclic collector would only rescan the heap, over and over.
        with gc_paused():
            return _Batch(self, files, received_at, progress or (lambda *_: None)).run()


class _Batch:
    """One call of `Simulator.answer`: the state of working through its files."""

    def __init__(
        self,
        simulator: Simulator,
        files: Sequence[InboundFile],
        received_at: datetime,
        progress: Progress,
    ) -> None:
        self.profile = simulator.profile
        self.seed = simulator.seed
        self.memory = simulator.memory
        self.files = files
        self.received_at = received_at
        self.received = received_at.date()
        self.progress = progress
        # The batch's identity: the seed, what the payers had seen before, and the files.
        # Not the receipt time: answering the same files at another --as-of changes only
        # their dates, never a control number or trace.
        digest = hashlib.sha256(f"{self.seed}|{simulator.memory.files_seen}".encode())
        for inbound in files:
            digest.update(inbound.name.encode("utf-8", "replace") + b"\0")
            digest.update(hashlib.sha256(inbound.content).digest())
        self.batch_key = digest.hexdigest()[:20]
        self.out = BatchAnswers()
        self.names: set[str] = set()
        self.file_records: dict[str, dict[str, Any]] = {}
        self.claim_records: list[dict[str, Any]] = []
        self.placements: list[Placement] = []
        self.standing: list[tuple[KnownClaim, dict[str, Any]]] = []
        self.sets: list[_Set] = []
        self.inquiries: list[tuple[ReadFile, ParsedTransaction]] = []

    # -- helpers ---------------------------------------------------------------------------

    def at(self, days: int) -> datetime:
        return self.received_at + timedelta(days=days)

    def numbers(self, name: str) -> DeterministicControlNumbers:
        return DeterministicControlNumbers(self.seed, f"{self.batch_key}/{name}")

    def name(self, wanted: str) -> str:
        """A file name not yet used in this batch."""
        name, count = wanted, 1
        while name in self.names:
            count += 1
            stem, dot, suffix = wanted.rpartition(".")
            name = f"{stem}-{count}.{suffix}" if dot else f"{wanted}-{count}"
        self.names.add(name)
        return name

    def emit(self, name: str, text: str, kind: str, due: datetime, source: str) -> None:
        self.out.answers.append(Answer(name, text.encode("ascii"), kind, due, source))
        record = self.file_records.get(source)
        if record is not None and name not in record["answers"]:
            record["answers"].append(name)

    # -- steps -----------------------------------------------------------------------------

    def run(self) -> BatchAnswers:
        total = len(self.files)
        for index, inbound in enumerate(self.files, start=1):
            self.progress("read", index - 1, total)
            self.read(inbound)
        self.progress("read", total, total)
        self.memory.files_seen += len(self.files)
        total_claims = sum(len(s.claims) for s in self.sets)
        done = 0
        for claim_set in self.sets:
            for claim in claim_set.claims:
                if done % 1000 == 0:
                    self.progress("adjudicate", done, total_claims)
                self.adjudicate(claim, claim_set)
                done += 1
        self.progress("adjudicate", total_claims, total_claims)
        self.acknowledge_claims()
        self.progress("remit", 0, len(self.placements))
        self.remit()
        self.progress("remit", len(self.placements), len(self.placements))
        for read, parsed in self.inquiries:
            self.answer_inquiry(read, parsed)
        self.out.truth = [
            *self.file_records.values(),
            *self.claim_records,
            *self.out.truth,
        ]
        return self.out

    def read(self, inbound: InboundFile) -> None:
        read = read_file(
            inbound.name, inbound.content, self.received_at, self.profile.clearinghouse.id
        )
        record: dict[str, Any] = {
            "record": "file",
            "version": 1,
            "file": inbound.name,
            "sha256": read.sha256,
            "received_at": self.received_at,
            "transactions": [],
            "verdict": "answered",
            "problem": read.problem,
            "answers": [],
        }
        self.file_records[inbound.name] = record
        due = self.at(self.profile.timing.ack_999)
        if read.ta1 is not None:
            record["verdict"] = "unreadable" if not read.acks else "rejected"
            name = self.name(f"{inbound.name}.ta1")
            self.emit(
                name,
                write_ta1_file(read, created_at=due, numbers=self.numbers(name)),
                "TA1",
                due,
                inbound.name,
            )
            return
        assert read.parsed is not None
        transactions = list(read.parsed.transactions)
        pairs = [(ic, group) for ic, group in read.acks]
        set_acks = [s for _, group in pairs for s in group.sets]
        if len(set_acks) != len(transactions):  # pragma: no cover - the two readings disagree
            transactions = transactions[: len(set_acks)]
        record["transactions"] = [t.kind for t in transactions]
        verdicts: list[SetAcknowledgment] = []
        write_999 = False
        for set_ack, parsed in zip(set_acks, transactions, strict=False):
            verdicts.append(self.judge_set(read, set_ack, parsed))
            if parsed.envelope.id not in ("270", "276") or verdicts[-1].status not in ("A", "E"):
                write_999 = True
        index = 0
        new_acks: list[tuple[Any, GroupAcknowledgment]] = []
        for interchange, group in pairs:
            count = len(group.sets)
            new_acks.append(
                (interchange, replace(group, sets=tuple(verdicts[index : index + count])))
            )
            index += count
        if all(s.status == "R" for s in verdicts) and verdicts:
            record["verdict"] = "rejected"
        if write_999 and new_acks:
            name = self.name(f"{inbound.name}.999")
            text = write_999_file(new_acks, created_at=due, numbers=self.numbers(name))
            self.emit(name, text, "999", due, inbound.name)

    def judge_set(
        self, read: ReadFile, ack: SetAcknowledgment, parsed: ParsedTransaction
    ) -> SetAcknowledgment:
        """The set's final 999 verdict; accepted 837s, 270s and 276s are queued for answers."""
        set_id = parsed.envelope.id
        if ack.status not in ("A", "E"):
            if set_id == "837":
                self.reject_claims(read, parsed, ack)
            return ack
        if set_id not in ANSWERED_SETS or parsed.model is None:
            return unsupported_set(ack)
        if set_id in ("270", "276"):
            self.inquiries.append((read, parsed))
            return ack
        claims = claims_of_837(read.name, parsed)
        if claims and self.rejects_set(claims):
            rejected = reject_set(ack, member_id_rejection(claims[0].subscriber_segment))
            self.reject_claims(read, parsed, rejected, claims)
            return rejected
        self.sets.append(_Set(read, claims))
        return ack

    def rejects_set(self, claims: list[SubmittedClaim]) -> bool:
        """The clearinghouse's own edit on a good set (a rule, or the payer's reject_999)."""
        answering = self.profile.answering_payer_id
        if any(
            self.memory.was_rejected(answering(c.payer_id), c.patient_control_number)
            for c in claims
        ):
            return False  # a corrected resubmission goes through
        for claim in claims:
            rule = self.profile.rule_for(claim.patient_control_number, claim.payer_id)
            if rule is not None and rule.outcome is Outcome.REJECT_999:
                return True
        first = claims[0]
        share = self.profile.payer(first.payer_id).shares.reject_999
        identity = "|".join(sorted(c.patient_control_number for c in claims))
        return (
            share > 0
            and draws.uniform(self.seed, first.envelope.sender_id, identity, "999") < share
        )

    def reject_claims(
        self,
        read: ReadFile,
        parsed: ParsedTransaction,
        ack: SetAcknowledgment,
        claims: list[SubmittedClaim] | None = None,
    ) -> None:
        """Truth for the claims of a set the 999 rejected (those that can still be read)."""
        if claims is None:
            try:
                claims = claims_of_837(read.name, parsed)
            except Exception:  # noqa: BLE001 - a set broken enough for a 999 may not read
                claims = []
        error = ack.segment_errors[0] if ack.segment_errors else None
        element = error.elements[0] if error is not None and error.elements else None
        for claim in claims:
            record = _claim_record(
                claim, self.received_at, self.profile.payer_name(claim.payer_id, claim.payer_name)
            )
            record["outcome"] = "rejected_999"
            record["rejection"] = {
                "stage": "999",
                "transaction_set_control_number": ack.control_number,
                "segment_id": error.segment_id if error else None,
                "segment_position": error.position if error else None,
                "loop": error.loop_id if error else None,
                "element": element.position if element else None,
                "code": element.code
                if element
                else (error.code if error else ack.codes[0] if ack.codes else None),
                "category": None,
                "status": None,
                "entity": None,
                "message": None,
            }
            self.claim_records.append(record)
            self.memory.reject(
                self.profile.answering_payer_id(claim.payer_id),
                claim.patient_control_number,
                "999",
                "A3",
                "21",
                None,
            )

    # -- claims ----------------------------------------------------------------------------

    def new_payer_claim_number(self, claim: SubmittedClaim, purpose: str) -> str:
        """A 14-digit claim number drawn from the claim's identity (unique, never reused)."""
        salt = 0
        while True:
            number = "2" + draws.digits(13, self.seed, *claim_key(claim), purpose, str(salt))
            if number not in self.memory.used_numbers:
                self.memory.used_numbers.add(number)
                return number
            salt += 1

    def adjudicate(self, claim: SubmittedClaim, claim_set: _Set) -> None:
        profile, memory = self.profile, self.memory
        payer = profile.payer(claim.payer_id)
        payer_id = profile.answering_payer_id(claim.payer_id)
        rule = profile.rule_for(claim.patient_control_number, claim.payer_id)
        decision = decide(claim, payer, payer_id, rule, self.seed, memory, self.received)
        record = _claim_record(
            claim, self.received_at, profile.payer_name(claim.payer_id, claim.payer_name)
        )
        self.claim_records.append(record)
        record["behaviours"] = list(decision.behaviours)
        if decision.rejection is not None:
            rejection = decision.rejection
            record["outcome"] = "rejected_277ca"
            record["rejection"] = {
                "stage": "277CA",
                "transaction_set_control_number": claim.envelope.set_control_number,
                "segment_id": None,
                "segment_position": None,
                "loop": None,
                "element": None,
                "code": None,
                "category": rejection.category,
                "status": rejection.status,
                "entity": rejection.entity,
                "message": rejection.message,
            }
            memory.reject(
                payer_id, claim.patient_control_number, "277CA",
                rejection.category, rejection.status, rejection.entity,
            )  # fmt: skip
            claim_set.statuses.append(
                (
                    claim,
                    self.claim_status(
                        claim,
                        (rejection.category, rejection.status, rejection.entity),
                        None,
                        rejection.message,
                    ),
                )
            )
            return
        pay_day = self.at(self.profile.timing.remittance_835).date()
        later = pay_day + timedelta(days=self.profile.timing.reversal_after_835)
        plan_year = (claim.service_from or self.received).year
        member_key = (payer_id, claim.member_id, plan_year)
        payments: list[tuple[str, ClaimAdjudication, date]] = []
        replaced = decision.replaces
        if replaced is not None:
            assert replaced.payment is not None
            payments.append(("reversal_of_replaced", negate(replaced.payment), pay_day))
            memory.add_to_member(
                (payer_id, replaced.member_id, replaced.plan_year),
                -replaced.deductible,
                -replaced.out_of_pocket,
            )
            replaced.payment = None
            record["replaces"] = {
                "payer_claim_number": replaced.payer_claim_number,
                "patient_control_number": replaced.patient_control_number,
            }
        if decision.void:
            assert replaced is not None
            record["outcome"] = "voided"
            record["payer_claim_number"] = replaced.payer_claim_number
            self.place(claim, record, payments, rule)
            record["acknowledged_on"] = self.at(self.profile.timing.ack_277ca).date()
            claim_set.statuses.append(
                (
                    claim,
                    self.claim_status(claim, ("A2", "20", None), replaced.payer_claim_number, None),
                )
            )
            return
        start = starting_totals(payer, member_key, self.seed)
        before = start.plus(*_totals(memory.accumulator(member_key)))
        after = before
        number = self.new_payer_claim_number(claim, "icn")
        own: list[tuple[str, ClaimAdjudication, date]] = []
        if decision.denial is not None:
            own.append(("original", deny_claim(claim, payer, decision.denial, number), pay_day))
        elif claim.responsibility not in ("P", "U") and claim.prior_payer is not None:
            own.append(
                ("original", price_secondary(claim, payer, claim.prior_payer, number), pay_day)
            )
        elif decision.reversal_percent is not None:
            first, _ = price_primary(
                claim,
                payer,
                before,
                number,
                underpayment_percent=decision.reversal_percent,
                denied_lines=decision.denied_lines,
            )
            corrected_number = self.new_payer_claim_number(claim, "corrected icn")
            corrected, after = price_primary(
                claim, payer, before, corrected_number, denied_lines=decision.denied_lines
            )
            own += [
                ("original", first, pay_day),
                ("reversal", negate(first), later),
                ("corrected", corrected, later),
            ]
        else:
            payment, after = price_primary(
                claim,
                payer,
                before,
                number,
                underpayment_percent=decision.underpayment_percent,
                denied_lines=decision.denied_lines,
            )
            own.append(("original", payment, pay_day))
        if decision.crossover:
            role, payment, day = own[-1]
            next_payer = claim.next_payer
            if payment.status != "4" and next_payer is not None:
                target = (
                    next_payer.payer_id,
                    profile.payer_name(next_payer.payer_id, next_payer.name),
                )
                own[-1] = (
                    role,
                    replace(
                        payment,
                        status="19",
                        crossover_to=target,
                        claim_remarks=(*payment.claim_remarks, "MA18"),
                    ),
                    day,
                )
                record["crossover_to"] = {"payer_id": target[0], "name": target[1]}
        for _, payment, _ in own:
            payment.check()
        standing = own[-1][1]
        memory.add_to_member(
            member_key,
            after.deductible_met - before.deductible_met,
            after.out_of_pocket_met - before.out_of_pocket_met,
        )
        record["outcome"] = _outcome(standing)
        record["payer_claim_number"] = standing.payer_claim_number
        record["acknowledged_on"] = self.at(self.profile.timing.ack_277ca).date()
        record["net"] = net_dict(p for _, p, _ in own)
        record["accumulators"] = {
            "plan_year": plan_year,
            "deductible": format_money(after.deductible_met - before.deductible_met),
            "out_of_pocket": format_money(after.out_of_pocket_met - before.out_of_pocket_met),
        }
        refs = self.place(claim, record, payments + own, rule)
        known = KnownClaim(
            payer_id=payer_id,
            patient_control_number=claim.patient_control_number,
            payer_claim_number=standing.payer_claim_number,
            member_id=claim.member_id,
            plan_year=plan_year,
            charge=claim.charge,
            service_from=claim.service_from,
            service_to=claim.service_to,
            outcome="denied_duplicate" if "duplicate" in decision.behaviours else record["outcome"],
            payment=standing,
            deductible=after.deductible_met - before.deductible_met,
            out_of_pocket=after.out_of_pocket_met - before.out_of_pocket_met,
            acknowledged_on=record["acknowledged_on"],
        )
        memory.remember(known)
        self.standing.append((known, refs[-1]))
        claim_set.statuses.append(
            (claim, self.claim_status(claim, ("A2", "20", None), number, None))
        )

    def place(
        self,
        claim: SubmittedClaim,
        record: dict[str, Any],
        payments: list[tuple[str, ClaimAdjudication, date]],
        rule: Any,
    ) -> list[dict[str, Any]]:
        """Queue each payment for its check; its truth's remittance is filled in then."""
        refs = []
        for role, payment, day in payments:
            ref: dict[str, Any] = {}
            record["payments"].append(payment_dict(payment, role, ref))
            self.placements.append(Placement(claim, payment, day, self.received, rule, ref))
            refs.append(ref)
        return refs

    def claim_status(
        self,
        claim: SubmittedClaim,
        status: tuple[str, str, str | None],
        payer_claim_number: str | None,
        message: str | None,
    ) -> ClaimStatus:
        return ClaimStatus(
            patient_control_number=claim.patient_control_number,
            charge=claim.charge,
            patient_last_name=claim.patient.last_name,
            patient_first_name=claim.patient.first_name,
            member_id=claim.member_id or "UNKNOWN",
            statuses=(status,),
            service_from=claim.service_from or self.received,
            service_to=claim.service_to,
            payer_claim_number=payer_claim_number,
            bill_type=claim.bill_type,
            message=message,
        )

    def acknowledge_claims(self) -> None:
        """One 277CA file per 837 file: one 277CA set per accepted 837 set."""
        due = self.at(self.profile.timing.ack_277ca)
        by_file: dict[str, list[_Set]] = {}
        for claim_set in self.sets:
            if claim_set.statuses:
                by_file.setdefault(claim_set.read.name, []).append(claim_set)
        clearinghouse = self.profile.clearinghouse
        for file_name, sets in by_file.items():
            acks = []
            for claim_set in sets:
                envelope = claim_set.claims[0].envelope
                providers: dict[str, list[ClaimStatus]] = {}
                names: dict[str, tuple[str, str | None]] = {}
                for claim, status in claim_set.statuses:
                    npi = claim.billing_provider.npi or "0000000000"
                    providers.setdefault(npi, []).append(status)
                    billing = claim.billing_provider
                    names[npi] = (
                        billing.organization_name
                        or " ".join(filter(None, (billing.first_name, billing.last_name)))
                        or "PROVIDER",
                        billing.tax_id,
                    )
                acks.append(
                    ClaimAcknowledgment(
                        source_name=clearinghouse.name,
                        source_id=envelope.receiver_id or clearinghouse.id,
                        receiver_name=envelope.submitter_name,
                        receiver_id=envelope.submitter_id,
                        batch_reference=envelope.reference,
                        received_date=self.received,
                        processed_date=due.date(),
                        providers=tuple(
                            ProviderClaims(names[npi][0], npi, tuple(statuses), names[npi][1])
                            for npi, statuses in providers.items()
                        ),
                        reference=draws.digits(
                            9,
                            self.seed,
                            self.batch_key,
                            file_name,
                            envelope.set_control_number,
                            "277ca",
                        ),
                    )
                )
            first = sets[0].claims[0].envelope
            name = self.name(f"{file_name}.277ca")
            text = write_277ca(
                acks,
                sender=first.answer_sender,
                receiver=first.answer_receiver,
                created_at=due,
                numbers=self.numbers(name),
                usage=first.usage,
            )
            self.emit(name, text, "277CA", due, file_name)

    def remit(self) -> None:
        if not self.placements:
            return
        days = {p.payment_date for p in self.placements}
        created = {
            day: self.received_at + timedelta(days=(day - self.received).days) for day in days
        }
        files = build_remittances(
            self.placements,
            profile=self.profile,
            seed=self.seed,
            batch_key=self.batch_key,
            memory=self.memory,
            created_at=created,
            numbers_for=self.numbers,
        )
        sources: dict[str, list[str]] = {}
        for placement in self.placements:
            sources.setdefault(placement.remittance_ref["file"], []).append(
                placement.claim.envelope.file_name
            )
        for remit in files:
            self.names.add(remit.name)
            origin = sources.get(remit.name, [""])
            self.emit(remit.name, remit.text, "835", created[remit.payment_date], origin[0])
            for source in dict.fromkeys(origin):
                record = self.file_records.get(source)
                if record is not None and remit.name not in record["answers"]:
                    record["answers"].append(remit.name)
            self.out.truth += remit.truth
        for known, ref in self.standing:
            known.paid_on = ref.get("payment_date")
            known.trace_number = ref.get("trace_number")
            known.payment_method = ref.get("payment_method")

    # -- 270 and 276 -----------------------------------------------------------------------

    def answer_inquiry(self, read: ReadFile, parsed: ParsedTransaction) -> None:
        interchange = parsed.envelope.group.interchange
        sender, receiver = parties_of(interchange)
        envelope = envelope_of(read.name, parsed.envelope, parsed.model)
        if parsed.envelope.id == "270":
            due = self.at(self.profile.timing.eligibility_271)
            name = self.name(f"{read.name}.271")
            text, truth = answer_270(
                parsed, file_name=read.name, answer_name=name, reference=envelope.reference,
                sender=sender, receiver=receiver, usage=envelope.usage, profile=self.profile,
                seed=self.seed, memory=self.memory, created_at=due, numbers=self.numbers(name),
            )  # fmt: skip
            kind = "271"
        else:
            due = self.at(self.profile.timing.status_277)
            name = self.name(f"{read.name}.277")
            text, truth = answer_276(
                parsed, file_name=read.name, answer_name=name, reference=envelope.reference,
                sender=sender, receiver=receiver, usage=envelope.usage, profile=self.profile,
                memory=self.memory, created_at=due, numbers=self.numbers(name),
                fallback_receiver=Submitter(envelope.submitter_name, envelope.submitter_id, "", ""),
            )  # fmt: skip
            kind = "277"
        if text:
            self.emit(name, text, kind, due, read.name)
            self.out.truth += truth
        else:
            self.names.discard(name)
