"""Apply one HL7 v2 message (or a bill-hold release) through the kernel, and answer with an ACK.

`Hl7Channel.handle(text)` never raises: whatever happens, the sender gets an ACK (AA, or
AE/AR with ERR). A message is applied in one transaction: its visit events (through the
kernel's unit of work, retried on a concurrent append) and the row that remembers its
MSH-10 with the ACK it got, so the same message sent again is answered the same and
applied once. A discharge (A03) bills the visit: the claim is created through intake's
handler (`services.intake.channel_claims`) under an idempotency key derived from the visit,
then `visit.billed` is appended with the message's events; if that transaction fails, the
message is answered AE and, sent again, finds the same claim rather than making another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import uuid4

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from services.intake.bootstrap import IntakeDeps
from services.intake.channel_claims import CreatedClaim, create_channel_claim
from services.intake.hl7 import tables
from services.intake.hl7.ack import ACCEPT, ERROR, REJECT, build_ack
from services.intake.hl7.message import (
    DATA_TYPE_ERROR,
    INTERNAL_ERROR,
    REQUIRED_FIELD_MISSING,
    Header,
    Hl7Message,
    Hl7Problem,
    Hl7Refused,
    parse_message,
)
from services.intake.hl7.visit import (
    VISIT,
    ApplyMessage,
    Bill,
    NotBillable,
    VisitRefused,
    VisitState,
    claim_for_visit,
    kind_of,
)
from services.intake.idempotency import fingerprint
from shared.claim_model import Claim
from shared.events.claim_snapshot import Provider
from shared.events.claims import ClaimChannel
from shared.kernel import DomainError, KernelError, UnitOfWork
from shared.logsafe import describe_error

log = logging.getLogger(__name__)

HL7_CLAIM_SOURCE = ClaimChannel.HL7V2
"""claim.created v2 names no HL7 source; intake's next version of the event does
(ClaimChannel.HL7V2), and this becomes it. The visit stream says where the claim came from."""


@dataclass(frozen=True)
class Released:
    visit_id: str
    claim_id: str | None
    problem: str | None = None


@dataclass
class Hl7Channel:
    deps: IntakeDeps
    organization_id: str
    billing: Provider | None = None
    ack_ids: Callable[[], str] = field(default=lambda: uuid4().hex[:20])

    @property
    def uow(self) -> UnitOfWork:
        """A fresh unit of work: one per command, so connections' threads never share one."""
        return UnitOfWork(self.deps.store, producer="intake", clock=self.deps.clock)

    # --- messages -------------------------------------------------------------------------

    def handle(self, text: str) -> str:
        """The ACK for one message (applied at most once per sender and MSH-10)."""
        header: Header | None = None
        try:
            message = parse_message(text)
            header = message.header
            return self._apply(message)
        except Hl7Refused as refused:
            code = REJECT if refused.reject else ERROR
            return self._ack(code, header or _header_of(text), refused.problems)
        except Exception as exc:  # noqa: BLE001 - the sender always gets an answer
            log.error("HL7 message not applied: %s", describe_error(exc))
            problem = Hl7Problem(
                "MSH",
                1,
                10,
                INTERNAL_ERROR,
                "the message could not be applied now; send it again later",
            )
            return self._ack(ERROR, header or _header_of(text), [problem])

    def _ack(self, code: str, header: Header | None, problems: Sequence[Hl7Problem] = ()) -> str:
        return build_ack(
            code=code,
            control_id=header.control_id if header else "",
            now=self.deps.clock(),
            ack_control_id=self.ack_ids(),
            sending_application=header.sending_application if header else "",
            sending_facility=header.sending_facility if header else "",
            trigger=header.trigger if header else "",
            version=header.version if header else "2.5.1",
            processing_id=header.processing_id if header else "P",
            problems=problems,
        )

    def _apply(self, message: Hl7Message) -> str:
        header = message.header
        engine = self.deps.engine
        with engine.connect() as conn:
            answered = tables.applied_ack(
                conn, self.organization_id, header.sender, header.control_id
            )
        if answered is not None:
            return answered
        visit_id = tables.visit_id_for(
            engine, self.organization_id, message.details.patient_control_number
        )
        command = ApplyMessage(
            trigger=header.trigger,
            control_id=header.control_id,
            details=message.details,
            charges=message.charges,
            discharge=message.discharge,
        )
        try:
            bill = self._bill_on_discharge(visit_id, command)
            ack = self._ack(ACCEPT, header)
            with self.uow as uow:
                result = uow.run(VISIT, visit_id, command, organization_id=self.organization_id)
                if bill is not None:
                    result = uow.run(VISIT, visit_id, bill, organization_id=self.organization_id)
                _record(uow, result.state)
                tables.record_message(
                    uow.transaction,
                    organization_id=self.organization_id,
                    sender=header.sender,
                    control_id=header.control_id,
                    visit_id=visit_id,
                    ack=ack,
                    at=self.deps.clock(),
                )
            return ack
        except VisitRefused as refused:
            problem = Hl7Problem(
                refused.segment, refused.sequence, refused.field, refused.code, str(refused)
            )
            return self._ack(ERROR, header, [problem])
        except NotBillable as missing:
            problem = Hl7Problem(
                missing.segment,
                1,
                missing.field,
                REQUIRED_FIELD_MISSING,
                f"the visit cannot be billed on discharge: {missing.reason}",
            )
            return self._ack(ERROR, header, [problem])
        except ClaimInvalid as invalid:
            return self._ack(ERROR, header, invalid.problems)
        except IntegrityError:
            # The same message, applied by another connection first: answer as it was answered.
            with engine.connect() as conn:
                answered = tables.applied_ack(
                    conn, self.organization_id, header.sender, header.control_id
                )
            if answered is None:
                raise
            return answered

    def _bill_on_discharge(self, visit_id: str, command: ApplyMessage) -> Bill | None:
        """On A03: create the claim of the visit as the message leaves it; the Bill command."""
        if command.discharge is None:
            return None
        with self.uow as uow:
            loaded = uow.load(VISIT, visit_id)
            now = uow.clock()
        state = VISIT.fold(visit_id, VISIT.decide(loaded.state, command, now), loaded.state)
        if state.billed_claim_id is not None:
            return None
        return self._bill(state, "discharge")

    def _bill(self, state: VisitState, reason: str) -> Bill:
        claim = _claim(state, self.billing)
        created: CreatedClaim = create_channel_claim(
            self.deps,
            claim,
            organization_id=self.organization_id,
            submitted_by="hl7",
            source=HL7_CLAIM_SOURCE,
            # One claim per visit: a retry after a failure finds the claim made the first time.
            idempotency_key=f"hl7-visit:{state.visit_id}",
            request_fingerprint=fingerprint(state.visit_id),
        )
        return Bill(created.claim_id, kind_of(state), reason, claim.total_charge)

    # --- bill hold ------------------------------------------------------------------------

    def release_held(
        self,
        today: date,
        hold_days: int,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> list[Released]:
        """Bill every unbilled visit whose last charge's service date is `hold_days` old."""
        with self.deps.engine.connect() as conn:
            held = tables.held_visits(conn, self.organization_id, today - timedelta(days=hold_days))
        released: list[Released] = []
        for done, visit_id in enumerate(held, 1):
            released.append(self._release(visit_id))
            progress(done, len(held))
        return released

    def _release(self, visit_id: str) -> Released:
        try:
            with self.uow as uow:
                state = uow.load(VISIT, visit_id).state
            if state.billed_claim_id is not None:
                return Released(visit_id, state.billed_claim_id)
            bill = self._bill(state, "bill_hold")
            with self.uow as uow:
                result = uow.run(VISIT, visit_id, bill, organization_id=self.organization_id)
                _record(uow, result.state)
            return Released(visit_id, bill.claim_id)
        except (NotBillable, ClaimInvalid, DomainError, KernelError) as exc:
            return Released(visit_id, None, str(exc))


class ClaimInvalid(ValueError):
    """The visit's claim breaks a bound of the claim model (e.g. too long for its element)."""

    def __init__(self, problems: list[Hl7Problem]) -> None:
        super().__init__("; ".join(p.reason for p in problems))
        self.problems = problems


def _claim(state: VisitState, billing: Provider | None) -> Claim:
    try:
        return claim_for_visit(state, billing)
    except ValidationError as exc:
        raise ClaimInvalid(
            [
                Hl7Problem(
                    "PV1",
                    1,
                    19,
                    DATA_TYPE_ERROR,
                    f"the visit's claim: {'.'.join(map(str, e['loc']))}: {e['msg']}",
                )
                for e in exc.errors(include_input=False)
            ]
        ) from None


def _record(uow: UnitOfWork, state: VisitState) -> None:
    active = state.active_charges
    tables.record_visit(
        uow.transaction,
        state.visit_id,
        last_service_date=max((c.service_date for c in active), default=None),
        open_charges=len(active),
        claim_id=state.billed_claim_id,
    )


def _header_of(text: str) -> Header | None:
    """The MSH of a message that could not be read whole, for addressing the ACK."""
    for line in text.replace("\n", "\r").split("\r"):
        if line.startswith("MSH") and len(line) > 8:
            return _header_fields(line.split(line[3]), line[4])
    return None


def _header_fields(fields: list[str], component: str) -> Header:
    def get(n: int) -> str:
        # fields[0] is "MSH" and MSH-1 is the separator itself: MSH-n is fields[n - 1].
        return fields[n - 1] if len(fields) >= n else ""

    kind = get(9).split(component)
    trigger = kind[1] if len(kind) > 1 else ""
    return Header(get(3), get(4), kind[0], trigger, get(10), get(11) or "P", get(12) or "2.5.1")
