"""A billing office's day for remit tests: claims through intake, stand-in submissions, 835s in.

`RemitWorld` is the embedded composition on a fresh database (SQLite file or a PostgreSQL
URL) with a fixed clock: `create(claim)` submits a claim through intake and settles (the
claims readiness process and every projection run), `submit(claim_id)` appends what the
claims service will append when it sends the claim (`claim.submitted`, then optionally
`claim.accepted` with the payer's claim number) as producer "claims", `ingest(text)` posts
an 835 as `revcycle ingest` does, `view(claim_id)` reads the claim view, `audit()` runs
the ledger audit (every scenario ends with it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from revcycle.embedded import Embedded, open_embedded
from services.followup.claim_view import ClaimView
from services.followup.queries import get_claim_view
from services.intake.commands import CreateClaim
from services.intake.handlers import create_claim
from services.remit.audit import LedgerAudit, audit_ledger
from services.remit.handlers import PostingReport, post_remittance_file
from shared.claim_model import Claim
from shared.config import BaseServiceSettings
from shared.events.claims import ClaimAccepted, ClaimSubmitted
from shared.events.envelope import EventEnvelope
from shared.events.registry import to_envelopes
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.x12_835_005010X221A1.writer import Remittance, write_835

ORG = "org-riverbend"
NOW = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
PAYER_PARTY = Party("SUNSHINEMUT")
PROVIDER_PARTY = Party("RIVERBEND01")


class Clock:
    """A clock tests move by hand (every event gets its reading)."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def x12_835(*remittances: Remittance, created_at: datetime = NOW, start: int = 0) -> str:
    """An 835 interchange (one transaction set per remittance), as a payer would send it."""
    return write_835(
        list(remittances),
        sender=PAYER_PARTY,
        receiver=PROVIDER_PARTY,
        created_at=created_at,
        numbers=InMemoryControlNumbers(start=start),
    )


class RemitWorld:
    """Every service on one database, driven the way a billing office's day goes."""

    def __init__(
        self,
        root: Path,
        *,
        database_url: str = "",
        organization_id: str = ORG,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.clock = Clock()
        self.organization_id = organization_id
        base = BaseServiceSettings(
            data_dir=root / "var",
            database_url=database_url,
            organization_id=organization_id,
            **(settings or {}),
        )
        self.embedded: Embedded = open_embedded(base, clock=self.clock)
        self.files = 0

    # -- claims ------------------------------------------------------------------------------

    def create(self, claim: Claim) -> str:
        """A claim through intake (created, scrubbed, made ready), projections settled."""
        intake = self.embedded.intake
        result = create_claim(
            intake.unit_of_work(),
            CreateClaim(claim=claim, organization_id=self.organization_id, submitted_by="tests"),
            intake.policy,
        )
        self.settle()
        return result.claim_id

    def append(self, claim_id: str, *events: Any, producer: str = "claims") -> None:
        """Stand-in events of another service on a claim's stream (as that producer)."""
        store = self.embedded.store
        version = store.stream_version(claim_id)
        store.append(
            claim_id,
            version,
            to_envelopes(
                events,
                expected_version=version,
                occurred_at=self.clock(),
                organization_id=self.organization_id,
                producer=producer,
            ),
        )

    def submit(self, claim_id: str, *, payer_claim_number: str | None = None) -> None:
        """What the claims service appends when it sends the claim (and its 277CA accepts it)."""
        claim = self.content(claim_id)
        self.append(
            claim_id,
            ClaimSubmitted(
                claim_id=claim_id,
                payer_id=claim.payer.payer_id,
                batch_id="bat_test",
                interchange_control_number="000000101",
                total_charge=claim.total_charge,
            ),
        )
        if payer_claim_number is not None:
            self.append(
                claim_id, ClaimAccepted(claim_id=claim_id, payer_claim_number=payer_claim_number)
            )
        self.settle()

    def create_submitted(self, claim: Claim, *, payer_claim_number: str | None = None) -> str:
        claim_id = self.create(claim)
        self.submit(claim_id, payer_claim_number=payer_claim_number)
        return claim_id

    def content(self, claim_id: str) -> Any:
        from shared.events.registry import decode

        first = self.embedded.store.load(claim_id)[0]
        return decode(first).claim  # type: ignore[attr-defined]

    # -- remittances -------------------------------------------------------------------------

    def write(self, text: str, name: str | None = None) -> Path:
        self.files += 1
        path = self.root / (name or f"remit-{self.files:03d}.835")
        path.write_text(text, encoding="ascii")
        return path

    def ingest(self, source: str | Path, *, name: str | None = None) -> PostingReport:
        """Post an 835 (text or a file) as `revcycle ingest` would, then settle."""
        path = source if isinstance(source, Path) else self.write(source, name)
        report = post_remittance_file(
            self.embedded.remit,
            path,
            organization_id=self.organization_id,
            submitted_by="tests",
            name=path.name,
        )
        self.settle()
        return report

    # -- reads -------------------------------------------------------------------------------

    def settle(self) -> None:
        self.embedded.runner.run_until_caught_up()

    def view(self, claim_id: str) -> ClaimView:
        with self.embedded.engine.connect() as conn:
            view = get_claim_view(conn, self.organization_id, claim_id)
        assert view is not None, f"no claim view for {claim_id}"
        return view

    def events(self, stream_id: str) -> list[EventEnvelope]:
        return self.embedded.store.load(stream_id)

    def types(self, stream_id: str) -> list[str]:
        return [e.type for e in self.events(stream_id)]

    def all_events(self, prefix: str = "") -> list[EventEnvelope]:
        """This world's organization's events (others may share the database)."""
        return [
            e
            for e in self.embedded.store.iter_all()
            if e.type.startswith(prefix) and e.organization_id == self.organization_id
        ]

    def audit(self) -> LedgerAudit:
        """The ledger audit over every event; fails the test naming the first difference."""
        result = audit_ledger(self.embedded.store, self.embedded.engine)
        assert result.ok, result.first_difference
        return result

    def close(self) -> None:
        self.embedded.close()


def temporary_world(**kwargs: Any) -> RemitWorld:
    return RemitWorld(Path(tempfile.mkdtemp(prefix="remit-world-")), **kwargs)


def claims_totals(views: Sequence[ClaimView]) -> dict[str, Any]:
    keys = ("charge", "paid", "adjustments", "patient_responsibility", "insurance_balance")
    return {k: sum(getattr(v.money, k) for v in views) for k in keys}
