"""Benchmark: claims/s posted from one large 835, end to end in the remit service.

Setup (not timed): N random professional claims whose `claim.created` (intake) and
`claim.submitted` (claims) events are written to the store in batches, remit's claim index
rows written as its projection would (`--index-by-runner`: by the projection itself, much
slower for large N), and one 835 paying every claim written by the toolkit's writer (80 %
allowed, CO-45 and PR-2 per line).

Timed: `post_remittance_file` on that file, as `revcycle ingest` runs it: scan and balance
the whole file, then per chunk of REMIT_POSTING_CHUNK claims (one transaction): look the
chunk's claims, keys and streams up, match every claim payment and line, decide each
posting on the claim, append the chunk's `claim.paid` events and the remittance events to
the store. With `--relay`, the events appended are then published to Kafka by the outbox
relay (timed separately and together), which is where they leave the service.

    .venv/bin/python bench/remit_bench.py --claims 50000                     # SQLite
    eval "$(.venv/bin/revcycle infra env)"
    .venv/bin/python bench/remit_bench.py --claims 50000 --postgres --relay  # PostgreSQL, Kafka

Each run uses its own organization (and, with --postgres, its own database, dropped after).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from revcycle.embedded import open_embedded  # noqa: E402
from services.remit import bootstrap as remit_bootstrap  # noqa: E402
from services.remit.handlers import post_remittance_file  # noqa: E402
from services.remit.projections import decode_payload  # noqa: E402
from shared.config import BaseServiceSettings  # noqa: E402
from shared.events.claim_snapshot_v2 import snapshot_v2  # noqa: E402
from shared.events.claims import ClaimCreated, ClaimSubmitted  # noqa: E402
from shared.events.patient_account import patient_account_id  # noqa: E402
from shared.events.registry import to_envelopes  # noqa: E402
from shared.eventstore.schema import events as events_table  # noqa: E402
from shared.eventstore.sql import SqlEventStore  # noqa: E402
from shared.messaging.embedded import EmbeddedRunner  # noqa: E402
from testsupport.claims import random_professional_claims  # noqa: E402
from testsupport.remit import NOW, x12_835  # noqa: E402
from testsupport.remittances import claim_payment, remittance  # noqa: E402

BATCH = 2000


def _database(postgres: bool) -> tuple[str, Any]:
    if not postgres:
        return "", None
    import psycopg

    admin = os.environ.get("REVCYCLE_POSTGRES_ADMIN_URL") or (
        f"postgresql://postgres@127.0.0.1:{os.environ.get('REVCYCLE_POSTGRES_PORT', '55432')}"
        "/postgres"
    )
    name = f"bench_remit_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    parser.add_argument("--relay", action="store_true", help="publish the events to Kafka")
    parser.add_argument(
        "--index-by-runner",
        action="store_true",
        help="build remit's claim index by running its projection over the claim events "
        "(default: the projection's rows written directly, much faster for large N)",
    )
    args = parser.parse_args()

    url, drop = _database(args.postgres)
    organization = f"org-bench-{uuid.uuid4().hex[:8]}"
    root = Path(tempfile.mkdtemp(prefix="remit-bench-"))
    settings = BaseServiceSettings(
        data_dir=root / "var", database_url=url, organization_id=organization
    )
    embedded = open_embedded(settings, clock=lambda: NOW)
    store = embedded.store
    try:
        started = time.perf_counter()
        claims = list(random_professional_claims(args.claims, seed=args.seed))
        for start in range(0, len(claims), BATCH):
            rows = []
            for claim in claims[start : start + BATCH]:
                claim_id = f"clm_{uuid.uuid4().hex}"
                created = ClaimCreated(
                    claim_id=claim_id,
                    account_id=patient_account_id(organization, claim.patient_control_number),
                    organization_id=organization,
                    claim=snapshot_v2(claim),
                )
                submitted = ClaimSubmitted(
                    claim_id=claim_id,
                    payer_id=claim.payer.payer_id,
                    batch_id="bat_bench",
                    interchange_control_number="000000101",
                    total_charge=claim.total_charge,
                )
                envelopes = to_envelopes(
                    [created],
                    expected_version=0,
                    occurred_at=NOW,
                    organization_id=organization,
                    producer="intake",
                ) + to_envelopes(
                    [submitted],
                    expected_version=1,
                    occurred_at=NOW,
                    organization_id=organization,
                    producer="claims",
                )
                # Setup only: the store's own row shape, many streams per statement (the
                # store appends one stream at a time; its appends are what the timed part
                # measures).
                rows += [SqlEventStore._row(e, NOW) for e in envelopes]
            with store.transaction() as conn:
                conn.execute(events_table.insert(), rows)
        if args.index_by_runner:
            runner = EmbeddedRunner(
                store, embedded.engine, remit_bootstrap.subscriptions(), decode_payload
            )
            runner.run_until_caught_up()
        else:
            _index_directly(embedded.engine, store, organization)
        print(f"setup: claims and claim index in {time.perf_counter() - started:.1f} s", flush=True)
        text = x12_835(remittance([claim_payment(c) for c in claims], trace_number="BENCH1"))
        path = root / "bench.835"
        path.write_text(text, encoding="ascii")
        setup = time.perf_counter() - started
        head = store.head_position()
        print(
            f"setup: {args.claims} claims, 835 of {path.stat().st_size / 1e6:.1f} MB, "
            f"{setup:.1f} s ({'PostgreSQL' if url else 'SQLite'})",
            flush=True,
        )

        wall, cpu = time.perf_counter(), time.process_time()
        report = post_remittance_file(
            embedded.remit,
            path,
            organization_id=organization,
            submitted_by="bench",
            progress=_progress(args.claims),
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert report.ok and report.counts() == {"posted": args.claims}, report.summary()
        appended = store.head_position() - head
        print(
            f"posted {args.claims} claims in {wall:.1f} s: {args.claims / wall:,.0f} claims/s "
            f"(CPU {cpu:.1f} s: {args.claims / cpu:,.0f} claims/s); {appended} events appended",
            flush=True,
        )
        if args.relay:
            relayed = _relay(store, head)
            print(
                f"relay: {appended} events to Kafka in {relayed:.1f} s "
                f"({appended / relayed:,.0f} events/s); end to end "
                f"{args.claims / (wall + relayed):,.0f} claims/s",
                flush=True,
            )
    finally:
        embedded.close()
        if drop is not None:
            drop()


def _progress(total: int) -> Any:
    """Progress on stderr every tenth of the file (a 50,000-claim run takes a while)."""
    step = max(total // 10, 1)
    started = time.perf_counter()

    def report(done: int, _total: int | None) -> None:
        if done and (done % step < 200 or done == total):
            elapsed = time.perf_counter() - started
            print(f"  {done:,} claims posted, {elapsed:.0f} s", file=sys.stderr, flush=True)

    return report


def _index_directly(engine: Any, store: Any, organization: str) -> None:
    """Remit's claim index as its projection would leave it (`claim_index_row`), written in
    batches: setup only (the projection itself is exercised by the tests)."""
    from services.remit.projections import claim_index_row
    from services.remit.tables import claim_index

    rows: list[dict[str, Any]] = []
    for envelope in store.iter_all(batch=5000):
        if envelope.organization_id != organization or envelope.type != "claim.created":
            continue
        created = decode_payload(envelope)
        row = claim_index_row(envelope, created.claim, "submitted")  # type: ignore[attr-defined]
        rows.append(row | {"stream_version": 2})
        if len(rows) >= 5000:
            with engine.begin() as conn:
                conn.execute(claim_index.insert(), rows)
            rows = []
    if rows:
        with engine.begin() as conn:
            conn.execute(claim_index.insert(), rows)


def _relay(store: Any, from_position: int) -> float:
    """Publish the events past `from_position` to fresh Kafka topics; seconds taken."""
    from shared.events.topics import ALL_TOPICS
    from shared.messaging.kafka import delete_topics, ensure_topics, make_producer, topic_name
    from shared.messaging.relay import CheckpointStore, Relay, RelayConfig

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    names = {t.name: topic_name(t, prefix) for t in ALL_TOPICS}
    ensure_topics(bootstrap, partitions=3, prefix=prefix)
    producer = make_producer(bootstrap)
    checkpoints = CheckpointStore(store.engine)
    checkpoints.save("bench-remit", from_position)
    relay = Relay(
        store,
        producer,
        RelayConfig(name="bench-remit", batch_size=500, topic_names=names),
        checkpoints,
    )
    try:
        started = time.perf_counter()
        relay.run_once()
        return time.perf_counter() - started
    finally:
        producer.close()
        delete_topics(bootstrap, names.values())


if __name__ == "__main__":
    main()
