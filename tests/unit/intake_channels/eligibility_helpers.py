"""Helpers of the eligibility tests: claims on the store as intake appends them, the simulator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from channel_helpers import ORG  # type: ignore[import-not-found]

from revcycle.embedded import Embedded
from shared.claim_model import Claim
from shared.events.base import Event
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated, ClaimEligibilityRequested
from shared.events.patient_account import patient_account_id
from shared.events.registry import decode, to_envelopes
from shared.ingest import IngestContext, IngestOutcome
from simulator.profile import PROFILE_DIR, Profile, parse_profile
from simulator.respond import respond
from testsupport.claims import professional_claim

AS_OF = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
INACTIVE_MEMBER = "INACTIVE0001"
UNKNOWN_MEMBER = "NOBODY00001"


def claim_for(member_id: str = "XKZ480019203", pcn: str = "PCN-ELIG-1") -> Claim:
    claim = professional_claim(patient_control_number=pcn)
    subscriber = claim.subscriber.model_copy(update={"member_id": member_id})
    return claim.model_copy(update={"subscriber": subscriber})


def append(embedded: Embedded, claim_id: str, *events: Event) -> None:
    """Events on the claim's stream as intake appends them (producer intake)."""
    current = len(embedded.store.load(claim_id))
    envelopes = to_envelopes(
        events,
        expected_version=current,
        occurred_at=embedded.clock(),
        organization_id=ORG,
        producer="intake",
    )
    embedded.store.append(claim_id, current, envelopes)


def create_requiring_eligibility(embedded: Embedded, claim_id: str, claim: Claim) -> None:
    """`claim.created` + `claim.eligibility_requested`, one append (intake's decision)."""
    stamped = claim.model_copy(update={"claim_id": claim_id, "organization_id": ORG})
    append(
        embedded,
        claim_id,
        ClaimCreated(
            claim_id=claim_id,
            account_id=patient_account_id(ORG, claim.patient_control_number),
            organization_id=ORG,
            claim=snapshot_v1(stamped),
        ),
        ClaimEligibilityRequested(
            claim_id=claim_id,
            payer_id=claim.payer.payer_id,
            member_id=claim.subscriber.member_id,
            service_date=claim.first_service_date,
        ),
    )


def events_of(embedded: Embedded, claim_id: str) -> list[Event]:
    return [decode(e) for e in embedded.store.load(claim_id)]


def types_of(embedded: Embedded, claim_id: str) -> list[str]:
    return [e.type for e in embedded.store.load(claim_id)]


def profile() -> Profile:
    """The clean profile; payer 87726 knows one inactive member and not one other."""
    data: dict[str, Any] = yaml.safe_load((PROFILE_DIR / "clean.yaml").read_text())
    for payer in data["payers"]:
        if payer["payer_id"] == "87726":
            payer["eligibility"] = {
                "inactive_members": [INACTIVE_MEMBER],
                "unknown_members": [UNKNOWN_MEMBER],
            }
    data["rules"] = []
    return parse_profile(yaml.safe_dump(data), "clean+eligibility")


def payer_answers(outbound: Path, answers: Path) -> list[Path]:
    """The simulated payer answers every 270 in `outbound` with 271s in `answers`."""
    result = respond(outbound, answers, profile=profile(), seed=1, as_of=AS_OF)
    return [path for path in result.answers if path.name.endswith(".271")]


def ingest(embedded: Embedded, path: Path) -> IngestOutcome:
    from revcycle.commands.ingest import ROUTES, _function

    function = _function(ROUTES["271"])  # the function `revcycle ingest` routes a 271 to
    assert function is not None, "revcycle ingest has no function for 271"
    context = IngestContext(organization_id=ORG, submitted_by="tests", services=embedded)
    outcome: IngestOutcome = function(path, context)
    return outcome
