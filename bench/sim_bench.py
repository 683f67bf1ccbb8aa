"""Benchmark the payer simulator: claims/s from one large 837 to every answer written.

Run: .venv/bin/python bench/sim_bench.py [--claims 50000] [--per-set 5000] [--profile default]

One 837P file of N claims (transaction sets of --per-set claims, the guide's 5,000 by
default) is written into a temporary folder, then `simulator.respond.respond` answers it:
999, 277CA, 835s and truth.jsonl written to disk. The table gives wall and CPU time per
stage (read = TA1/999 verdicts and reading the claims; adjudicate; remit = checks and 835
writing; write = files and truth on disk) and the end-to-end rate. The input file's own
generation is not timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# testsupport/ (test factories) is not installed: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.x12.control_numbers import InMemoryControlNumbers  # noqa: E402
from shared.x12.envelope_writer import Party, TransactionSet, write_interchange  # noqa: E402
from shared.x12.x12_837_005010X222A1.writer import IMPLEMENTATION, build_837p_body  # noqa: E402
from simulator.profile import load_profile  # noqa: E402
from simulator.respond import respond  # noqa: E402
from simulator.truth import load_truth  # noqa: E402
from testsupport.claims import random_professional_claims  # noqa: E402
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER  # noqa: E402


def _837(claims: list, per_set: int) -> str:  # type: ignore[type-arg]
    sets = [
        TransactionSet(
            "837",
            IMPLEMENTATION,
            build_837p_body(
                claims[start : start + per_set],
                submitter=SUBMITTER,
                receiver=RECEIVER,
                reference=f"BENCH{start // per_set + 1:04d}",
                created_at=CREATED_AT,
            ),
        )
        for start in range(0, len(claims), per_set)
    ]
    return write_interchange(
        sets,
        functional_id="HC",
        sender=Party(SUBMITTER.id),
        receiver=Party(RECEIVER.id),
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--per-set", type=int, default=5_000)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"... generating {args.claims} claims and their 837P", file=sys.stderr, flush=True)
    claims = list(random_professional_claims(args.claims, seed=args.seed))
    text = _837(claims, args.per_set)
    profile = load_profile(args.profile)

    stages: dict[str, list[float]] = {}
    current: list[object] = [None, 0.0, 0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if current[0] != stage:
            now, cpu = time.perf_counter(), time.process_time()
            if current[0] is not None:
                wall_cpu = stages.setdefault(str(current[0]), [0.0, 0.0])
                wall_cpu[0] += now - float(current[1])  # type: ignore[arg-type]
                wall_cpu[1] += cpu - float(current[2])  # type: ignore[arg-type]
            current[:] = [stage, now, cpu]
            print(f"... {stage}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        inbound, outbound = Path(tmp) / "in", Path(tmp) / "out"
        inbound.mkdir()
        (inbound / "bench.837").write_text(text, encoding="ascii")
        size = len(text) / 1e6
        start, start_cpu = time.perf_counter(), time.process_time()
        result = respond(
            inbound,
            outbound,
            profile=profile,
            seed=args.seed,
            as_of=datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
            progress=progress,
        )
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        progress("done", 0, 0)
        written = sum(p.stat().st_size for p in outbound.iterdir()) / 1e6
        truth = load_truth(outbound / "truth.jsonl")
    outcomes: dict[str, int] = {}
    for claim in truth.claims:
        outcomes[claim.outcome] = outcomes.get(claim.outcome, 0) + 1

    print(f"\n{args.claims:,} claims, one 837P of {size:.1f} MB ({args.per_set:,} per set), "
          f"profile {args.profile}, seed {args.seed}\n")  # fmt: skip
    print("| stage | wall | CPU |")
    print("|---|---|---|")
    for stage, (stage_wall, stage_cpu) in stages.items():
        print(f"| {stage} | {stage_wall:.1f} s | {stage_cpu:.1f} s |")
    print(f"| **end to end** | **{wall:.1f} s** | **{cpu:.1f} s** |")
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.by_kind.items()))
    print(
        f"\n{args.claims / wall:,.0f} claims/s wall, {args.claims / cpu:,.0f} claims/s CPU; "
        f"{len(result.answers)} files ({kinds}) and truth.jsonl, {written:.1f} MB written"
    )
    print("outcomes: " + ", ".join(f"{n:,} {o}" for o, n in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
