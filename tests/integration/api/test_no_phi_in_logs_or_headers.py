"""No patient data in logs, headers or errors, under a full load: the API served by uvicorn
on PostgreSQL (good claims and hostile ones), the relay to Kafka, the follow-up consumers
(including events they must dead-letter on a database error that quotes the row), then every
log line, every HTTP answer, every Kafka key and header, and the reporting topic's values are
scanned for the patients' names, birth dates, member ids and control numbers.

The dead-letter topic's values are the one place that may carry them (the original event,
for replay); docs/events/README.md says who may read that topic."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from shared.events.claim_snapshot import snapshot_v1
from shared.events.claim_snapshot_v2 import snapshot_v2
from shared.events.claims import ClaimCreated
from shared.events.patient_account import patient_account_id
from shared.events.registry import to_envelope
from tests.integration.api.support import Pipeline, bearer
from testsupport.claims import professional_claim

ORG = "phi-scan-org"
PATIENTS = [
    {
        "last_name": f"Zqlastname{i:02d}",
        "first_name": f"Zqfirstname{i:02d}",
        "birth_date": f"19{40 + i:02d}-0{1 + i % 9}-1{i % 10}",
        "member_id": f"ZQMEMBER{i:04d}",
        "pcn": f"ZQPCN{i:05d}",
    }
    for i in range(12)
]


def _secrets() -> list[str]:
    found = []
    for p in PATIENTS:
        found += [p["last_name"], p["first_name"], p["member_id"], p["pcn"], p["birth_date"]]
        found.append(p["birth_date"].replace("-", ""))  # the X12 D8 form
    return found


def _claim(patient: dict[str, str]) -> dict[str, Any]:
    return {
        "patient_control_number": patient["pcn"],
        "total_charge": "180.00",
        "payer": {"payer_id": "60054", "name": "Fictional Mutual Health"},
        "subscriber": {
            "last_name": patient["last_name"],
            "first_name": patient["first_name"],
            "birth_date": patient["birth_date"],
            "member_id": patient["member_id"],
        },
        "diagnoses": ["E11.9"],
        "lines": [{"line_number": 1, "procedure_code": "99214", "charge": "180.00"}],
    }


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_LOGGERS):
            return  # the test's own HTTP client logs the URLs it asks for
        self.lines.append(self.format(record))  # with the traceback, when there is one


CLIENT_LOGGERS = ("httpx", "httpcore")


@pytest.fixture
def all_logs() -> Iterator[_Collect]:
    """Every record of every logger at DEBUG, except kafka-python's own DEBUG records: that
    library prints whole records (values included) at DEBUG, so deployments keep the `kafka`
    logger at INFO or above (docs/api-limits.md, "Logs")."""
    handler = _Collect()
    root = logging.getLogger()
    kafka = logging.getLogger("kafka")
    before = root.level, kafka.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    kafka.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(before[0])
        kafka.setLevel(before[1])


@pytest.fixture
def served(pipeline: Pipeline) -> Iterator[str]:
    """The pipeline's app behind a real uvicorn (its error paths are part of the scan)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        pipeline.embedded.app,
        host="127.0.0.1",
        port=port,
        log_level="debug",
        log_config=None,  # records go to the root logger, where the test collects them
        access_log=False,  # as `revcycle serve`: request paths carry account numbers
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


POISON_PAYER = "Poison Payer"


def _poison_events() -> list[ClaimCreated]:
    """Events the projections must dead-letter, each failing where the error would quote
    patient data: a row PostgreSQL refuses and repeats in its DETAIL ("Failing row contains
    ..."), an account id too long for its column, and a payload whose validation error would
    quote the rejected value."""
    patient = PATIENTS[0]
    clean = professional_claim()
    row_refused = snapshot_v1(
        clean.model_copy(
            update={
                "patient_control_number": patient["pcn"],
                "payer": clean.payer.model_copy(update={"name": POISON_PAYER}),
            }
        )
    )
    bad_payload = snapshot_v2(clean).model_copy(
        update={
            "subscriber": snapshot_v2(clean).subscriber.model_copy(
                update={"birth_date": patient["last_name"]}  # not a date: refused on decode
            )
        }
    )
    return [
        ClaimCreated(
            claim_id="clm_poison_row",
            account_id=patient_account_id(ORG, patient["pcn"]),
            organization_id=ORG,
            claim=row_refused,
        ),
        ClaimCreated(
            claim_id="clm_poison_account",
            account_id=patient_account_id(ORG, patient["member_id"] * 20),
            organization_id=ORG,
            claim=snapshot_v1(clean),
        ),
        # Built valid, then given the bad payload (model_copy does not validate it).
        ClaimCreated(
            claim_id="clm_poison_payload",
            account_id=patient_account_id(ORG, "ACCT-1"),
            organization_id=ORG,
            claim=snapshot_v2(clean),
        ).model_copy(update={"claim": bad_payload}),
    ]


def test_a_full_load_leaves_no_patient_data_in_logs_headers_errors_or_reporting(
    pipeline: Pipeline, served: str, all_logs: _Collect
) -> None:
    # Errors and headers are scanned; a successful read's body is the caller's own patient
    # data, returned by design to an authorised caller (and audited).
    answers: list[str] = []
    with httpx.Client(base_url=served, timeout=30) as http:
        auth = bearer(ORG)
        created = []
        for patient in PATIENTS:
            response = http.post("/v1/claims", json=_claim(patient), headers=auth)
            assert response.status_code == 201, response.text
            created.append(response.json())
            answers.append(json.dumps(dict(response.headers)))
        # Hostile and broken requests carrying the same patient data.
        p = PATIENTS[1]
        hostile: list[dict[str, Any]] = []
        too_long = _claim(p)
        too_long["subscriber"]["last_name"] = p["last_name"] * 6
        hostile.append({"json": too_long})
        nul = _claim(p)
        nul["subscriber"]["first_name"] = p["first_name"] + "\x00"
        hostile.append({"json": nul})
        bad_date = _claim(p)
        bad_date["subscriber"]["birth_date"] = p["birth_date"] + "T99"
        hostile.append({"json": bad_date})
        extra = _claim(p)
        extra["subscriber"]["nickname"] = p["last_name"]  # unknown field: named, value not
        hostile.append({"json": extra})
        broken = json.dumps(_claim(p))[:-5]
        hostile.append({"content": broken, "headers": {"Content-Type": "application/json"}})
        surrogate = json.dumps(_claim(p)).replace(p["last_name"], p["last_name"] + "\\ud800")
        hostile.append({"content": surrogate, "headers": {"Content-Type": "application/json"}})
        for request in hostile:
            headers = {**auth, **request.pop("headers", {})}
            response = http.post("/v1/claims", headers=headers, **request)
            assert 400 <= response.status_code < 500, response.text
            answers.append(json.dumps(dict(response.headers)) + response.text)
        # Reads (the account id in the path holds the control number).
        for body in created:
            for link in body["links"].values():
                read = http.get(link, headers=auth)
                answers.append(json.dumps(dict(read.headers)))
                if read.status_code >= 400:
                    answers.append(read.text)
        missing = http.get("/v1/accounts/phi-scan-org:" + p["pcn"] + "x", headers=auth)
        assert missing.status_code == 404
        answers.append(json.dumps(dict(missing.headers)) + missing.text)

    for event in _poison_events():
        envelope = to_envelope(
            event,
            stream_version=1,
            occurred_at=datetime.now(UTC),
            organization_id=ORG,
            producer="intake",
        )
        pipeline.embedded.store.append(event.claim_id, 0, [envelope])
    # A rule of this database that the first poison event breaks: PostgreSQL then reports
    # the whole refused row (with its control number) in the error's DETAIL.
    with pipeline.embedded.engine.begin() as conn:
        conn.execute(
            sa.text(
                "ALTER TABLE followup_claims ADD CONSTRAINT poison_payer "
                f"CHECK (payer_name <> '{POISON_PAYER}')"
            )
        )

    # Each held claim's claim.created is followed by its claim.scrub_failed.
    held = sum(1 for c in created if c["status"] == "held")
    assert pipeline.relay() == len(PATIENTS) + held + 3
    stats = pipeline.project()
    assert stats["followup.claims"].dead_lettered == 3, stats
    assert stats["followup.account_balances"].dead_lettered == 2, stats
    # The claim views refuse what cannot be decoded (the bad birth date), like the balances.
    assert stats["followup.claim_views"].dead_lettered == 1, stats

    records = _read_topics(
        pipeline.kafka,
        [pipeline.claims_topic, pipeline.reporting_topic, pipeline.dead_letter_topic],
    )
    claims_values = [r["value"] for r in records[pipeline.claims_topic]]
    dead_letters = records[pipeline.dead_letter_topic]
    assert len(dead_letters) == sum(s.dead_lettered for s in stats.values()) == 6
    # The scan would find nothing if the data never got anywhere: it is in the event log.
    assert any(PATIENTS[0]["last_name"] in v for v in claims_values)
    assert any(PATIENTS[0]["pcn"] in r["value"] for r in dead_letters)

    scanned: dict[str, list[str]] = {
        "log lines": all_logs.lines,
        "HTTP errors and headers": answers,
        "Kafka keys": [r["key"] for rs in records.values() for r in rs],
        "Kafka headers": [h for rs in records.values() for r in rs for h in r["headers"]],
        "reporting topic values": [r["value"] for r in records[pipeline.reporting_topic]],
    }
    assert len(all_logs.lines) > 50 and any("dead-letter" in line for line in all_logs.lines)
    leaks = [
        f"{where}: {secret!r} in {text[:200]!r}"
        for where, texts in scanned.items()
        for text in texts
        for secret in _secrets()
        if secret.lower() in text.lower()
    ]
    assert leaks == [], "\n".join(leaks[:20])


def _read_topics(bootstrap: str, topics: list[str]) -> dict[str, list[dict[str, Any]]]:
    from kafka import KafkaConsumer  # type: ignore[import-untyped,unused-ignore]

    out: dict[str, list[dict[str, Any]]] = {}
    for topic in topics:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
            consumer_timeout_ms=3000,
        )
        out[topic] = [
            {
                "key": (m.key or b"").decode("utf-8", "replace"),
                "value": (m.value or b"").decode("utf-8", "replace"),
                "headers": [
                    f"{k}={(v or b'').decode('utf-8', 'replace')}" for k, v in m.headers or []
                ],
            }
            for m in consumer
        ]
        consumer.close()
    return out
