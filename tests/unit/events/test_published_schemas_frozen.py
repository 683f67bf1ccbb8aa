"""A published event schema never changes: a changed payload is a new version.

`published_schemas.sha256` holds one line per (type, version) ever published: the SHA-256
of its JSON Schema without the two annotations a newer version adds to an older one
(`deprecated`, `x-upcast-to`). Publishing a new version appends its line; a line is never
edited. So `revcycle events schemas` can regenerate docs/events at will, but an edit in
place of a published model (a field, a type, a docstring that becomes its description)
fails here, naming the version, until it is made a new version with an upcaster.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from shared.events import schemas
from shared.events.registry import registry

LOCK = Path(__file__).with_name("published_schemas.sha256")
SUPERSESSION = ("deprecated", "x-upcast-to")


def contract_digest(schema: dict[str, Any]) -> str:
    """What subscribers rely on: the schema without the marks a newer version adds."""
    content = {k: v for k, v in schema.items() if k not in SUPERSESSION}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _locked() -> dict[str, str]:
    entries = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split()
            entries[name] = digest
    return entries


def _generated() -> dict[str, str]:
    files = schemas.render(registry)
    return {
        schemas.schema_file(m.event_type, m.event_version): contract_digest(
            json.loads(
                files[f"{schemas.SCHEMA_DIR}/{schemas.schema_file(m.event_type, m.event_version)}"]
            )
        )
        for m in registry.models()
    }


def test_no_published_schema_changed_in_place() -> None:
    generated = _generated()
    changed = [name for name, digest in _locked().items() if generated.get(name, digest) != digest]
    assert changed == [], (
        f"published schemas changed in place: {changed}; make a new version with an upcaster"
    )


def test_every_registered_version_is_locked_and_none_was_withdrawn() -> None:
    locked, generated = _locked(), _generated()
    assert sorted(set(generated) - set(locked)) == [], (
        "a new event version: append its line to published_schemas.sha256"
    )
    assert sorted(set(locked) - set(generated)) == [], "a published version was removed"


def test_the_lock_notices_an_edit_in_place() -> None:
    schema = json.loads(schemas.render(registry)[f"{schemas.SCHEMA_DIR}/claim.created.v2.json"])
    assert contract_digest(schema) == _locked()["claim.created.v2.json"]
    schema["properties"]["claim_id"]["description"] = "edited"
    assert contract_digest(schema) != _locked()["claim.created.v2.json"]
    schema = json.loads(schemas.render(registry)[f"{schemas.SCHEMA_DIR}/claim.created.v2.json"])
    schema.pop("deprecated")  # the supersession marks are not part of the contract
    assert contract_digest(schema) == _locked()["claim.created.v2.json"]
