"""Compare `shared.x12.reader.parse` of this checkout with another checkout's, in one run.

Run: .venv/bin/python bench/x12_parse_compare.py --baseline DIR [--claims 50000] [--rounds 3]

DIR holds the other version's `shared/` package (e.g. `git archive main shared | tar -x -C
DIR`). Both parse the same generated 835 and 837P (bench/x12_parse_bench.py templates) in
fresh processes, alternating rounds so machine load falls on both alike; the figure is the
median CPU time per version and the ratio between them (the parse-speed goal: within 10%).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from x12_parse_bench import generate_835, generate_837p  # noqa: E402

CHILD = """
import gc, json, sys, time
from pathlib import Path
from shared.x12.reader import parse
path = Path(sys.argv[1])
start = time.process_time()
result = parse(path)
cpu = time.process_time() - start
claims = sum(1 for t in result.transactions for _ in t.model.claims())
print(json.dumps({"cpu": cpu, "claims": claims}))
"""


def parse_cpu(root: Path, path: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True, text=True, env=env, cwd=root, check=True,
    )  # fmt: skip
    cpu: float = json.loads(done.stdout)["cpu"]
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ours = HERE.parent
    print("| file | baseline CPU (median) | this checkout CPU (median) | this / baseline |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, generate in (("835", generate_835), ("837P", generate_837p)):
            path = Path(tmp) / f"{name}.x12"
            path.write_text(generate(args.claims, 1), encoding="ascii")
            base: list[float] = []
            mine: list[float] = []
            for _ in range(args.rounds):
                base.append(parse_cpu(args.baseline, path))
                mine.append(parse_cpu(ours, path))
            b, m = statistics.median(base), statistics.median(mine)
            print(
                f"| {name}, {args.claims:,} claims | {b:.2f} s ({args.claims / b:,.0f} claims/s) "
                f"| {m:.2f} s ({args.claims / m:,.0f} claims/s) | {m / b:.3f} |"
            )


if __name__ == "__main__":
    main()
