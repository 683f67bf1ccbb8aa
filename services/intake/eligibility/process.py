"""The automatic check: on `claim.eligibility_requested`, ask the payer (or the cache).

Intake appends `claim.eligibility_requested` with a new or amended claim whose payer's
configuration asks for eligibility; this process, run by the subscription runtime in the
transaction that records its tracking row, starts the check (`checks.start_check`). The
trace number and the 270's creation time come from the event, so a redelivery after a
crash writes the same file under the same name (the adapter takes it as already sent) and
the inquiry row's unique trace number keeps it to one check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.intake.eligibility.checks import start_check
from services.intake.eligibility.config import EligibilitySettings
from services.intake.eligibility.domain import CLAIM_ELIGIBILITY
from services.intake.eligibility.tables import eligibility_metadata
from shared.events.claims import ClaimEligibilityRequested
from shared.events.envelope import EventEnvelope
from shared.eventstore.interface import EventStore
from shared.exchange.folder import FolderClearinghouse
from shared.exchange.interface import ClearinghouseAdapter
from shared.kernel import UnitOfWork
from shared.messaging.process import Process, with_unit_of_work

PROCESS_NAME = "intake.eligibility"


def trace_for(envelope: EventEnvelope) -> str:
    """TRN02 of the 270 asked for by this event: its id, so a redelivery asks the same."""
    return envelope.event_id.hex


def folder_adapter(settings: EligibilitySettings) -> ClearinghouseAdapter:
    return FolderClearinghouse(settings.outbound_dir, settings.inbound_dir)


def eligibility_process(
    store: EventStore,
    clock: Callable[[], datetime],
    settings: EligibilitySettings,
    adapter: Callable[[], ClearinghouseAdapter] | None = None,
) -> Process:
    """The `intake.eligibility` process (embedded runner and Kafka worker alike)."""
    uow = UnitOfWork(store, producer="intake", clock=clock)
    connect = adapter or (lambda: folder_adapter(settings))

    def check_requested(bound: UnitOfWork, envelope: EventEnvelope) -> None:
        loaded = bound.load(CLAIM_ELIGIBILITY, envelope.stream_id)
        claim = loaded.state.claim
        if claim is None:  # a request for a stream with no content: nothing to ask about
            return
        start_check(
            bound,
            claim_id=envelope.stream_id,
            claim=claim,
            organization_id=envelope.organization_id,
            trace_number=trace_for(envelope),
            created_at=envelope.occurred_at,
            settings=settings,
            adapter=connect(),
            cause=envelope,
        )

    handler = with_unit_of_work(uow.bound, check_requested)
    return Process(
        PROCESS_NAME, {ClaimEligibilityRequested.event_type: handler}, eligibility_metadata
    )
