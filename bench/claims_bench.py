"""Benchmark: claims/s from ready to validated 837 files written and `claim.submitted`
appended, and 277CA lines/s applied.

Setup (not timed): N clean professional claims (random, seeded) created and marked ready
in an embedded SQLite store (a temporary folder), a thousand per transaction, the claims
index written in the same transaction (the first thousand by its projection's handler, the
rest as rows with the same values). Timed:

1. `submit_ready_claims`: find the ready claims in the index, load and fold each stream,
   group by payer/submitter/receiver/billing provider/claim type, write the 837P files
   (5,000 claims per transaction set), check each with the X12 validator, append
   `claim.submitted` for every claim and the batch events in one transaction per set,
   send through the `FolderClearinghouse` and record the batch sent.
2. The simulator (not timed) answers the files with 277CAs; `ingest_file` applies them:
   each claim's 277CA line matched to its submission, `claim.accepted` (or rejected)
   appended, the file recorded.

    .venv/bin/python bench/claims_bench.py --claims 10000 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# testsupport/ (test factories) is not installed: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from revcycle.embedded import open_embedded  # noqa: E402
from services.claims.ingest import ingest_file  # noqa: E402
from services.claims.projections import index_claim  # noqa: E402
from services.claims.submission import submit_ready_claims  # noqa: E402
from services.claims.tables import claims_index  # noqa: E402
from services.claims.timely import limit_starts  # noqa: E402
from services.followup.projections import decode_payload  # noqa: E402
from services.intake.domain import created_event  # noqa: E402
from shared.config import BaseServiceSettings  # noqa: E402
from shared.events import to_envelopes  # noqa: E402
from shared.events.claims import ClaimReady  # noqa: E402
from simulator.profile import load_profile  # noqa: E402
from simulator.respond import respond  # noqa: E402
from testsupport.claims import random_professional_claims  # noqa: E402

ORG = "org-bench"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _envelopes(events: list[Any], version: int, producer: str) -> list[Any]:
    return to_envelopes(
        events, expected_version=version, occurred_at=NOW, organization_id=ORG, producer=producer
    )


def run(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as scratch:
        root = Path(scratch)
        settings = BaseServiceSettings(data_dir=root, organization_id=ORG)
        embedded = open_embedded(settings, clock=lambda: NOW)
        store, claims = embedded.store, embedded.claims
        started = time.perf_counter()
        page: list[Any] = []
        rows: list[dict[str, Any]] = []
        for i, claim in enumerate(random_professional_claims(n, seed=11)):
            claim_id = f"clm_bench_{i:07d}"
            created = created_event(claim, claim_id=claim_id, organization_id=ORG)
            ready = ClaimReady(
                claim_id=claim_id, payer_id=claim.payer.payer_id, total_charge=claim.total_charge
            )
            envelopes = _envelopes([created], 0, "intake") + _envelopes([ready], 1, "claims")
            page.append((claim_id, 0, envelopes))
            rows.append(
                {
                    "organization_id": ORG,
                    "claim_id": claim_id,
                    "status": "ready",
                    "payer_id": claim.payer.payer_id,
                    "patient_control_number": claim.patient_control_number,
                    "kind": created.claim.kind.value,
                    "limit_starts": limit_starts(created.claim),
                    "stream_version": 2,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            if len(page) == 1000 or i == n - 1:
                # Setup only (not timed): a thousand new streams per transaction. The first
                # thousand are indexed by the index projection's own handler, the rest by
                # rows with the same values written at once (the embedded runner's
                # transaction per event made a 100,000-claim setup take hours here).
                with store.transaction() as tx:
                    recorded = store.append_many_in(tx, page)
                    if i < 1000:
                        for envelope in recorded:
                            index_claim(tx, decode_payload(envelope), envelope)
                    else:
                        tx.execute(claims_index.insert(), rows)
                page, rows = [], []
            if (i + 1) % 10000 == 0:
                print(
                    f"  setup: {i + 1:,} claims ({time.perf_counter() - started:.0f} s)",
                    file=sys.stderr,
                )
        setup_s = time.perf_counter() - started
        print(f"  setup: done in {setup_s:.0f} s", file=sys.stderr)

        t0, c0 = time.perf_counter(), time.process_time()
        report = submit_ready_claims(claims, organization_id=ORG)
        submit_s, submit_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert report.submitted == n, (report.submitted, report.not_written[:3])
        print(
            f"  submitted {n:,} claims in {len(report.batches)} files: {submit_s:.1f} s wall, "
            f"{submit_cpu:.1f} s CPU ({n / submit_s:,.0f} claims/s wall, "
            f"{n / submit_cpu:,.0f} CPU), load average {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
            flush=True,
        )

        outbound = claims.settings.outbound_dir
        answers = root / "answers"
        respond(outbound, answers, profile=load_profile("clean"), seed=1, as_of=NOW)
        files = sorted(answers.glob("*.277ca"))
        lines = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for path in files:
            outcome = ingest_file(claims, path.name, path.read_bytes(), "277CA", ORG)
            lines += sum(outcome.report.get("counts", {}).values())
        ack_s, ack_cpu = time.perf_counter() - t0, time.process_time() - c0
        embedded.close()
    return {
        "claims": n,
        "files": len(report.batches),
        "setup_s": setup_s,
        "submit_s": submit_s,
        "submit_claims_per_s": n / submit_s,
        "submit_claims_per_cpu_s": n / submit_cpu,
        "ack_lines": lines,
        "ack_s": ack_s,
        "ack_lines_per_s": lines / ack_s if ack_s else 0.0,
        "ack_lines_per_cpu_s": lines / ack_cpu if ack_cpu else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[10000])
    args = parser.parse_args()
    print(
        "| claims | 837 files | submit s | claims/s (wall) | claims/s (CPU) "
        "| 277CA lines | lines/s (wall) | lines/s (CPU) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.claims:
        before = os.getloadavg()[0]
        r = run(n)
        print(
            f"  {n:,} claims: setup {r['setup_s']:.0f} s, load average {before:.1f} at the "
            f"start, {os.getloadavg()[0]:.1f} at the end (2 cores)",
            file=sys.stderr,
            flush=True,
        )
        print(
            f"| {n:,} | {r['files']} | {r['submit_s']:.1f} | {r['submit_claims_per_s']:,.0f} | "
            f"{r['submit_claims_per_cpu_s']:,.0f} | {r['ack_lines']:,} | "
            f"{r['ack_lines_per_s']:,.0f} | {r['ack_lines_per_cpu_s']:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
