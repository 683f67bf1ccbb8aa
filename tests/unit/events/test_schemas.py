"""The checked-in JSON Schemas and AsyncAPI document match the code, and describe real events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import jsonschema
import yaml
from referencing import Registry, Resource
from typer.testing import CliRunner

from shared.config import REPO_ROOT
from shared.events import schemas, to_envelope
from shared.events.base import Event
from shared.events.examples import ORG, example_events
from shared.events.ownership import Service
from shared.events.registry import EventRegistry, registry
from shared.events.topics import ALL_TOPICS

DOCS = REPO_ROOT / "docs" / "events"


def test_checked_in_schemas_are_not_stale(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for rel in generated:
        assert (DOCS / rel).is_file(), f"{rel} missing: run `revcycle events schemas`"
        assert (DOCS / rel).read_text() == (tmp_path / rel).read_text(), (
            f"docs/events/{rel} is stale: run `revcycle events schemas`"
        )
    checked_in = sorted(p.relative_to(DOCS) for p in (DOCS / "schemas").glob("*.json"))
    assert checked_in == [r for r in generated if r.parts[0] == "schemas"]


def test_a_changed_model_makes_the_check_fail(tmp_path: Path) -> None:
    schemas.write(tmp_path)

    class ClaimClosedWithExtra(Event):
        event_type: ClassVar[str] = "claim.closed"
        event_version: ClassVar[int] = 1
        owner: ClassVar[Service] = Service.FOLLOWUP
        claim_id: str
        closed_by: str

    changed = EventRegistry()
    for model in registry.models():
        changed.register(ClaimClosedWithExtra if model.event_type == "claim.closed" else model)
    assert schemas.stale(tmp_path, changed) == ["asyncapi.yaml", "schemas/claim.closed.v1.json"]
    assert schemas.stale(tmp_path) == []


def test_the_cli_check_exits_nonzero_on_stale_files(tmp_path: Path) -> None:
    from revcycle.commands.events import app

    runner = CliRunner()
    assert runner.invoke(app, ["schemas", "--out", str(tmp_path), "--check"]).exit_code == 1
    assert runner.invoke(app, ["schemas", "--out", str(tmp_path)]).exit_code == 0
    result = runner.invoke(app, ["schemas", "--out", str(tmp_path), "--check"])
    assert result.exit_code == 0, result.output


def _schema_registry() -> Registry:
    resources = []
    for path in (DOCS / "schemas").glob("*.json"):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text()))))
    return Registry().with_resources(resources)


def test_every_example_event_validates_against_its_published_schema() -> None:
    reg = _schema_registry()
    envelope_schema = json.loads((DOCS / "schemas" / "envelope.json").read_text())
    for event in example_events():
        envelope = to_envelope(
            event,
            stream_version=1,
            occurred_at=datetime.now(UTC),
            organization_id=ORG,
            producer="tests",
        )
        wire = json.loads(envelope.model_dump_json())
        jsonschema.validate(wire, envelope_schema)
        name = schemas.schema_file(event.event_type, event.event_version)
        schema = json.loads((DOCS / "schemas" / name).read_text())
        jsonschema.Draft202012Validator(schema, registry=reg).validate(wire["data"])


def test_a_float_amount_violates_the_published_schema() -> None:
    schema = json.loads((DOCS / "schemas" / "claim.written_off.v1.json").read_text())
    bad = {"claim_id": "c", "amount": 10.5, "reason_code": "X", "reason": "y"}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
    assert errors and errors[0].path[0] == "amount"


def test_the_asyncapi_document_names_every_topic_and_event() -> None:
    doc = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {t.name for t in ALL_TOPICS}
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert set(registry.event_types()) <= names
    for channel in doc["channels"].values():
        for ref in channel["messages"].values():
            assert ref["$ref"].split("/")[-1] in doc["components"]["messages"]
