"""Benchmark `revcycle ingest` of one large 837P: claims/s end to end and the peak memory.

Run: .venv/bin/python bench/ingest_bench.py [--claims 50000] [--database-url URL] [--receive-only]
     [--baseline CHECKOUT] [--settle-only]

`--baseline CHECKOUT` (e.g. `git archive main | tar -x -C /tmp/base`) ingests the same file
with that checkout's code too (its folders first on PYTHONPATH, this checkout's .venv),
alternating with this checkout's, and prints both rows and the ratio: before/after figures
from one run at one machine load.

`--settle-only` times the embedded `settle()` alone: the claims are received once (this
checkout's `receive_837`), then each checkout settles its own copy of that database
(every process and projection over the same events), so the ratio is the runtime's.

`--receive-only` times `services.intake.batches.receive_837` alone in the child (the 999
and the claims created, without the embedded `settle()` the command runs afterwards).

A file of N seeded random professional claims (testsupport factories) is written once,
then ingested by the real command in a child process (`revcycle ingest --json FILE`) on a
fresh embedded SQLite file (default) or on the PostgreSQL at `--database-url` (a fresh
schema is not made: point it at an empty database). The file is read twice as a stream
(the 999, one set and one claim at a time; then the claims, each translated, scrubbed and
created as its loop closes, 100 per transaction); the embedded subscriptions are settled
once at the end (included in the time). Prints claims/s, the counts per status and the
child's peak resident memory (which must not grow with --claims: compare two sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# testsupport/ (test factories) is not installed: import it from the checkout. Appended,
# not first: a --baseline child's PYTHONPATH must win for shared/, services/, revcycle/.
ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))

from shared.x12.control_numbers import InMemoryControlNumbers  # noqa: E402
from shared.x12.x12_837_005010X222A1.writer import write_837p  # noqa: E402
from testsupport.claims import random_professional_claims  # noqa: E402
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--receive-only", action="store_true")
    parser.add_argument("--baseline", default="", help="another checkout to compare with")
    parser.add_argument("--settle-only", action="store_true")
    parser.add_argument("--child-receive", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child-settle", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-write", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_write:
        write_file(Path(args.child_write), args.claims)
        return
    if args.child_receive:
        receive_only(Path(args.child_receive))
        return
    if args.child_settle:
        settle_only()
        return
    if args.baseline and args.database_url:
        sys.exit("--baseline compares on fresh embedded SQLite files only")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.837"
        print(f"... writing {args.claims} claims", file=sys.stderr, flush=True)
        # Written by a child of its own: on Linux a child's peak RSS (what is reported)
        # starts at its parent's RSS when it forks, which would count these claims.
        subprocess.run(
            [sys.executable, __file__, "--child-write", str(path), "--claims", str(args.claims)],
            check=True,
        )
        size = path.stat().st_size
        if args.settle_only:
            compare_settle(args, path, Path(tmp))
            return
        print("| code | store | claims | file | wall time | claims/s | counts | peak RSS |")
        print("|---|---|---|---|---|---|---|---|")
        checkouts = [("this checkout", None)]
        if args.baseline:
            checkouts = [("baseline", Path(args.baseline).resolve()), *checkouts]
        times: dict[str, float] = {}
        for label, checkout in checkouts:
            times[label] = run_once(args, path, size, Path(tmp) / label, label, checkout)
        if args.baseline:
            ratio = times["baseline"] / times["this checkout"]
            print(f"\nthis checkout / baseline, claims/s: {ratio:.2f}x")


def run_once(
    args: argparse.Namespace, path: Path, size: int, work: Path, label: str, checkout: Path | None
) -> float:
    """Ingest `path` once in a child on a fresh store; prints a table row, returns seconds."""
    work.mkdir()
    env = {
        **os.environ,
        "DATA_DIR": str(work / "data"),
        "DATABASE_URL": args.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": "",
        "ORGANIZATION_ID": "bench-org",
    }
    if checkout is not None:
        # Its folders come before this checkout's editable install on the import path.
        env["PYTHONPATH"] = os.pathsep.join([str(checkout), env.get("PYTHONPATH", "")])
    print(f"... {label}: ingesting {size / 1e6:.1f} MB", file=sys.stderr, flush=True)
    start = time.perf_counter()
    command = [str(ROOT / ".venv" / "bin" / "revcycle"), "ingest", "--json", str(path)]
    if args.receive_only:
        script = (checkout or ROOT) / "bench" / "ingest_bench.py"
        command = [sys.executable, str(script), "--child-receive", str(path)]
    out, err = work / "report.json", work / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
        # This child's own peak (RUSAGE_CHILDREN would be the largest of all children,
        # the writer of the file included).
        _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    returncode = os.waitstatus_to_exitcode(status)
    if returncode not in (0, 1):
        sys.exit(f"ingest failed ({returncode}): {err.read_text()[-2000:]}")
    report = json.loads(out.read_text())
    peak_mb = usage.ru_maxrss / 1024
    store = "PostgreSQL" if args.database_url else "SQLite (embedded)"
    if args.receive_only:
        store += ", receive_837 only"
    print(
        f"| {label} | {store} | {args.claims:,} | {size / 1e6:.1f} MB | {elapsed:.1f} s "
        f"| {args.claims / elapsed:,.1f} | {report['counts']} | {peak_mb:,.0f} MB |",
        flush=True,
    )
    return elapsed


def child_env(data_dir: Path, checkout: Path | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "KAFKA_BOOTSTRAP_SERVERS": "",
        "ORGANIZATION_ID": "bench-org",
    }
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(checkout), env.get("PYTHONPATH", "")])
    return env


def compare_settle(args: argparse.Namespace, path: Path, tmp: Path) -> None:
    """Receive once, then settle a copy of the database with each checkout's code."""
    import shutil

    seed = tmp / "seed"
    print(f"... receiving {args.claims} claims once", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, __file__, "--child-receive", str(path)],
        env=child_env(seed, None),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(
        "| code | claims | events at start | settle wall time | events/s per subscription "
        "| load average before, after |"
    )
    print("|---|---|---|---|---|---|")
    checkouts: list[tuple[str, Path | None]] = [("this checkout", None)]
    if args.baseline:
        checkouts = [("baseline", Path(args.baseline).resolve()), *checkouts]
    seconds: dict[str, float] = {}
    for label, checkout in checkouts:
        data = tmp / label.replace(" ", "-")
        shutil.copytree(seed, data)
        print(f"... {label}: settling", file=sys.stderr, flush=True)
        load_before = os.getloadavg()[0]
        done = subprocess.run(
            [sys.executable, __file__, "--child-settle"],
            env=child_env(data, checkout),
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(done.stdout)
        seconds[label] = result["seconds"]
        rate = result["events"] * result["subscriptions"] / result["seconds"]
        print(
            f"| {label} (`{result['code']}`) | {args.claims:,} | {result['events']:,} "
            f"| {result['seconds']:.1f} s | {rate:,.0f} "
            f"| {load_before:.1f}, {os.getloadavg()[0]:.1f} |",
            flush=True,
        )
        shutil.rmtree(data)
    if args.baseline:
        ratio = seconds["baseline"] / seconds["this checkout"]
        print(f"\nsettle, baseline / this checkout: {ratio:.2f}x")


def settle_only() -> None:
    """In the child: settle the embedded database at DATA_DIR; JSON out (seconds, counts)."""
    from revcycle.embedded import open_embedded
    from shared.config import get_settings

    embedded = open_embedded(get_settings())
    events = embedded.store.head_position()
    start = time.perf_counter()
    results = embedded.settle()
    elapsed = time.perf_counter() - start
    import shared.messaging.subscription as runtime

    print(
        json.dumps(
            {
                "seconds": elapsed,
                "events": events,
                "subscriptions": len(results),
                "code": str(Path(runtime.__file__).parent.parent.parent),
            }
        )
    )


def write_file(path: Path, count: int) -> None:
    """In a child: N seeded random professional claims as one 837P file."""
    path.write_text(
        write_837p(
            list(random_professional_claims(count, seed=11)),
            submitter=SUBMITTER,
            receiver=RECEIVER,
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )
    )


def receive_only(path: Path) -> None:
    """In the child: the 837 path of `revcycle ingest` without the settle, JSON report out."""
    from revcycle.embedded import open_embedded
    from services.intake.batches import receive_837
    from shared.config import get_settings

    settings = get_settings()
    embedded = open_embedded(settings)
    report = receive_837(
        embedded.intake, path, organization_id=settings.organization_id, submitted_by="bench"
    )
    print(json.dumps({"counts": report.counts}))


if __name__ == "__main__":
    main()
