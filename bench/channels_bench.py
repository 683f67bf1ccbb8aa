"""Benchmark: intake's channels on real PostgreSQL: JSON and FHIR R4 claims over HTTP, HL7 v2.

JSON: a professional claim (testsupport's factory, each with its own patient control
number) posted to `POST /v1/claims` by N concurrent HTTP clients, as FHIR below.
FHIR: the professional R4 example (each request with its own identifier, so its own
claim) posted to `POST /fhir/Claim` by N concurrent HTTP clients (httpx, one connection
each) against the app served by uvicorn (one process, as `revcycle serve`), subscriptions
left to workers (distributed mode): claims/s and p50/p99 latency per request.
HL7: outpatient visits (ADT^A04, DFT^P03 with two charges, DFT^P03 reversing one, ADT^A03
discharge, which bills the visit) sent by N MLLP clients over sockets to the MLLP server,
each message waiting for its ACK: messages/s and claims/s.

A throwaway database on the server of DATABASE_URL is created and dropped afterwards.

    eval "$(.venv/bin/revcycle infra env)"
    .venv/bin/python bench/channels_bench.py --claims 400 --clients 8 --visits 60
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# The channel tests' helpers (tokens, R4 examples, HL7 messages) are in the checkout only.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "intake_channels"))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import uvicorn  # noqa: E402
from channel_helpers import ORG, SECRET, bearer, fhir_text  # noqa: E402
from hl7.client import MLLPClient  # noqa: E402
from hl7_messages import outpatient_visit  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from revcycle.embedded import EmbeddedApp, build_embedded_app  # noqa: E402
from services.intake.hl7.mllp import MllpServer, address_of, serve_in_thread  # noqa: E402
from services.intake.hl7.service import Hl7Channel  # noqa: E402
from shared.config import BaseServiceSettings  # noqa: E402
from shared.events.claim_snapshot import Address, Provider  # noqa: E402
from testsupport.claims import professional_claim  # noqa: E402

HOSPITAL = Provider(
    npi="1456789019",
    organization_name="Harbor General Hospital",
    tax_id="010203040",
    address=Address(line1="1 Hospital Dr", city="Portland", state="ME", postal_code="041010000"),
)


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    admin = make_url(url).set(drivername="postgresql")
    conninfo = admin.set(database="postgres").render_as_string(hide_password=False)
    dbname = f"bench_channels_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield make_url(url).set(database=dbname).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def fhir_body(n: int) -> tuple[str, str]:
    example = json.loads(fhir_text("claim-professional.json"))
    return "application/fhir+json", json.dumps(dict(example, identifier=[{"value": f"B-{n:06d}"}]))


def json_body(n: int) -> tuple[str, str]:
    claim = professional_claim(patient_control_number=f"BENCH-{n:06d}")
    body = claim.model_dump(mode="json", exclude={"claim_id", "organization_id"})
    return "application/json", json.dumps(body)


def bench_fhir(app: EmbeddedApp, claims: int, clients: int) -> str:
    return bench_http(app, "/fhir/Claim", fhir_body, claims, clients)


def bench_http(
    app: EmbeddedApp,
    path: str,
    make_body: Callable[[int], tuple[str, str]],
    claims: int,
    clients: int,
) -> str:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    bodies = [make_body(n) for n in range(claims)]
    auth = bearer()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    done = [0]

    def client(index: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for n in range(index, claims, clients):
                media_type, body = bodies[n]
                headers = {**auth, "Content-Type": media_type}
                started = time.perf_counter()
                response = http.post(path, content=body, headers=headers)
                mine.append(time.perf_counter() - started)
                if response.status_code != 201:
                    with lock:
                        failures.append(f"{response.status_code}: {response.text[:200]}")
                with lock:
                    done[0] += 1
                    if done[0] % 100 == 0:
                        print(f"  {path} {done[0]}/{claims}", file=sys.stderr, flush=True)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    server.should_exit = True
    thread.join(timeout=10)
    if failures:
        raise SystemExit(f"{len(failures)} {path} requests failed, first: {failures[0]}")
    return (
        f"| POST {path} | {clients} | {claims} | {seconds:.1f} | {claims / seconds:.1f} "
        f"| {1000 * statistics.median(latencies):.0f} | {1000 * percentile(latencies, 0.99):.0f} |"
    )


def bench_mllp(app: EmbeddedApp, visits: int, clients: int, run: str) -> str:
    channel = Hl7Channel(app.embedded.intake, ORG, billing=HOSPITAL)
    server = MllpServer(("127.0.0.1", 0), channel.handle)
    serve_in_thread(server)
    host, port = address_of(server)
    latencies: list[float] = []
    refused: list[str] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        mine: list[float] = []
        with MLLPClient(host, port) as mllp:
            for n in range(index, visits, clients):
                for text in outpatient_visit(f"B{run}{n:06d}"):
                    started = time.perf_counter()
                    ack = mllp.send_message(text)
                    mine.append(time.perf_counter() - started)
                    if b"MSA|AA|" not in ack:
                        with lock:
                            refused.append(ack.decode(errors="replace")[:200])
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    server.shutdown()
    server.server_close()
    if refused:
        raise SystemExit(f"{len(refused)} HL7 messages not accepted, first: {refused[0]}")
    messages = len(latencies)
    return (
        f"| MLLP ADT/DFT | {clients} | {messages} msgs, {visits} claims | {seconds:.1f} "
        f"| {messages / seconds:.1f} msgs/s, {visits / seconds:.1f} claims/s "
        f"| {1000 * statistics.median(latencies):.0f} | {1000 * percentile(latencies, 0.99):.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--claims", type=int, default=800, help="claims posted per route")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--visits", type=int, default=100, help="HL7 visits (4 messages each)")
    parser.add_argument("--mllp-clients", default="1,4", help="concurrent MLLP connections")
    args = parser.parse_args()
    if not args.database_url:
        sys.exit('set DATABASE_URL (eval "$(.venv/bin/revcycle infra env)")')
    rows = []
    with tempfile.TemporaryDirectory() as tmp, postgres_database(args.database_url) as url:
        settings = BaseServiceSettings(
            data_dir=Path(tmp),
            database_url=url,
            kafka_bootstrap_servers="",
            auth_jwt_secret=SECRET,
            organization_id=ORG,
        )
        app = build_embedded_app(settings, run_subscriptions=False)
        try:
            print("JSON claims", file=sys.stderr, flush=True)
            rows.append(bench_http(app, "/v1/claims", json_body, args.claims, args.clients))
            print("FHIR", file=sys.stderr, flush=True)
            rows.append(bench_fhir(app, args.claims, args.clients))
            for count in (int(c) for c in args.mllp_clients.split(",")):
                print(f"MLLP, {count} connection(s)", file=sys.stderr, flush=True)
                rows.append(bench_mllp(app, args.visits, count, run=str(count)))
        finally:
            app.engine.dispose()
    print("| channel | clients | items | seconds | rate | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
