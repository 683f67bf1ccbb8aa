"""Benchmark: code-set load time (cold, in fresh subprocesses) and lookup rates on one core.

Run:  .venv/bin/python bench/codes_bench.py [--runs 5] [--lookups 200000] [--ptp-rows 500000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter, so nothing is imported or cached in memory beforehand.
_LOAD_SCRIPT = """
import json, time
t0 = time.perf_counter()
from shared.codes import load_code_sets
t1 = time.perf_counter()
sets = load_code_sets()
t2 = time.perf_counter()
sets.icd10.lookup("E119")
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "icd10": len(sets.icd10)}))
"""


def _load_once(env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _LOAD_SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = wall
    return result


def _rate(label: str, operation: Callable[[], object], count: int) -> tuple[str, float, float]:
    started = time.perf_counter()
    operation()
    elapsed = time.perf_counter() - started
    return label, count / elapsed, elapsed / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="cold loads with a built index")
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument(
        "--ptp-rows", type=int, default=500_000, help="rows of a synthetic CMS-layout PTP file"
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "REVCYCLE_CODES_DIR"}

    print("## Load (each in a new python process)", flush=True)
    with tempfile.TemporaryDirectory() as empty_cache:
        first = _load_once({**env, "REVCYCLE_CODES_CACHE_DIR": empty_cache})
    print("first load ever (empty index cache): builds the ICD-10-CM index from the package")
    print(
        f"  import {first['import']:.3f}s  load {first['load']:.3f}s  "
        f"process {first['process']:.3f}s",
        flush=True,
    )
    _load_once(env)  # make sure the user index cache exists
    loads = []
    for run in range(args.runs):
        loads.append(_load_once(env))
        print(f"  cold run {run + 1}/{args.runs}: load {loads[-1]['load']:.3f}s", flush=True)
    print("| measure (index cache built) | median s | max s |")
    print("|---|---:|---:|")
    for key in ("import", "load", "process"):
        values = [r[key] for r in loads]
        print(f"| {key} | {statistics.median(values):.3f} | {max(values):.3f} |")

    sys.path.insert(0, str(REPO))
    from shared.codes import is_cpt, is_valid_npi, load_code_sets

    sets = load_code_sets()
    rng = random.Random(7)
    all_codes = list(sets.icd10._codes)  # benchmark only: a sample of real codes
    n = args.lookups
    unique = rng.sample(all_codes, min(n, len(all_codes)))
    claim_mix = [rng.choice(all_codes[:: max(1, len(all_codes) // 500)]) for _ in range(n)]
    dotted = [c if len(c) <= 3 else f"{c[:3]}.{c[3:]}" for c in claim_mix]
    on = date(2026, 2, 10)
    pairs = [("80053", "82947"), ("99213", "96372"), ("99213", "80053"), ("97597", "11042")]
    pair_mix = [pairs[i % len(pairs)] for i in range(n)]
    mue_codes = ["36415", "97110", "99999", "J1100"]
    npis = [f"{rng.randrange(100_000_000, 299_999_999)}{rng.randrange(10)}" for _ in range(n)]
    procedures = [rng.choice(["99213", "J1100", "0001U", "9921", "W1234"]) for _ in range(n)]

    # First-time lookups build the Icd10Code; repeats are one memo probe.
    icd = sets.icd10
    rows = [
        _rate(
            "icd10.lookup, first time per code",
            lambda: [icd.lookup(c) for c in unique],
            len(unique),
        ),
        _rate(
            "icd10.lookup, claim mix (500 distinct, dotted)",
            lambda: [icd.lookup(c) for c in dotted],
            n,
        ),
        _rate("icd10.valid_on, claim mix", lambda: [icd.valid_on(c, on) for c in claim_mix], n),
        _rate(
            "ncci.ptp (either order, dated)",
            lambda: [sets.ncci.ptp(a, b, on) for a, b in pair_mix],
            n,
        ),
        _rate(
            "ncci.mue (dated)", lambda: [sets.ncci.mue(mue_codes[i % 4], on) for i in range(n)], n
        ),
        _rate(
            "modifiers / POS dict probe",
            lambda: [("25" in sets.modifiers, "11" in sets.place_of_service) for _ in range(n)],
            n,
        ),
        _rate("is_valid_npi", lambda: [is_valid_npi(x) for x in npis], n),
        _rate("is_cpt", lambda: [is_cpt(x) for x in procedures], n),
    ]
    ptp_rows = _bench_big_ptp(args.ptp_rows)
    rows.extend(ptp_rows)
    print("\n## Lookups (one core, in process)")
    print("| operation | lookups/s | µs each |")
    print("|---|---:|---:|")
    for label, per_second, micros in rows:
        print(f"| {label} | {per_second:,.0f} | {micros:.2f} |")


def _bench_big_ptp(count: int) -> list[tuple[str, float, float]]:
    """Load a CMS-sized PTP file (synthetic pairs, CMS layout): first parse, then from cache."""
    from shared.codes.ncci import load_ncci_dir

    rng = random.Random(11)
    codes = [f"{i:05d}" for i in range(10000, 99999, 7)] + [f"J{i:04d}" for i in range(0, 9999, 13)]
    pairs: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work) / "ncci"
        directory.mkdir()
        path = directory / "ccipra-v999r0-f1.txt"
        with path.open("w") as out:
            out.write("CPT only copyright American Medical Association\n")
            out.write(
                "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\t"
                "Deletion Date *=no data\tModifier\tPTP Edit Rationale\n"
            )
            while len(pairs) < count:
                a, b = rng.choice(codes), rng.choice(codes)
                if a == b or (a, b) in pairs:
                    continue
                pairs.add((a, b))
                deletion = "*" if rng.random() < 0.8 else "20251231"
                out.write(
                    f"{a}\t{b}\t\t20{rng.randrange(10, 25)}0101\t{deletion}\t"
                    f"{rng.choice('019')}\tStandards of medical / surgical services\n"
                )
        os.environ["REVCYCLE_CODES_CACHE_DIR"] = str(Path(work) / "cache")
        started = time.perf_counter()
        load_ncci_dir(directory)
        parsed = time.perf_counter() - started
        started = time.perf_counter()
        tables = load_ncci_dir(directory)
        cached = time.perf_counter() - started
        print(f"\n## PTP file of {count:,} rows ({path.stat().st_size / 1e6:.0f} MB)")
        print("| load | s |\n|---|---:|")
        print(f"| first (parse, build index, write cache) | {parsed:.2f} |")
        print(f"| later (from cache) | {cached:.3f} |")
        sample = [p for _, p in zip(range(50_000), pairs, strict=False)]
        on = date(2026, 2, 10)
        first = _rate(
            f"ncci.ptp on {count:,} edits, first ask per pair",
            lambda: [tables.ptp(b, a, on) for a, b in sample],
            len(sample),
        )
        again = _rate(
            f"ncci.ptp on {count:,} edits, pair asked before",
            lambda: [tables.ptp(b, a, on) for a, b in sample],
            len(sample),
        )
        return [first, again]


if __name__ == "__main__":
    main()
