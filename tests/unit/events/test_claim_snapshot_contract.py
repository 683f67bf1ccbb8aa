"""A new optional field on the live claim model (the API's) cannot change a published schema.

`claim.created` and `claim.corrected` carry `ClaimSnapshotV1`, a frozen copy defined with the
events; the API's `shared.claim_model.Claim` may grow. These tests grow it, in place, and
check that every published schema stays exactly as subscribers know it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, get_args

import pytest
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from shared import claim_model
from shared.claim_model import Claim
from shared.config import REPO_ROOT
from shared.events import schemas, to_envelope
from shared.events.base import Event
from shared.events.claim_snapshot import snapshot_v1
from shared.events.claims import ClaimCreated
from shared.events.ownership import Service
from shared.events.patient_account import patient_account_id
from shared.events.registry import registry
from testsupport.claims import professional_claim

DOCS = REPO_ROOT / "docs" / "events"
NEW_FIELD = "billing_note"


class EventWithTheLiveModel(Event):
    """What the snapshot prevents: an event carrying the live model (never registered)."""

    event_type: ClassVar[str] = "claim.created"
    event_version: ClassVar[int] = 99
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    claim: Claim


def _rebuild_all() -> None:
    for model in (*registry.models(), EventWithTheLiveModel):
        model.model_rebuild(force=True)


@pytest.fixture
def live_claim_grew() -> Iterator[None]:
    """The API engineer adds an optional field to the live claim (in place, then undone)."""
    Claim.__pydantic_fields__[NEW_FIELD] = FieldInfo.from_annotated_attribute(str | None, None)
    Claim.model_rebuild(force=True)
    _rebuild_all()
    try:
        yield
    finally:
        del Claim.__pydantic_fields__[NEW_FIELD]
        Claim.model_rebuild(force=True)
        _rebuild_all()


def test_a_new_optional_field_on_the_live_claim_changes_no_published_schema(
    live_claim_grew: None,
) -> None:
    assert NEW_FIELD in Claim.model_json_schema()["properties"]
    # The harness would notice: an event built on the live model did change.
    assert NEW_FIELD in str(EventWithTheLiveModel.model_json_schema())
    assert schemas.stale(DOCS) == []


def test_the_snapshot_ignores_the_new_field_when_absent_and_refuses_to_drop_a_value(
    live_claim_grew: None,
) -> None:
    claim = Claim.model_validate(professional_claim().model_dump(mode="json"))
    snapshot = snapshot_v1(claim)
    assert snapshot == snapshot_v1(professional_claim())
    event = ClaimCreated(
        claim_id="clm-1",
        account_id=patient_account_id("org-a", claim.patient_control_number),
        organization_id="org-a",
        claim=snapshot,
    )
    envelope = to_envelope(
        event,
        stream_version=1,
        occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
        organization_id="org-a",
        producer="intake",
    )
    assert NEW_FIELD not in str(envelope.data)
    noted = Claim.model_validate({**claim.model_dump(mode="json"), NEW_FIELD: "call first"})
    with pytest.raises(ValidationError, match=NEW_FIELD):
        snapshot_v1(noted)  # a value v1 cannot carry needs a new snapshot version


def _models_reachable(model: type[BaseModel]) -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    todo: list[Any] = [model]
    while todo:
        item = todo.pop()
        if inspect.isclass(item) and issubclass(item, BaseModel):
            if item in seen:
                continue
            seen.add(item)
            todo += [f.annotation for f in item.model_fields.values()]
        else:
            todo += list(get_args(item))
    return seen


def test_no_published_event_reaches_a_class_of_the_live_claim_model() -> None:
    for model in registry.models():
        live = {m for m in _models_reachable(model) if m.__module__ == claim_model.__name__}
        assert live == set(), (model.event_type, model.event_version, live)
    assert Claim in _models_reachable(EventWithTheLiveModel)  # the walk does find them
