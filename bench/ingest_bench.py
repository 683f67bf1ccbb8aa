"""Benchmark `revcycle ingest` of one large 837P: claims/s end to end and the peak memory.

Run: .venv/bin/python bench/ingest_bench.py [--claims 50000] [--database-url URL]

A file of N seeded random professional claims (testsupport factories) is written once,
then ingested by the real command in a child process (`revcycle ingest --json FILE`) on a
fresh embedded SQLite file (default) or on the PostgreSQL at `--database-url` (a fresh
schema is not made: point it at an empty database). Each claim is acknowledged in the 999,
translated, scrubbed and created in its own transaction; the embedded subscriptions are
settled once at the end (included in the time). Prints claims/s, the counts per status
and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# testsupport/ (test factories) is not installed: import it from the checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.x12.control_numbers import InMemoryControlNumbers  # noqa: E402
from shared.x12.x12_837_005010X222A1.writer import write_837p  # noqa: E402
from testsupport.claims import random_professional_claims  # noqa: E402
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.837"
        print(f"... writing {args.claims} claims", file=sys.stderr, flush=True)
        claims = list(random_professional_claims(args.claims, seed=11))
        path.write_text(
            write_837p(
                claims,
                submitter=SUBMITTER,
                receiver=RECEIVER,
                created_at=CREATED_AT,
                numbers=InMemoryControlNumbers(),
            )
        )
        del claims
        size = path.stat().st_size
        env = {
            **os.environ,
            "DATA_DIR": str(Path(tmp) / "data"),
            "DATABASE_URL": args.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": "",
            "ORGANIZATION_ID": "bench-org",
        }
        print(f"... ingesting {size / 1e6:.1f} MB", file=sys.stderr, flush=True)
        start = time.perf_counter()
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "revcycle"), "ingest", "--json", str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            sys.exit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
        report = json.loads(done.stdout)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    store = "PostgreSQL" if args.database_url else "SQLite (embedded)"
    print("| store | claims | file | wall time | claims/s | counts | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {store} | {args.claims:,} | {size / 1e6:.1f} MB | {elapsed:.1f} s "
        f"| {args.claims / elapsed:,.0f} | {report['counts']} | {peak_mb:,.0f} MB |"
    )


if __name__ == "__main__":
    main()
