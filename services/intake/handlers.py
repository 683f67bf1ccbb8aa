"""Intake command handlers: a command becomes `claim.created`, appended with its idempotency row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.intake import domain, idempotency, references
from services.intake.commands import SubmitClaim
from shared.events.registry import to_envelope
from shared.eventstore.interface import ConcurrencyError
from shared.eventstore.sql import SqlEventStore
from shared.ids import is_printable


class IdempotencyKeyReused(ValueError):
    """The Idempotency-Key was already used for a different request body."""

    field = "Idempotency-Key"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used with a different request body; "
            "use a new key for a new claim"
        )


class InvalidIdempotencyKey(ValueError):
    field = "Idempotency-Key"


class ClientReferenceInUse(ValueError):
    """The organization already used this client reference for another claim."""

    field = "client_reference"

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"this client_reference already identifies claim {claim_id}")
        self.claim_id = claim_id


class ClaimAlreadyExists(ValueError):
    def __init__(self, claim_id: str) -> None:
        super().__init__(f"claim {claim_id!r} already exists")
        self.claim_id = claim_id


@dataclass(frozen=True)
class SubmitResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False

    @property
    def claim_id(self) -> str:
        return str(self.body["claim_id"])


@dataclass
class IntakeDeps:
    """What the handlers need, wired by bootstrap (real or test doubles)."""

    engine: Engine
    store: SqlEventStore
    clock: Callable[[], datetime]
    new_claim_id: Callable[[], str]
    producer: str = "intake"


def claim_links(claim_id: str, account_id: str) -> dict[str, str]:
    """Links that resolve as given: each id is one percent-encoded path segment."""
    return {
        "self": f"/v1/claims/{quote(claim_id, safe='')}",
        "account": f"/v1/accounts/{quote(account_id, safe=':')}",
    }


def submit_claim(command: SubmitClaim, deps: IntakeDeps) -> SubmitResult:
    """Create the claim (or replay the first answer to the same Idempotency-Key)."""
    key = command.idempotency_key
    if key is not None:
        if not key.strip() or len(key) > idempotency.MAX_KEY_LENGTH or not is_printable(key):
            raise InvalidIdempotencyKey(
                f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} printable characters"
            )
        if command.request_fingerprint is None:
            raise ValueError("a keyed submission needs the request fingerprint")
    try:
        return _submit(command, deps)
    except IntegrityError:
        # A concurrent request with the same key (or client reference) committed first: our
        # append rolled back with our rows; answer as that first request did.
        with deps.engine.connect() as conn:
            stored = idempotency.find(conn, command.organization_id, key) if key else None
            taken = (
                references.find(conn, command.organization_id, command.client_reference)
                if command.client_reference
                else None
            )
        if stored is not None:
            return _replay(stored, command)
        if taken is not None:
            raise ClientReferenceInUse(taken[0]) from None
        raise


def _replay(stored: idempotency.StoredResponse, command: SubmitClaim) -> SubmitResult:
    if stored.request_fingerprint != command.request_fingerprint:
        raise IdempotencyKeyReused()
    return SubmitResult(stored.status_code, stored.body, replayed=True)


def _submit(command: SubmitClaim, deps: IntakeDeps) -> SubmitResult:
    key = command.idempotency_key
    with deps.engine.begin() as conn:
        if key is not None:
            stored = idempotency.find(conn, command.organization_id, key)
            if stored is not None:
                return _replay(stored, command)
        reference = command.client_reference
        if reference is not None:
            taken = references.find(conn, command.organization_id, reference)
            if taken is not None:
                raise ClientReferenceInUse(taken[0])
        # Always ours: an id a client chose could collide with another organization's claim
        # and a 409 would then tell it that claim exists.
        claim_id = deps.new_claim_id()
        event = domain.create_claim(
            command.claim,
            claim_id=claim_id,
            organization_id=command.organization_id,
            source=command.source,
        )
        now = deps.clock()
        envelope = to_envelope(
            event,
            stream_version=1,
            occurred_at=now,
            organization_id=command.organization_id,
            producer=deps.producer,
            correlation_id=command.correlation_id,
        )
        try:
            deps.store.append_in(conn, claim_id, 0, [envelope])
        except ConcurrencyError as exc:
            raise ClaimAlreadyExists(claim_id) from exc
        if reference is not None:
            references.save(
                conn,
                organization_id=command.organization_id,
                reference=reference,
                claim_id=claim_id,
                account_id=event.account_id,
                at=now,
            )
        body: dict[str, Any] = {
            "claim_id": claim_id,
            "client_reference": reference,
            "account_id": event.account_id,
            "status": "created",
            "event_id": str(envelope.event_id),
            "links": claim_links(claim_id, event.account_id),
        }
        if key is not None:
            assert command.request_fingerprint is not None
            idempotency.save(
                conn,
                organization_id=command.organization_id,
                key=key,
                request_fingerprint=command.request_fingerprint,
                status_code=201,
                body=body,
                claim_id=claim_id,
                at=now,
            )
    return SubmitResult(201, body)
