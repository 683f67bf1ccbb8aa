"""Every event type has exactly one producing service, as DESIGN.md says (streams and owners)."""

from __future__ import annotations

from typing import ClassVar

import pytest

from services.claims.domain import TRACKED_EVENT_TYPES
from services.claims.processes import READY_TRIGGERS
from services.followup.projections import PROJECTIONS
from shared.config import REPO_ROOT
from shared.events.base import Event
from shared.events.claims import ClaimClosed, ClaimReady
from shared.events.ownership import (
    CONSUMES,
    STREAM_KINDS,
    NoStreamKindError,
    Service,
    consumers_of,
    stream_kind_of,
)
from shared.events.registry import EventRegistry, registry

# DESIGN.md, "Streams and who writes them": the owners of the claim stream's types. DESIGN
# gives intake "corrected before submission" and claims "corrected": one type cannot have
# two owners, so intake's is `claim.amended` and `claim.corrected` (frequency 7) is claims'.
DESIGN_OWNERS = {
    Service.INTAKE: {
        "created",
        "scrub_failed",
        "eligibility_requested",
        "eligibility_verified",
        "eligibility_failed",  # the failed variant of eligibility_verified (issue 11 point 5)
        "amended",
    },
    Service.CLAIMS: {
        "ready",
        "submitted",
        "acknowledged",
        "rejected",
        "accepted",
        "corrected",
        "voided",
        "secondary_created",
        # "timely-filing and status-inquiry events"
        "timely_filing_at_risk",
        "timely_filing_passed",
        "status_requested",
        "status_received",
        # the secondary claim's own first event, and a crossover that needs no secondary claim
        "secondary_opened",
        "crossed_over",
    },
    Service.REMIT: {"paid", "partially_paid", "denied", "reversed", "underpaid"},
    Service.FOLLOWUP: {
        "appealed",
        "appeal_decided",
        "written_off",
        "closed",
        "patient_payment_applied",
        "follow_up_due",
    },
}
# ... and of the other streams.
DESIGN_STREAM_OWNERS = {
    "remittance": Service.REMIT,
    "claim batch": Service.CLAIMS,
    "deposit": Service.REMIT,
    "deposit follow-up": Service.FOLLOWUP,  # the sweep's unmatched-deposit flag (issue 14)
    "patient account": Service.FOLLOWUP,
    "work item": Service.FOLLOWUP,
    "appeal": Service.FOLLOWUP,
    "visit": Service.INTAKE,  # HL7 v2 visits (issue 11 point 4)
}


def test_every_claim_event_type_is_owned_by_the_service_design_names() -> None:
    claim_types = {t for t in registry.event_types() if t.startswith("claim.")}
    declared = {f"claim.{name}": owner for owner, names in DESIGN_OWNERS.items() for name in names}
    assert claim_types == set(declared)
    assert {t: registry.owner(t) for t in claim_types} == declared


def test_every_other_stream_kind_has_its_one_owner_and_its_types_follow_it() -> None:
    kinds = {k.name: k.owner for k in STREAM_KINDS}
    assert kinds == {"claim": None, **DESIGN_STREAM_OWNERS}
    for event_type in registry.event_types():
        kind = stream_kind_of(event_type)
        if kind.owner is not None:
            assert registry.owner(event_type) is kind.owner, event_type
    assert registry.owner("remittance.received") is Service.REMIT
    assert registry.owner("patient_account.payment_received") is Service.FOLLOWUP
    with pytest.raises(NoStreamKindError, match="payroll.run"):
        stream_kind_of("payroll.run")


def test_every_version_of_a_type_has_the_same_owner() -> None:
    for model in registry.models():
        assert model.owner is registry.owner(model.event_type), model


def test_a_model_without_an_owner_cannot_be_registered() -> None:
    class ClaimTeleported(Event):
        event_type: ClassVar[str] = "claim.teleported"
        event_version: ClassVar[int] = 1
        claim_id: str

    with pytest.raises(ValueError, match="declares no owner"):
        EventRegistry().register(ClaimTeleported)


def test_a_second_version_cannot_change_the_owner() -> None:
    class ClaimClosedV2(ClaimClosed):
        event_version: ClassVar[int] = 2
        owner: ClassVar[Service] = Service.CLAIMS

    reg = EventRegistry()
    reg.register(ClaimClosed)
    with pytest.raises(ValueError, match="owned by 'claims' but v1 by 'followup'"):
        reg.register(ClaimClosedV2)


def test_a_type_on_a_single_owner_stream_cannot_claim_another_owner() -> None:
    class StatementVoided(Event):
        event_type: ClassVar[str] = "patient_account.statement_voided"
        event_version: ClassVar[int] = 1
        owner: ClassVar[Service] = Service.REMIT
        stream_field: ClassVar[str] = "account_id"
        account_id: str

    with pytest.raises(ValueError, match="only 'followup' writes"):
        EventRegistry().register(StatementVoided)


def test_consumers_name_only_registered_types() -> None:
    known = set(registry.event_types())
    for service, types in CONSUMES.items():
        assert types is None or types <= known, (service, sorted((types or set()) - known))
    assert set(CONSUMES) == set(Service)


def test_every_subscription_in_the_code_is_a_declared_consumer() -> None:
    followup = {t for p in PROJECTIONS.values() for t in p.event_types}
    assert all(Service.FOLLOWUP in consumers_of(t) for t in followup)
    claims = TRACKED_EVENT_TYPES | READY_TRIGGERS
    # An aggregate also folds its own service's types; those are not listed as consumed.
    undeclared = {
        t
        for t in claims
        if Service.CLAIMS not in consumers_of(t) and registry.owner(t) is not Service.CLAIMS
    }
    assert undeclared == set()
    assert ClaimReady.event_type in TRACKED_EVENT_TYPES


def test_the_owners_page_names_the_producer_and_consumers_of_every_type() -> None:
    page = (REPO_ROOT / "docs" / "events" / "owners.md").read_text()
    rows = {
        cells[0].strip("` "): cells
        for line in page.splitlines()
        if line.startswith("| `")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for event_type in registry.event_types():
        _, _, _, producer, consumers, _ = rows[event_type]
        assert producer == registry.owner(event_type).value
        assert consumers == ", ".join(s.value for s in consumers_of(event_type))


def test_revcycle_events_list_shows_each_types_producer() -> None:
    from typer.testing import CliRunner

    from revcycle.commands.events import app

    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    lines = {
        line.split()[0] + " " + line.split()[1]: line.split() for line in result.output.splitlines()
    }
    assert lines["claim.ready v1"][2] == "claims"
    assert lines["claim.paid v1"][2] == "remit"
    assert lines["claim.created v1"][2] == "intake"
