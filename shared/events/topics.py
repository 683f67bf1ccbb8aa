"""Kafka topics, each declared once with its key, value type and the events it carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.envelope import EventEnvelope


class DeadLetter(BaseModel):
    """Value of the dead-letter topic: a message a consumer could not decode or handle."""

    model_config = ConfigDict(frozen=True)

    source_topic: str
    partition: int
    offset: int
    key: str | None = Field(description="The original key (a stream id), UTF-8")
    value: str = Field(description="The original value as UTF-8 (invalid bytes replaced)")
    consumer_group: str
    handler: str | None = Field(default=None, description="The handler that failed, if any")
    error_type: str = Field(description="Exception class, e.g. 'EventDataError'")
    error: str = Field(description="Error message; never contains patient data values")
    failed_at: AwareDatetime

    @classmethod
    def of(
        cls,
        *,
        source_topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        consumer_group: str,
        error: BaseException,
        failed_at: datetime,
        handler: str | None = None,
    ) -> DeadLetter:
        return cls(
            source_topic=source_topic,
            partition=partition,
            offset=offset,
            key=key.decode("utf-8", "replace") if key is not None else None,
            value=(value or b"").decode("utf-8", "replace"),
            consumer_group=consumer_group,
            handler=handler,
            error_type=type(error).__name__,
            error=str(error),
            failed_at=failed_at,
        )


@dataclass(frozen=True)
class Topic:
    """A topic's contract: name, what the key is, what each value is."""

    name: str
    value_type: type[BaseModel]
    key: str
    description: str
    event_prefixes: tuple[str, ...] = ()

    def carries(self, event_type: str) -> bool:
        return any(event_type.startswith(prefix) for prefix in self.event_prefixes)


CLAIM_EVENTS = Topic(
    name="revcycle.claim-events.v1",
    value_type=EventEnvelope,
    key="claim id (the envelope's stream_id)",
    description="Claim lifecycle events (claim.*), all of one claim in order on one partition.",
    event_prefixes=("claim.",),
)
PATIENT_ACCOUNT_EVENTS = Topic(
    name="revcycle.patient-account-events.v1",
    value_type=EventEnvelope,
    key="patient account id (organization_id:patient_control_number, the stream_id)",
    description="Patient account events (patient_account.*): statements and patient payments.",
    event_prefixes=("patient_account.",),
)
REMITTANCE_EVENTS = Topic(
    name="revcycle.remittance-events.v1",
    value_type=EventEnvelope,
    key="remittance id (the stream_id)",
    description="Remittance-level events (remittance.*): 835 payments and PLB adjustments.",
    event_prefixes=("remittance.",),
)
WORK_QUEUE = Topic(
    name="revcycle.work-queue.v1",
    value_type=EventEnvelope,
    key="work item id (the stream_id)",
    description=(
        "Follow-up work items (work_item.*): opened and closed by the queue rules, claimed, "
        "assigned, noted, snoozed and resolved by people and outside vendors' programs "
        "(who answer through POST /v1/work-items/{id}/...). docs/queues.md."
    ),
    event_prefixes=("work_item.",),
)
APPEAL_EVENTS = Topic(
    name="revcycle.appeal-events.v1",
    value_type=EventEnvelope,
    key="appeal id (the stream_id)",
    description="Appeals (appeal.*): filed with their deadline and letter template, decided.",
    event_prefixes=("appeal.",),
)
CLAIM_BATCH_EVENTS = Topic(
    name="revcycle.claim-batch-events.v1",
    value_type=EventEnvelope,
    key="batch id (the stream_id)",
    description=(
        "Claim batch events (claim_batch.*): each 837 or 276 file the claims service sends, "
        "prepared then sent."
    ),
    event_prefixes=("claim_batch.",),
)
DEPOSIT_EVENTS = Topic(
    name="revcycle.deposit-events.v1",
    value_type=EventEnvelope,
    key="deposit id (the stream_id)",
    description=(
        "Deposit events (deposit.*): money at the bank, reassociated with 835s; and "
        "follow-up's deposit_follow_up.* (a deposit no 835 matched in time)."
    ),
    event_prefixes=("deposit.", "deposit_follow_up."),
)
VISIT_EVENTS = Topic(
    name="revcycle.visit-events.v1",
    value_type=EventEnvelope,
    key="visit id (the stream_id)",
    description=(
        "Hospital visits fed over HL7 v2 (visit.*): updates, charges, reversals, discharge, "
        "billing; all of one visit in order on one partition."
    ),
    event_prefixes=("visit.",),
)
REPORTING_EVENTS = Topic(
    name="revcycle.reporting-events.v1",
    value_type=EventEnvelope,
    key="the stream_id, pseudonymised for patient accounts",
    description=(
        "Every event, de-identified by shared.events.deidentify: no names, birth dates, member "
        "ids, addresses or account numbers. Data is the event's JSON minus those keys, so it "
        "does not validate against the full event model. Safe Harbor by default (dates as "
        "years with day offsets, ages over 89 grouped); a limited data set with "
        "REPORTING_MODE=limited. Subscribers: docs/reporting.md."
    ),
    event_prefixes=(),
)
DEAD_LETTER = Topic(
    name="revcycle.dead-letter.v1",
    value_type=DeadLetter,
    key="the original message's key",
    description="Messages a consumer could not decode or handle, with the error.",
)

# Kafka headers of every dead letter (UTF-8 strings), so tools that only read headers see
# what failed and where the original is. The consumer runtime sets exactly these
# (`shared.messaging.consumer.DEAD_LETTER_HEADERS`); AsyncAPI and docs/events list them.
DEAD_LETTER_HEADERS: dict[str, str] = {
    "dlq.error": (
        "Why it failed: 'ExceptionClass: message' (at most 2,000 characters; names fields, "
        "never patient data values)"
    ),
    "dlq.original.topic": "Topic of the original message",
    "dlq.original.partition": "Partition of the original message (decimal integer)",
    "dlq.original.offset": "Offset of the original message in that partition (decimal integer)",
    "dlq.consumer": "Who gave up on it: '<consumer group>/<projection name>'",
}

ALL_TOPICS: tuple[Topic, ...] = (
    CLAIM_EVENTS,
    PATIENT_ACCOUNT_EVENTS,
    REMITTANCE_EVENTS,
    WORK_QUEUE,
    APPEAL_EVENTS,
    CLAIM_BATCH_EVENTS,
    DEPOSIT_EVENTS,
    VISIT_EVENTS,
    REPORTING_EVENTS,
    DEAD_LETTER,
)
EVENT_TOPICS: tuple[Topic, ...] = (
    CLAIM_EVENTS,
    PATIENT_ACCOUNT_EVENTS,
    REMITTANCE_EVENTS,
    WORK_QUEUE,
    APPEAL_EVENTS,
    CLAIM_BATCH_EVENTS,
    DEPOSIT_EVENTS,
    VISIT_EVENTS,
)


class NoTopicError(ValueError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"no topic carries event type {event_type!r}")


def topic_for(event_type: str) -> Topic:
    """The topic an event of this type is published to (by its context prefix)."""
    for topic in EVENT_TOPICS:
        if topic.carries(event_type):
            return topic
    raise NoTopicError(event_type)
