"""JSON Schema for every event type and version, and the AsyncAPI document of the topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shared.events.envelope import EventEnvelope
from shared.events.registry import EventRegistry, registry
from shared.events.topics import ALL_TOPICS, DEAD_LETTER_HEADERS, DeadLetter, Topic

ASYNCAPI_FILE = "asyncapi.yaml"
SCHEMA_DIR = "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_file(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}.json"


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render(reg: EventRegistry = registry) -> dict[str, str]:
    """Every generated file: relative path -> text. Deterministic, so staleness is a diff."""
    files: dict[str, str] = {}
    for model in reg.models():
        # Serialization mode: subscribers read what we write (money as strings).
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = JSON_SCHEMA_DIALECT
        schema["$id"] = schema_file(model.event_type, model.event_version)
        schema["title"] = f"{model.event_type} v{model.event_version}"
        schema["x-event-type"] = model.event_type
        schema["x-event-version"] = model.event_version
        latest = reg.latest(model.event_type).event_version
        if model.event_version < latest:
            schema["deprecated"] = True
            schema["x-upcast-to"] = latest
        files[f"{SCHEMA_DIR}/{schema_file(model.event_type, model.event_version)}"] = _json(schema)
    envelope = EventEnvelope.model_json_schema(mode="serialization")
    envelope["$schema"] = JSON_SCHEMA_DIALECT
    envelope["$id"] = "envelope.json"
    files[f"{SCHEMA_DIR}/envelope.json"] = _json(envelope)
    dead = DeadLetter.model_json_schema(mode="serialization")
    dead["$schema"] = JSON_SCHEMA_DIALECT
    dead["$id"] = "dead-letter.json"
    files[f"{SCHEMA_DIR}/dead-letter.json"] = _json(dead)
    files[ASYNCAPI_FILE] = yaml.safe_dump(asyncapi(reg), sort_keys=False, width=100)
    return files


def _channel_id(topic: Topic) -> str:
    head, *rest = topic.name.removeprefix("revcycle.").removesuffix(".v1").split("-")
    return head + "".join(part.title() for part in rest)


def _message_id(event_type: str, version: int) -> str:
    return f"{event_type.replace('.', '_')}_v{version}"


def asyncapi(reg: EventRegistry = registry) -> dict[str, Any]:
    """AsyncAPI 3.0: one channel per topic, one message per event type and version."""
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    headers = {
        "type": "object",
        "properties": {
            "event_type": {"type": "string", "description": "The envelope's type"},
            "event_version": {"type": "string", "description": "The envelope's version"},
            "event_id": {"type": "string", "format": "uuid"},
        },
    }
    for model in reg.models():
        mid = _message_id(model.event_type, model.event_version)
        messages[mid] = {
            "name": model.event_type,
            "title": f"{model.event_type} v{model.event_version}",
            "summary": (model.__doc__ or model.event_type).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": headers,
            "payload": {
                "allOf": [
                    {"$ref": f"{SCHEMA_DIR}/envelope.json"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": model.event_type},
                            "version": {"const": model.event_version},
                            "data": {
                                "$ref": f"{SCHEMA_DIR}/"
                                f"{schema_file(model.event_type, model.event_version)}"
                            },
                        },
                    },
                ]
            },
        }
    messages["dead_letter"] = {
        "name": "dead_letter",
        "title": "Dead letter",
        "summary": "A message a consumer could not decode or handle, with the error.",
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "properties": {
                name: {"type": "string", "description": description}
                for name, description in DEAD_LETTER_HEADERS.items()
            },
            "required": list(DEAD_LETTER_HEADERS),
        },
        "payload": {"$ref": f"{SCHEMA_DIR}/dead-letter.json"},
    }
    for topic in ALL_TOPICS:
        cid = _channel_id(topic)
        if topic.value_type is DeadLetter:
            refs = ["dead_letter"]
        elif topic.event_prefixes:
            refs = [
                _message_id(m.event_type, m.event_version)
                for m in reg.models()
                if topic.carries(m.event_type)
            ]
        else:  # the reporting topic carries every event, de-identified
            refs = [_message_id(m.event_type, m.event_version) for m in reg.models()]
        channels[cid] = {
            "address": topic.name,
            "description": topic.description,
            "messages": {ref: {"$ref": f"#/components/messages/{ref}"} for ref in refs},
            "bindings": {"kafka": {"bindingVersion": "0.5.0"}},
        }
        operations[f"receive_{cid}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Subscribe to {topic.name}; Kafka key: {topic.key}.",
            "bindings": {
                "kafka": {
                    "bindingVersion": "0.5.0",
                    "groupId": {"type": "string", "description": "Your consumer group"},
                }
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Revenue cycle events",
            "version": "1.0.0",
            "description": (
                "Claim, remittance and patient-account events published by the revenue cycle "
                "platform's outbox relay. Delivery is at least once: deduplicate by event_id. "
                "Kafka key = stream_id, so one stream's events keep their order. See "
                "docs/events/README.md."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "The broker `revcycle infra up` starts",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def write(out_dir: Path, reg: EventRegistry = registry) -> list[Path]:
    """Write the documents under out_dir, removing generated schema files no longer produced."""
    files = render(reg)
    (out_dir / SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    for old in (out_dir / SCHEMA_DIR).glob("*.json"):
        if f"{SCHEMA_DIR}/{old.name}" not in files:
            old.unlink()
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(out_dir: Path, reg: EventRegistry = registry) -> list[str]:
    """Paths (relative to out_dir) that are missing, different or no longer generated."""
    files = render(reg)
    problems = [
        rel
        for rel, text in files.items()
        if not (out_dir / rel).is_file() or (out_dir / rel).read_text(encoding="utf-8") != text
    ]
    if (out_dir / SCHEMA_DIR).is_dir():
        problems += [
            f"{SCHEMA_DIR}/{p.name}"
            for p in sorted((out_dir / SCHEMA_DIR).glob("*.json"))
            if f"{SCHEMA_DIR}/{p.name}" not in files
        ]
    return sorted(problems)
