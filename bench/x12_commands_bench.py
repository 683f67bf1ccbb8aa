"""Benchmark the X12 commands as a user runs them, next to pyx12's `x12xml`, in one run.

Run: .venv/bin/python bench/x12_commands_bench.py [--claims 20000 200000] [--seed 1]
         [--skip-pyx12-above N] [--startup-runs N] [--repeat 3] [--sample 835-FILE]

For each size it writes a generated 835 (the templates of bench/x12_parse_bench.py: 1-3
service lines per claim with CAS, valid under our validator and pyx12) and runs, each in a
fresh process, `revcycle x12 validate`, `revcycle x12 parse --json`, `revcycle x12 parse
--jsonl` (output to /dev/null) and pyx12's `x12xml` (what a pyx12 user runs to read a file),
measuring per process (os.wait4): wall time, CPU time (user + system) and peak resident
memory. Each of our commands runs --repeat times (interleaved), pyx12's once; a row shows
our median run (and the least CPU). Ratios are pyx12's time over ours from the same run,
so machine load cancels out as far as it can (the machine is shared: CPU time is the
steadier basis).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV = Path(sys.executable).parent
GENERATE = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
    "from x12_parse_bench import generate_835\n"
    "text = generate_835(int(sys.argv[2]), int(sys.argv[3]))\n"
    "open(sys.argv[1], 'w', encoding='ascii').write(text)\n"
)


REPLICATE = (
    "import sys\n"
    "text = open(sys.argv[3], encoding='latin-1').read()\n"
    "term = text[105]\n"
    "segs = [s.strip() for s in text.split(term) if s.strip()]\n"
    "lx = next(i for i, s in enumerate(segs) if s.startswith('LX'))\n"
    "end = next(i for i, s in enumerate(segs) if s.startswith(('PLB', 'SE')))\n"
    "body = segs[lx:end]\n"
    "per = sum(1 for s in body if s.startswith('CLP'))\n"
    "out = segs[:lx] + body * -(-int(sys.argv[2]) // per) + segs[end:]\n"
    "st = next(i for i, s in enumerate(out) if s.startswith('ST'))\n"
    "se = next(i for i, s in enumerate(out) if s.startswith('SE'))\n"
    "el = text[3]\n"
    "parts = out[se].split(el)\n"
    "parts[1] = str(se - st + 1)\n"
    "out[se] = el.join(parts)\n"
    "open(sys.argv[1], 'w', encoding='latin-1').write((term + '\\n').join(out) + term + '\\n')\n"
)


def run(argv: list[str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit status) of one command, output discarded."""
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert proc.stderr is not None
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, proc.returncode


def startup(revcycle: str, runs: int, seed: int) -> None:
    """Least CPU of `runs` runs of each command on a one-claim 835: what a run costs
    before the file's size counts (imports, argument parsing, guide tables)."""
    print("| command, one-claim 835 | least CPU | median CPU | runs |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.835"
        subprocess.run([sys.executable, "-c", GENERATE, str(path), "1", str(seed)], check=True)
        commands = {
            # The floor: the venv's interpreter starting (site, the editable install's finder).
            "python -c pass": [sys.executable, "-c", "pass"],
            "revcycle --help": [revcycle, "--help"],
            "revcycle x12 validate": [revcycle, "x12", "validate", str(path)],
            "revcycle x12 parse --json": [revcycle, "x12", "parse", "--json", str(path)],
        }
        for label, argv in commands.items():
            cpus = sorted(run(argv)[1] for _ in range(runs))
            print(f"| {label} | {cpus[0]:.3f} s | {cpus[len(cpus) // 2]:.3f} s | {runs} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-pyx12-above", type=int, default=10**9)
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=0,
        help="also time each command N times on a one-claim 835 (start-up: the least CPU)",
    )
    parser.add_argument(
        "--sample",
        help="instead of the generated 835, repeat the claim loops of this 835 file (e.g. "
        "../shared/samples/x12/835/5010-835-example-1.txt) to each size",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each revcycle command per size (median and least CPU reported)",
    )
    args = parser.parse_args()
    revcycle = str(VENV / "revcycle")
    rows: list[str] = []
    if args.startup_runs:
        startup(revcycle, args.startup_runs, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        for claims in args.claims:
            path = Path(tmp) / f"bench-{claims}.835"
            # Written by a child process: a child's peak memory (ru_maxrss) starts from what
            # its parent held when it forked, so this process must never hold the file.
            if args.sample is not None:
                # A real 835's claim loops (LX through the last claim), repeated to `claims`
                # or just past it; SE01 recounted, BPR02 left as the sample's.
                make = [sys.executable, "-c", REPLICATE, str(path), str(claims), args.sample]
            else:
                make = [sys.executable, "-c", GENERATE, str(path), str(claims), str(args.seed)]
            subprocess.run(make, check=True)
            size = path.stat().st_size / 1e6
            commands = {
                "revcycle x12 validate": [revcycle, "x12", "validate", str(path)],
                "revcycle x12 parse --json": [revcycle, "x12", "parse", "--json", str(path)],
                "revcycle x12 parse --jsonl": [revcycle, "x12", "parse", "--jsonl", str(path)],
            }
            if claims <= args.skip_pyx12_above:
                commands["pyx12 x12xml"] = [str(VENV / "x12xml"), str(path)]
            results: dict[str, list[tuple[float, float, float, int]]] = {}
            # Our commands run `--repeat` times, interleaved (a burst of load on this shared
            # machine then hits one run of each, not every run of one); pyx12 once.
            for round_ in range(args.repeat):
                for label, argv in commands.items():
                    if label == "pyx12 x12xml" and round_:
                        continue
                    print(
                        f"... {claims} claims: {label} ({round_ + 1})", file=sys.stderr, flush=True
                    )
                    results.setdefault(label, []).append(run(argv))
                    if label == "pyx12 x12xml" and results[label][0][3] != 0:
                        print(
                            "    (x12xml exits 1: its 999 writer fails after reading the whole "
                            "file; x12valid calls the file OK)",
                            file=sys.stderr,
                        )
            base = results.get("pyx12 x12xml", [None])[0]
            for label, runs in results.items():
                runs.sort(key=lambda r: r[1])
                wall, cpu, rss, code = runs[len(runs) // 2]  # the median run by CPU
                least = runs[0][1]
                ratio = ""
                if base is not None and label != "pyx12 x12xml":
                    ratio = (
                        f"{base[0] / wall:.1f}x wall, {base[1] / cpu:.1f}x CPU "
                        f"({base[1] / least:.1f}x least)"
                    )
                rows.append(
                    f"| {claims:,} ({size:.1f} MB) | {label} | {len(runs)} | {wall:.2f} s | "
                    f"{cpu:.2f} s | {least:.2f} s | {max(r[2] for r in runs):.0f} MB | {code} | "
                    f"{ratio} |"
                )
    print(
        "| 835 claims (size) | command | runs | wall (median run) | CPU (median) | CPU (least) "
        "| peak memory | exit | pyx12 / ours |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nload average at the end: {os.getloadavg()}; this script's own peak {floor:.0f} MB")


if __name__ == "__main__":
    main()
