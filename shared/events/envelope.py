"""The event envelope: identity, stream position, provenance and the typed payload."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventEnvelope(BaseModel):
    """One event as stored, published and consumed.

    `data` holds the JSON form of the typed payload model registered for (type, version);
    `shared.events.registry` turns it back into that model (upcasting old versions).
    """

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    type: str = Field(description="Past-tense name, e.g. 'claim.created'")
    version: int = Field(ge=1)
    stream_id: str = Field(description="The claim id (or account id); the Kafka key")
    stream_version: int = Field(ge=1, description="1-based position within the stream")
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime | None = None
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    producer: str
    organization_id: str
    submitted_by: str | None = Field(
        default=None,
        max_length=200,
        description=(
            "Who asked for it: the subject of the bearer token (a person or a program) whose "
            "request or file appended the event; None for a service's own reaction to an "
            "event and for events recorded before this field existed"
        ),
    )
    data: dict[str, Any]
    position: int | None = Field(
        default=None,
        description="Global position in the store it was read from; None before append",
    )

    def recorded(self, at: datetime, position: int) -> EventEnvelope:
        return self.model_copy(update={"recorded_at": at, "position": position})
