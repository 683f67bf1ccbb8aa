"""Intake command handlers: a few lines each on the kernel's unit of work.

The entry point every channel calls (the JSON API, 837 batches, FHIR, HL7 v2):

    create_claim(uow, CreateClaim(claim, organization_id, submitted_by, source,
                                  client_reference=None, source_reference=None,
                                  duplicate_key=None),
                 policy) -> ClaimCreatedResult

- `uow`: a `UnitOfWork` on the SQL event store, producer "intake" (`deps.unit_of_work()`),
  or one bound to the caller's open transaction (`uow.bound(conn)`: e.g. an HL7 listener
  that records the message control id in the same commit). Entering it commits at the end
  unless bound; any exception rolls everything back.
- `policy`: `IntakePolicy` (`deps.policy`): which organizations intake serves, each one's
  scrubber judge, and the claim id generator.
- Returns what happened, for the caller to turn into its own answer (HTTP, 999, ACK,
  OperationOutcome): the claim id and account, `status` "created", "held" (with the
  findings) or "duplicate" (nothing appended; `claim_id` is the claim that has the key),
  the findings (warnings too), whether eligibility was requested, the recorded envelopes.
- Raises `UnknownOrganization` (the caller's organization is not served: 403),
  `IntakeRejected` (the claim contradicts the caller: 422 naming the field),
  `ClientReferenceInUse` (409). Nothing is appended when it raises.

`amend_claim(uow, AmendClaim(...), policy) -> ClaimAmendedResult` replaces the content of
a claim not yet submitted (`ClaimNotFound`, `ClaimNotAmendable`, `OrganizationMismatch`).
Idempotency keys are not the handlers' business: the API edge decides whether a request
is new (`services.intake.idempotency`), then calls these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy.engine import Connection

from services.intake import duplicates, references
from services.intake.commands import AmendClaim, CreateClaim
from services.intake.domain import INTAKE_CLAIM, Accept, Amend
from services.intake.scrubbing import ClaimJudges, Judge, Verdict
from shared.claim_model import Claim
from shared.events.claims import ClaimEligibilityRequested, ClaimScrubFailed, ScrubFinding
from shared.events.envelope import EventEnvelope
from shared.events.patient_account import patient_account_id
from shared.kernel import UnitOfWork


def new_claim_id() -> str:
    # Random, not sequential: ids reveal nothing about volumes and never collide across nodes.
    return f"clm_{uuid4().hex}"


class UnknownOrganization(PermissionError):
    """The caller's organization is not one intake serves (INTAKE_CONFIG_PATH organizations)."""

    def __init__(self, organization_id: str) -> None:
        super().__init__(
            f"organization {organization_id!r} is not served by this deployment's intake: "
            "ask its operator to add it to the intake configuration (organizations in "
            "INTAKE_CONFIG_PATH, or INTAKE_ORGANIZATIONS)"
        )
        self.organization_id = organization_id


class ClientReferenceInUse(ValueError):
    """The organization already used this client reference for another claim."""

    field = "client_reference"

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"this client_reference already identifies claim {claim_id}")
        self.claim_id = claim_id


@dataclass(frozen=True)
class IntakePolicy:
    """What the handlers need besides the unit of work: judges per organization, claim ids."""

    judges: ClaimJudges
    new_claim_id: Callable[[], str] = new_claim_id

    def serves(self, organization_id: str) -> bool:
        return self.judges.config.serves(organization_id)


@dataclass(frozen=True)
class ClaimCreatedResult:
    claim_id: str
    account_id: str
    status: Literal["created", "held", "duplicate"]
    findings: tuple[ScrubFinding, ...] = ()
    eligibility_requested: bool = False
    client_reference: str | None = None
    recorded: tuple[EventEnvelope, ...] = ()
    """The envelopes appended, `claim.created` first (none for a duplicate)."""

    @property
    def event_id(self) -> UUID | None:
        """The id of the `claim.created` event (None for a duplicate)."""
        return self.recorded[0].event_id if self.recorded else None


@dataclass(frozen=True)
class ClaimAmendedResult:
    claim_id: str
    account_id: str
    status: Literal["amended", "held"]
    findings: tuple[ScrubFinding, ...] = ()
    eligibility_requested: bool = False
    recorded: tuple[EventEnvelope, ...] = ()

    @property
    def event_id(self) -> UUID:
        return self.recorded[0].event_id


def create_claim(
    uow: UnitOfWork[Connection], command: CreateClaim, policy: IntakePolicy
) -> ClaimCreatedResult:
    """Create the claim: scrubbed, appended with its reference and duplicate key (see above)."""
    organization = command.organization_id
    if not policy.serves(organization):
        raise UnknownOrganization(organization)
    claim_id = policy.new_claim_id()
    account = patient_account_id(organization, command.claim.patient_control_number)
    with uow:
        # When the rows were taken (the events carry their own time, from the same clock).
        at = uow.clock() if command.duplicate_key or command.client_reference else None
        if command.duplicate_key is not None:
            assert at is not None
            existing = duplicates.reserve(
                uow.transaction,
                organization_id=organization,
                key=command.duplicate_key,
                claim_id=claim_id,
                batch_id=command.source_reference,
                at=at,
            )
            if existing is not None:
                return ClaimCreatedResult(existing, account, "duplicate")
        if command.client_reference is not None:
            assert at is not None
            taken = references.reserve(
                uow.transaction,
                organization_id=organization,
                reference=command.client_reference,
                claim_id=claim_id,
                account_id=account,
                at=at,
            )
            if taken is not None:
                raise ClientReferenceInUse(taken)
        judge = _Remembering(policy.judges.for_organization(organization))
        accept = Accept(
            claim=command.claim,
            organization_id=organization,
            judge=judge,
            source=command.source,
            source_reference=command.source_reference,
        )
        result = uow.run(
            INTAKE_CLAIM,
            claim_id,
            accept,
            organization_id=organization,
            submitted_by=command.submitted_by,
        )
    return ClaimCreatedResult(
        claim_id=claim_id,
        account_id=account,
        status="held" if _held(result.events) else "created",
        findings=judge.findings,
        eligibility_requested=_eligibility(result.events),
        client_reference=command.client_reference,
        recorded=result.recorded,
    )


def amend_claim(
    uow: UnitOfWork[Connection], command: AmendClaim, policy: IntakePolicy
) -> ClaimAmendedResult:
    """Replace a not yet submitted claim's content; scrubbed again like a new claim."""
    organization = command.organization_id
    if not policy.serves(organization):
        raise UnknownOrganization(organization)
    judge = _Remembering(policy.judges.for_organization(organization))
    amend = Amend(
        claim=command.claim, organization_id=organization, judge=judge, reason=command.reason
    )
    with uow:
        result = uow.run(
            INTAKE_CLAIM,
            command.claim_id,
            amend,
            organization_id=organization,
            submitted_by=command.submitted_by,
        )
    return ClaimAmendedResult(
        claim_id=command.claim_id,
        account_id=patient_account_id(organization, command.claim.patient_control_number),
        status="held" if _held(result.events) else "amended",
        findings=judge.findings,
        eligibility_requested=_eligibility(result.events),
        recorded=result.recorded,
    )


class _Remembering:
    """The organization's judge, remembering its last verdict's findings for the answer.

    A clean claim's warnings are not recorded as events (nothing follows its
    `claim.created`), but the caller is told them.
    """

    def __init__(self, judge: Judge) -> None:
        self._judge = judge
        self.findings: tuple[ScrubFinding, ...] = ()

    def __call__(self, claim: Claim, today: date) -> Verdict:
        verdict = self._judge(claim, today)
        self.findings = verdict.findings
        return verdict


def _held(events: tuple[object, ...]) -> bool:
    return any(isinstance(e, ClaimScrubFailed) for e in events)


def _eligibility(events: tuple[object, ...]) -> bool:
    return any(isinstance(e, ClaimEligibilityRequested) for e in events)
