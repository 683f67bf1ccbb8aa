"""Claims processes: reactions to other services' events, each run as a command in a unit of work.

Run by the subscription runtime with a unit of work bound to the transaction that also
records the process's tracking row, so a redelivered event appends nothing twice.

- readiness (`claims.readiness`): new, amended or corrected content, a secondary claim, or
  an eligibility answer -> `claim.ready` once the stream shows the claim clean (not held by
  the scrubber, no eligibility check pending, coverage not found inactive).
- next payer (`claims.next_payer`): the payer billed now adjudicated the claim (remit's
  `claim.paid`, `claim.partially_paid`, `claim.denied`) and left the patient a share while
  the claim names another payer -> `claim.secondary_created` on this claim and the
  secondary claim's own stream (`claim.secondary_opened`), or `claim.crossed_over` when
  the payer forwarded the claim itself (MA18).
"""

from __future__ import annotations

import logging

from services.claims.commands import BillNextPayer, OpenSecondary
from services.claims.domain import (
    CLAIM,
    ClaimState,
    ClaimStatus,
    crossover_reason,
    next_payer,
)
from services.claims.handlers import mark_ready
from services.claims.secondary import secondary_claim, secondary_claim_id
from shared.events.claims import (
    ClaimAmended,
    ClaimCorrected,
    ClaimCreated,
    ClaimEligibilityVerified,
    ClaimSecondaryOpened,
)
from shared.events.envelope import EventEnvelope
from shared.events.registry import decode
from shared.events.remittance import ClaimDenied, ClaimPaid, ClaimPartiallyPaid, ClaimPosting
from shared.kernel import CommandResult, DomainError, UnitOfWork
from shared.money import ZERO

log = logging.getLogger(__name__)

READY_TRIGGERS = frozenset(
    {
        ClaimCreated.event_type,
        ClaimAmended.event_type,
        ClaimCorrected.event_type,
        ClaimSecondaryOpened.event_type,
        ClaimEligibilityVerified.event_type,
    }
)
"""New or changed content, or an eligibility answer: once the stream shows it clean, ready."""

ADJUDICATION_TRIGGERS = frozenset(
    {ClaimPaid.event_type, ClaimPartiallyPaid.event_type, ClaimDenied.event_type}
)


def mark_clean_claim_ready(
    uow: UnitOfWork, envelope: EventEnvelope
) -> CommandResult[ClaimState] | None:
    """Mark the claim ready unless the stream shows a reason to wait.

    Intake appends `claim.scrub_failed` (and `claim.eligibility_requested`) in the same
    transaction as the content, so the stream loaded here already shows a held claim as
    held and an eligibility check as pending. A claim that is not in a state to be marked
    ready (held, waiting for eligibility, already ready or further on) returns None.
    """
    if envelope.type not in READY_TRIGGERS:
        return None
    try:
        return mark_ready(uow, envelope.stream_id, cause=envelope)
    except DomainError as refused:
        log.debug("claim %s not marked ready: %s", envelope.stream_id, refused.rule)
        return None


def bill_next_payer(uow: UnitOfWork, envelope: EventEnvelope) -> CommandResult[ClaimState] | None:
    """On an adjudication: the secondary claim (or the crossover), when there is a next payer."""
    if envelope.type not in ADJUDICATION_TRIGGERS:
        return None
    adjudication = decode(envelope)
    assert isinstance(adjudication, ClaimPosting)
    state = uow.load(CLAIM, envelope.stream_id).state
    if state.status is not ClaimStatus.ADJUDICATED or state.claim is None:
        return None
    if state.next_payers_billed:
        return None  # already billed or crossed over (a second 835 after a reversal)
    other = next_payer(state.claim)
    crossover = crossover_reason(adjudication)
    if other is None or (crossover is None and adjudication.patient_responsibility <= ZERO):
        return None  # nobody left to bill, or nothing left to bill them for
    responsibility = other.responsibility
    new_id = secondary_claim_id(state.claim_id, responsibility)
    claim = (
        None if crossover is not None else secondary_claim(state.claim, adjudication, other, new_id)
    )
    result = uow.run(
        CLAIM, state.claim_id, BillNextPayer(adjudication, new_id, claim), cause=envelope
    )
    if claim is not None:
        assert state.account_id is not None
        uow.run(
            CLAIM,
            new_id,
            OpenSecondary(
                primary_claim_id=state.claim_id,
                organization_id=envelope.organization_id,
                account_id=state.account_id,
                responsibility=responsibility,
                claim=claim,
                remittance_id=adjudication.remittance_id,
            ),
            organization_id=envelope.organization_id,
            cause=envelope,
        )
    return result
