"""Claims command handlers: one per command, each a unit of work (load, decide, append, retried).

Handlers return a domain result; routes and commands turn it into their answer. A refused
command raises a `DomainError` (the rule, the state and the command named) and appends
nothing; a claim of another organization (or none) is `ClaimNotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.claims.commands import Correct, MarkReady, Void
from services.claims.domain import CLAIM, ClaimState, ClaimStatus, replacement_for
from shared.events.claim_snapshot import Frequency
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2, snapshot_v2
from shared.events.envelope import EventEnvelope
from shared.kernel import CommandResult, DomainError, OrganizationMismatch, UnitOfWork

if TYPE_CHECKING:
    from services.claims.deps import ClaimsDeps
    from shared.claim_model import Claim as LiveClaim
    from shared.scrubber.engine import ScrubResult
    from shared.scrubber.model import Edit


class ClaimNotFound(LookupError):
    """No such claim for this organization (another organization's looks the same)."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"claim {claim_id!r} not found")
        self.claim_id = claim_id


class CorrectionRefused(ValueError):
    """The corrected claim contradicts what the service decides, or the scrubber holds it.

    `field` names the request field at fault; `findings` are the scrubber's errors (the
    corrected claim is not sent until they are fixed). Nothing was appended.
    """

    def __init__(self, field: str, message: str, findings: tuple[Edit, ...] = ()) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.findings = findings


def mark_ready(
    uow: UnitOfWork, claim_id: str, *, cause: EventEnvelope | None = None
) -> CommandResult[ClaimState]:
    """Mark a clean claim ready for submission (`claim.ready`); refuses a held or ready one."""
    with uow:
        return uow.run(CLAIM, claim_id, MarkReady(), cause=cause)


def _load(deps: ClaimsDeps, claim_id: str, organization_id: str) -> ClaimState:
    envelopes = deps.store.load(claim_id)
    if not envelopes or envelopes[0].organization_id != organization_id:
        raise ClaimNotFound(claim_id)
    state = CLAIM.fold_envelopes(claim_id, envelopes)
    if state.status is ClaimStatus.NOT_CREATED:
        raise ClaimNotFound(claim_id)
    return state


@dataclass(frozen=True)
class Corrected:
    result: CommandResult[ClaimState]
    claim: ClaimSnapshotV2
    warnings: tuple[Edit, ...]


def correct_claim(
    deps: ClaimsDeps, claim_id: str, organization_id: str, claim: LiveClaim, reason: str
) -> Corrected:
    """Re-scrub a corrected claim and, once clean, record it (`claim.corrected`) to be resent.

    The service decides how it goes out: a replacement (frequency 7, REF*F8 the payer's
    claim number) when the payer had accepted the claim, a new original (1) when it had
    not (a front-end rejection). A frequency or payer claim number the request gives that
    says otherwise is refused, naming the field; so is a claim the scrubber holds.
    """
    state = _load(deps, claim_id, organization_id)
    if claim.organization_id is not None and claim.organization_id != organization_id:
        raise CorrectionRefused(
            "claim.organization_id", "does not match the organization of the caller"
        )
    if claim.claim_id is not None and claim.claim_id != claim_id:
        raise CorrectionRefused("claim.claim_id", "names another claim than the path")
    stamped = claim.model_copy(update={"claim_id": claim_id, "organization_id": organization_id})
    wanted = replacement_for(state, snapshot_v2(stamped))
    given = claim.model_fields_set
    if "frequency" in given and claim.frequency.value != wanted.frequency.value:
        raise CorrectionRefused(
            "claim.frequency",
            f"this correction goes out with frequency {wanted.frequency.value} "
            + (
                "(a replacement: the payer accepted the claim)"
                if wanted.frequency is Frequency.REPLACEMENT
                else "(a new original: the payer never accepted the claim)"
            ),
        )
    # A null is the client leaving it to the service (a claim read back and sent whole).
    if (
        claim.original_payer_claim_number is not None
        and claim.original_payer_claim_number != wanted.original_payer_claim_number
    ):
        raise CorrectionRefused(
            "claim.original_payer_claim_number",
            "is the payer's claim number of the claim replaced, which the service fills in"
            if wanted.original_payer_claim_number
            else "must be absent: the payer never accepted the claim",
        )
    scrubbed = _scrub(deps, wanted)
    errors = tuple(e for e in scrubbed.edits if e.holds)
    if errors:
        raise CorrectionRefused(
            "claim", "the scrubber holds the corrected claim; fix the findings", errors
        )
    content = snapshot_v2(scrubbed.claim)
    with deps.uow() as uow:
        result = uow.run(CLAIM, claim_id, Correct(content, reason), organization_id=organization_id)
    warnings = tuple(e for e in scrubbed.edits if not e.holds)
    return Corrected(result, content, warnings)


def _scrub(deps: ClaimsDeps, snapshot: ClaimSnapshotV2) -> ScrubResult:
    from shared.events.claim_snapshot_v2 import claim_from_snapshot_v2 as claim_from_snapshot
    from shared.scrubber import scrub_claim

    return scrub_claim(claim_from_snapshot(snapshot), deps.scrub_context(deps.clock().date()))


def void_claim(
    deps: ClaimsDeps, claim_id: str, organization_id: str, reason: str
) -> CommandResult[ClaimState]:
    """Void the claim (`claim.voided`): a frequency-8 claim follows if the payer has it."""
    try:
        with deps.uow() as uow:
            return uow.run(CLAIM, claim_id, Void(reason), organization_id=organization_id)
    except OrganizationMismatch:
        raise ClaimNotFound(claim_id) from None
    except DomainError:
        if not deps.store.load(claim_id):
            raise ClaimNotFound(claim_id) from None
        raise
