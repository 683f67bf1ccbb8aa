"""Stand-in producers for follow-up tests: append claim lifecycle events as their owners would.

Follow-up reads what intake, claims and remit append; until their real flows run in a
test, these helpers append the same event types, as the owning producer, on the dates a
scenario needs (envelope `occurred_at`), so queues, balances and KPIs can be checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from shared.claim_model import Claim
from shared.events.base import Event
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import (
    AckKind,
    ClaimAccepted,
    ClaimCreated,
    ClaimRejected,
    ClaimScrubFailed,
    ClaimSubmitted,
    RejectionReason,
    ScrubFinding,
)
from shared.events.patient_account import patient_account_id
from shared.events.registry import registry, to_envelope
from shared.events.remittance import (
    AdjustmentGroup,
    ClaimAdjustment,
    ClaimDenied,
    ClaimPaid,
    ClaimPartiallyPaid,
    ClaimReversed,
    ClaimUnderpaid,
)
from shared.eventstore.interface import EventStore


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class StandIns:
    """Appends events to a store as their owning service, keeping each stream's version."""

    def __init__(
        self,
        store: EventStore,
        organization_id: str,
        settle: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.org = organization_id
        self.submissions = 0
        # Called after claim.created: processes that answer it (claims' readiness) run before
        # the scenario's next event, as they would in the real flow.
        self.settle = settle

    def append(self, event: Event, day: date, hour: int = 9) -> None:
        stream = event.stream_id
        version = len(self.store.load(stream))
        envelope = to_envelope(
            event,
            stream_version=version + 1,
            occurred_at=at(day, hour),
            organization_id=self.org,
            producer=registry.owner(event.event_type).value,
        )
        self.store.append(stream, version, [envelope])

    # -- intake and claims ------------------------------------------------------------------

    def created(self, claim_id: str, claim: Claim, day: date) -> None:
        self.append(
            ClaimCreated(
                claim_id=claim_id,
                account_id=patient_account_id(self.org, claim.patient_control_number),
                organization_id=self.org,
                claim=snapshot_v1(claim),
            ),
            day,
        )
        if self.settle is not None:
            self.settle()

    def scrub_failed(self, claim_id: str, day: date, code: str = "NPI_CHECK_DIGIT") -> None:
        self.append(
            ClaimScrubFailed(
                claim_id=claim_id,
                findings=(ScrubFinding(code=code, message="billing NPI fails the Luhn check"),),
            ),
            day,
        )

    def submitted(self, claim_id: str, payer_id: str, charge: Decimal, day: date) -> None:
        self.submissions += 1
        self.append(
            ClaimSubmitted(
                claim_id=claim_id,
                payer_id=payer_id,
                batch_id=f"bat-{self.submissions:05d}",
                interchange_control_number=f"{self.submissions:09d}",
                total_charge=charge,
            ),
            day,
        )

    def rejected(self, claim_id: str, day: date, code: str = "A7:21", text: str = "bad id") -> None:
        self.append(
            ClaimRejected(
                claim_id=claim_id,
                ack_kind=AckKind.X12_277CA,
                reasons=(RejectionReason(code=code, description=text),),
            ),
            day,
        )

    def accepted(self, claim_id: str, day: date, payer_claim_number: str | None = None) -> None:
        self.append(ClaimAccepted(claim_id=claim_id, payer_claim_number=payer_claim_number), day)

    # -- remit ------------------------------------------------------------------------------

    def adjudicated(
        self,
        kind: str,
        claim_id: str,
        *,
        payer_id: str,
        charge: Decimal,
        paid: Decimal,
        adjustments: Sequence[tuple[str, str, Decimal] | tuple[str, str, Decimal, int | None]],
        paid_on: date,
        remarks: Sequence[str] = (),
        denial_category: str | None = None,
        remittance_id: str = "rmt-1",
        payer_claim_number: str = "PCN1",
        status: str = "1",
    ) -> None:
        cas = tuple(
            ClaimAdjustment(
                group=AdjustmentGroup(a[0]),
                reason_code=a[1],
                amount=a[2],
                line_number=a[3] if len(a) > 3 else None,  # type: ignore[misc]
            )
            for a in adjustments
        )
        patient = sum(
            (a.amount for a in cas if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY),
            Decimal("0.00"),
        )
        common: dict[str, Any] = dict(
            claim_id=claim_id,
            remittance_id=remittance_id,
            payer_id=payer_id,
            payer_claim_number=payer_claim_number,
            claim_status_code=status,
            charge_amount=charge,
            paid_amount=paid,
            patient_responsibility=patient,
            adjustments=cas,
            remark_codes=tuple(remarks),
            paid_on=paid_on,
        )
        model: Event
        if kind == "paid":
            model = ClaimPaid(**common)
        elif kind == "partially_paid":
            model = ClaimPartiallyPaid(**common)
        else:
            model = ClaimDenied(**common, denial_category=denial_category or "other")
        self.append(model, paid_on)

    def underpaid(self, claim_id: str, expected: Decimal, paid: Decimal, day: date) -> None:
        self.append(
            ClaimUnderpaid(
                claim_id=claim_id,
                remittance_id="rmt-1",
                expected_amount=expected,
                paid_amount=paid,
                shortfall=expected - paid,
            ),
            day,
        )

    def reversed(
        self,
        claim_id: str,
        *,
        paid: Decimal,
        patient: Decimal,
        adjustments: Sequence[tuple[str, str, Decimal]],
        day: date,
        payer_claim_number: str = "PCN1",
    ) -> None:
        self.append(
            ClaimReversed(
                claim_id=claim_id,
                remittance_id="rmt-2",
                payer_claim_number=payer_claim_number,
                reversed_paid_amount=paid,
                reversed_patient_responsibility=patient,
                reversed_adjustments=tuple(
                    ClaimAdjustment(group=AdjustmentGroup(g), reason_code=c, amount=a)
                    for g, c, a in adjustments
                ),
                reversed_on=day,
            ),
            day,
        )
