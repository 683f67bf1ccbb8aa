"""Registry from (type, version) to event model, upcasters, and envelope encode/decode."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from shared.events import (
    appeals,
    claim_batches,
    claims,
    deposit,
    eligibility,
    followup_claims,
    followup_deposits,
    patient_account,
    remittance,
    visits,
    work_items,
)
from shared.events.base import (
    Event,
    EventDataError,
    UnknownEventTypeError,
    UnknownEventVersionError,
)
from shared.events.envelope import EventEnvelope
from shared.events.ownership import Service, stream_kind_of

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventRegistry:
    """Knows every published (type, version) model and how to lift old versions to the latest."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        # type -> its versions, ascending: read on every decode and envelope, so kept ready.
        self._versions: dict[str, list[int]] = {}

    def register(self, model: type[Event]) -> type[Event]:
        key = (model.event_type, model.event_version)
        if key in self._models and self._models[key] is not model:
            raise ValueError(f"{key[0]} v{key[1]} is already registered to {self._models[key]}")
        _check_owner(model, [m for (t, _), m in self._models.items() if t == model.event_type])
        self._models[key] = model
        self._versions[model.event_type] = sorted(
            v for (t, v) in self._models if t == model.event_type
        )
        return model

    def owner(self, event_type: str) -> Service:
        """The one service that may append `event_type` (declared on its model)."""
        return self.latest(event_type).owner

    def register_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        """`upcaster` turns the data of `from_version` into the data of `from_version + 1`."""
        self._upcasters[(event_type, from_version)] = upcaster

    def models(self) -> list[type[Event]]:
        """Every registered model, old versions included, sorted by (type, version)."""
        return [self._models[k] for k in sorted(self._models)]

    def versions(self, event_type: str) -> list[int]:
        return list(self._versions.get(event_type, ()))

    def latest(self, event_type: str) -> type[Event]:
        versions = self.versions(event_type)
        if not versions:
            raise UnknownEventTypeError(event_type)
        return self._models[(event_type, versions[-1])]

    def event_types(self) -> list[str]:
        return sorted({t for (t, _) in self._models})

    def decode(self, envelope: EventEnvelope) -> Event:
        """The envelope's data as the latest model of its type, upcasting older versions."""
        return self.decode_data(envelope.type, envelope.version, envelope.data)

    def decode_data(self, event_type: str, version: int, data: dict[str, Any]) -> Event:
        known = self.versions(event_type)
        if not known:
            raise UnknownEventTypeError(event_type)
        if version not in known:
            raise UnknownEventVersionError(event_type, version, known)
        latest = known[-1]
        current = data
        for v in range(version, latest):
            upcaster = self._upcasters.get((event_type, v))
            if upcaster is None:
                raise EventDataError(event_type, version, f"no upcaster from v{v} to v{v + 1}")
            try:
                current = upcaster(current)
            except (KeyError, TypeError, ValueError) as exc:
                raise EventDataError(event_type, version, f"upcasting v{v}: {exc!r}") from exc
        try:
            return self._models[(event_type, latest)].model_validate(current)
        except ValidationError as exc:
            # Field paths and messages only: input values may be patient data.
            detail = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()
            )
            raise EventDataError(event_type, version, detail) from None


def _check_owner(model: type[Event], other_versions: list[type[Event]]) -> None:
    """Exactly one producing service per type, and the one its stream kind allows."""
    owner = getattr(model, "owner", None)
    if not isinstance(owner, Service):
        raise ValueError(
            f"{model.__name__} ({model.event_type}) declares no owner: set "
            "`owner: ClassVar[Service]` beside its fields"
        )
    kind = stream_kind_of(model.event_type)
    if kind.owner is not None and kind.owner is not owner:
        raise ValueError(
            f"{model.event_type} is on a {kind.name} stream, which only {kind.owner.value!r} "
            f"writes; its model says {owner.value!r}"
        )
    for other in other_versions:
        if other.owner is not owner:
            raise ValueError(
                f"{model.event_type} v{model.event_version} is owned by {owner.value!r} but "
                f"v{other.event_version} by {other.owner.value!r}: a type has one owner"
            )


registry = EventRegistry()

for _model in (
    claims.ClaimCreatedV1,
    claims.ClaimCreatedV2,
    claims.ClaimCreated,
    claims.ClaimScrubFailed,
    claims.ClaimEligibilityRequested,
    claims.ClaimEligibilityVerified,
    claims.ClaimAmendedV1,
    claims.ClaimAmended,
    claims.ClaimReady,
    claims.ClaimSubmittedV1,
    claims.ClaimSubmitted,
    claims.ClaimAcknowledgedV1,
    claims.ClaimAcknowledged,
    claims.ClaimRejectedV1,
    claims.ClaimRejected,
    claims.ClaimAcceptedV1,
    claims.ClaimAccepted,
    claims.ClaimAppealed,
    claims.ClaimAppealDecided,
    claims.ClaimCorrectedV1,
    claims.ClaimCorrected,
    claims.ClaimVoided,
    claims.ClaimSecondaryCreated,
    claims.ClaimSecondaryOpened,
    claims.ClaimCrossedOver,
    claims.ClaimTimelyFilingAtRisk,
    claims.ClaimTimelyFilingPassed,
    claims.ClaimStatusRequested,
    claims.ClaimStatusReceived,
    claims.ClaimWrittenOff,
    claims.ClaimClosed,
    remittance.ClaimPaidV1,
    remittance.ClaimPaid,
    remittance.ClaimPartiallyPaidV1,
    remittance.ClaimPartiallyPaid,
    remittance.ClaimDeniedV1,
    remittance.ClaimDenied,
    remittance.ClaimReversedV1,
    remittance.ClaimReversed,
    remittance.ClaimUnderpaidV1,
    remittance.ClaimUnderpaid,
    remittance.RemittanceReceivedV1,
    remittance.RemittanceReceived,
    patient_account.StatementIssuedV1,
    remittance.RemittanceClaimUnmatched,
    remittance.RemittanceClaimMatched,
    remittance.RemittancePosted,
    deposit.DepositReceived,
    deposit.DepositMatched,
    followup_deposits.DepositFollowUpDue,
    patient_account.StatementIssued,
    patient_account.PaymentReceivedV1,
    patient_account.PaymentReceived,
    claim_batches.ClaimBatchPrepared,
    claim_batches.ClaimBatchSent,
    # follow-up: claim stream additions, work items, appeals
    followup_claims.ClaimPatientPaymentApplied,
    followup_claims.ClaimFollowUpDue,
    work_items.WorkItemOpened,
    work_items.WorkItemClaimed,
    work_items.WorkItemAssigned,
    work_items.WorkItemNoted,
    work_items.WorkItemSnoozed,
    work_items.WorkItemResolved,
    work_items.WorkItemClosed,
    appeals.AppealFiled,
    appeals.AppealDecided,
    visits.VisitUpdated,
    visits.VisitChargePosted,
    visits.VisitChargeReversed,
    visits.VisitDischarged,
    visits.VisitBilled,
    eligibility.ClaimEligibilityVerifiedV2,
    eligibility.ClaimEligibilityFailed,
):
    registry.register(_model)
registry.register_upcaster("claim.created", 1, claims.upcast_claim_created_v1_v2)
registry.register_upcaster("claim.submitted", 1, claims.upcast_claim_submitted_v1_v2)
registry.register_upcaster("claim.acknowledged", 1, claims.upcast_claim_acknowledged_v1_v2)
registry.register_upcaster("claim.rejected", 1, claims.upcast_claim_rejected_v1_v2)
registry.register_upcaster("claim.accepted", 1, claims.upcast_claim_accepted_v1_v2)
for _type, _upcaster in remittance.UPCASTERS.items():
    registry.register_upcaster(_type, 1, _upcaster)
registry.register_upcaster("claim.created", 2, claims.upcast_claim_created_v2_v3)
registry.register_upcaster("claim.amended", 1, claims.upcast_claim_amended_v1_v2)
registry.register_upcaster("claim.corrected", 1, claims.upcast_claim_corrected_v1_v2)
registry.register_upcaster(
    "patient_account.statement_issued", 1, patient_account.upcast_statement_issued_v1_v2
)
registry.register_upcaster(
    "patient_account.payment_received", 1, patient_account.upcast_payment_received_v1_v2
)
registry.register_upcaster(
    "claim.eligibility_verified", 1, eligibility.upcast_eligibility_verified_v1_v2
)


def decode(envelope: EventEnvelope) -> Event:
    """The typed event inside an envelope (latest version of its type)."""
    return registry.decode(envelope)


def to_envelope(
    event: Event,
    *,
    stream_version: int,
    occurred_at: datetime,
    organization_id: str,
    producer: str,
    event_id: UUID | None = None,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
    submitted_by: str | None = None,
) -> EventEnvelope:
    """Wrap a typed event for appending; the stream id comes from the event itself."""
    known = registry.versions(event.event_type)
    if not known:
        raise UnknownEventTypeError(event.event_type)
    if event.event_version not in known:
        raise UnknownEventVersionError(event.event_type, event.event_version, known)
    return EventEnvelope(
        event_id=event_id or uuid4(),
        type=event.event_type,
        version=event.event_version,
        stream_id=event.stream_id,
        stream_version=stream_version,
        occurred_at=occurred_at,
        correlation_id=correlation_id,
        causation_id=causation_id,
        producer=producer,
        organization_id=organization_id,
        submitted_by=submitted_by,
        data=event.model_dump(mode="json"),
    )


def to_envelopes(
    events: Sequence[Event] | Iterable[Event],
    *,
    expected_version: int,
    occurred_at: datetime,
    organization_id: str,
    producer: str,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
    submitted_by: str | None = None,
) -> list[EventEnvelope]:
    """Envelopes for a batch on one stream, numbered expected_version + 1, + 2, ..."""
    envelopes = [
        to_envelope(
            event,
            stream_version=expected_version + i,
            occurred_at=occurred_at,
            organization_id=organization_id,
            producer=producer,
            correlation_id=correlation_id,
            causation_id=causation_id,
            submitted_by=submitted_by,
        )
        for i, event in enumerate(events, start=1)
    ]
    streams = {e.stream_id for e in envelopes}
    if len(streams) > 1:
        raise ValueError(f"one append goes to one stream, got {len(streams)} streams")
    return envelopes
