"""Scrubber benchmark: claims/s on one core with all code sets loaded, and code-set load time.

    .venv/bin/python bench/scrub_bench.py --claims 20000 --seed 7

Claims come from the seeded random factory (1-6 lines, 1-4 diagnoses, some dependents and
modifiers), built before the clock starts; only `scrub_claim` is timed. `--profile` runs the
same loop under pyinstrument (if installed) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.claim_model import Claim  # noqa: E402
from shared.scrubber import ScrubContext, load_payer_rules, scrub_claim  # noqa: E402
from testsupport.claims import (  # noqa: E402
    random_institutional_claims,
    random_professional_claims,
)

TODAY = date(2026, 11, 27)  # pinned: the factory serves claims in January-October 2026
GOAL = 5000


def _load_code_sets() -> tuple[object, float]:
    from shared.codes import load_code_sets

    started = time.perf_counter()
    codes = load_code_sets()
    return codes, time.perf_counter() - started


def _reload_code_sets(times: int) -> list[float]:
    from shared.codes import load_code_sets
    from shared.codes.sets import clear_code_sets_cache

    took = []
    for _ in range(times):
        clear_code_sets_cache()
        started = time.perf_counter()
        load_code_sets()
        took.append(time.perf_counter() - started)
    return took


_LOAD_SNIPPET = (
    "import time; t = time.perf_counter(); from shared.codes import load_code_sets; "
    "load_code_sets(); print(time.perf_counter() - t)"
)


def _load_in_fresh_process(cache_dir: str) -> float:
    """Seconds to import and load the code sets in a new interpreter with this index cache."""
    env = {**os.environ, "REVCYCLE_CODES_CACHE_DIR": cache_dir}
    repo = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", _LOAD_SNIPPET], cwd=repo, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return float(out.stdout.strip())


def _scrub_all(
    claims: list[Claim], context: ScrubContext
) -> tuple[float, float, Counter[str], int]:
    """Scrub every claim; return (CPU seconds, wall seconds, edit counts, claims held)."""
    codes: Counter[str] = Counter()
    held = 0
    step = max(len(claims) // 5, 1)
    gc.disable()  # measure the scrubber, not the collector's pauses over 20k claims
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        for index, claim in enumerate(claims, start=1):
            result = scrub_claim(claim, context)
            held += result.held
            codes.update(edit.code for edit in result.edits)
            if index % step == 0:
                print(f"  scrubbed {index}/{len(claims)}", file=sys.stderr, flush=True)
        cpu = time.process_time() - cpu_started
        return cpu, time.perf_counter() - started, codes, held
    finally:
        gc.enable()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the claims")
    parser.add_argument(
        "--institutional", type=int, default=5000, help="837I claims timed separately"
    )
    parser.add_argument("--profile", action="store_true", help="profile one pass (pyinstrument)")
    args = parser.parse_args()

    print("loading code sets in fresh processes (cold, then warm index cache)...", file=sys.stderr)
    with tempfile.TemporaryDirectory() as cache:
        cold = _load_in_fresh_process(cache)
        warm = _load_in_fresh_process(cache)
    codes, first_load = _load_code_sets()
    reloads = _reload_code_sets(3)
    rules = load_payer_rules()
    context = ScrubContext(today=TODAY, codes=codes, rules=rules)  # type: ignore[arg-type]

    print(f"building {args.claims} claims (seed {args.seed})...", file=sys.stderr, flush=True)
    claims = list(random_professional_claims(args.claims, seed=args.seed))
    lines = sum(len(c.lines) for c in claims)

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
        _scrub_all(claims, context)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
        return 0

    _scrub_all(claims[: min(1000, len(claims))], context)  # warm the memoized code lookups
    cpu_timings, wall_timings = [], []
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number}/{args.rounds}", file=sys.stderr, flush=True)
        cpu, wall, edit_counts, held = _scrub_all(claims, context)
        cpu_timings.append(cpu)
        wall_timings.append(wall)
    # CPU time of this (single-threaded) process is the one-core figure; wall time is shown
    # too, and is worse whenever other processes compete for the core.
    best, median = min(cpu_timings), statistics.median(cpu_timings)
    wall = statistics.median(wall_timings)
    institutional = list(random_institutional_claims(args.institutional, seed=args.seed))
    inst_rate = 0.0
    if institutional:
        print("institutional claims...", file=sys.stderr, flush=True)
        inst_cpu, _, _, inst_held = _scrub_all(institutional, context)
        inst_rate = len(institutional) / inst_cpu

    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| code sets, new process, no ICD index cache (cold) | {cold * 1000:.0f} ms |")
    print(f"| code sets, new process, ICD index cached (warm) | {warm * 1000:.0f} ms |")
    print(f"| code sets, first load in this process | {first_load * 1000:.0f} ms |")
    print(f"| code sets, reload (median of 3) | {statistics.median(reloads) * 1000:.0f} ms |")
    print(f"| claims (lines) | {len(claims)} ({lines}) |")
    print(f"| scrub CPU time, median of {args.rounds} rounds | {median:.3f} s |")
    print(f"| claims/s on one core (CPU time), median (best) | {len(claims) / median:,.0f} "
          f"({len(claims) / best:,.0f}) |")  # fmt: skip
    print(f"| claims/s by wall clock, median | {len(claims) / wall:,.0f} |")
    print(f"| µs CPU per claim, median | {median / len(claims) * 1e6:.0f} |")
    print(f"| goal | {GOAL:,} claims/s: {'met' if len(claims) / median >= GOAL else 'NOT met'} |")
    print(f"| claims held | {held} ({held / len(claims):.0%}) |")
    if institutional:
        print(
            f"| institutional claims/s on one core (CPU), {len(institutional)} claims | "
            f"{inst_rate:,.0f} ({inst_held} held) |"
        )
    top = ", ".join(f"{code} {count}" for code, count in edit_counts.most_common(6))
    print(f"| most frequent edits | {top} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
