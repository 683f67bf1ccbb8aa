"""Benchmark the X12 writers: 837P and 835 files of N claims, control numbers, pyx12 beside.

Run: .venv/bin/python bench/x12_write_bench.py [--claims 50000] [--pyx12-claims 1000]
Prints one table; the 837P is also checked by pyx12 on a smaller file (pyx12 is the slow,
independent judge; its figure is there for scale, not as a competitor).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

# testsupport/ (test factories) is not installed: import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.x12.control_numbers import DatabaseControlNumbers, InMemoryControlNumbers  # noqa: E402
from shared.x12.envelope_writer import Party  # noqa: E402
from shared.x12.pyx12_judge import judge  # noqa: E402
from shared.x12.x12_835_005010X221A1.writer import write_835  # noqa: E402
from shared.x12.x12_837_005010X222A1.writer import write_837p  # noqa: E402
from testsupport.claims import random_professional_claims  # noqa: E402
from testsupport.remittances import claim_payment, remittance  # noqa: E402
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER  # noqa: E402

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> tuple[T, float]:
    print(f"... {label}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--pyx12-claims", type=int, default=1_000)
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []

    claims, t_gen = timed(
        f"generating {args.claims} claims",
        lambda: list(random_professional_claims(args.claims, seed=1)),
    )
    rows.append(
        (
            "generate Claim objects",
            f"{args.claims}",
            f"{t_gen:.2f} s",
            f"{args.claims / t_gen:,.0f} claims/s",
        )
    )

    def w837() -> str:
        return write_837p(
            claims,
            submitter=SUBMITTER,
            receiver=RECEIVER,
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )

    text, t_837 = timed("writing 837P", w837)
    mb = len(text) / 1e6
    rows.append(
        (
            "write 837P (one file)",
            f"{args.claims} claims, {mb:.1f} MB",
            f"{t_837:.2f} s",
            f"{args.claims / t_837:,.0f} claims/s, {mb / t_837:.1f} MB/s",
        )
    )

    payments = [claim_payment(c) for c in claims]

    def w835() -> str:
        return write_835(
            [remittance(payments)],
            sender=Party("SUNSHINE"),
            receiver=Party("RIVERBEND01"),
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )

    remit, t_835 = timed("writing 835", w835)
    mb835 = len(remit) / 1e6
    rows.append(
        (
            "write 835 (one payment)",
            f"{args.claims} claims, {mb835:.1f} MB",
            f"{t_835:.2f} s",
            f"{args.claims / t_835:,.0f} claims/s, {mb835 / t_835:.1f} MB/s",
        )
    )

    small = claims[: args.pyx12_claims]
    small_text = write_837p(
        small,
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )
    _, t_small = timed(
        f"writing 837P of {len(small)} claims",
        lambda: write_837p(
            small,
            submitter=SUBMITTER,
            receiver=RECEIVER,
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        ),
    )
    verdict, t_judge = timed(f"pyx12 judging {len(small)} claims", lambda: judge(small_text))
    rows.append(
        (
            "write 837P (small file)",
            f"{len(small)} claims",
            f"{t_small:.3f} s",
            f"{len(small) / t_small:,.0f} claims/s",
        )
    )
    rows.append(
        (
            "pyx12 validates it",
            f"{len(small)} claims, {len(verdict.errors)} errors",
            f"{t_judge:.2f} s",
            f"{len(small) / t_judge:,.0f} claims/s",
        )
    )

    with tempfile.TemporaryDirectory() as tmp:
        numbers = DatabaseControlNumbers(f"sqlite:///{Path(tmp) / 'cn.sqlite'}")
        takes = 2_000
        _, t_cn = timed(
            f"{takes} control numbers (SQLite)",
            lambda: [numbers.take("ISA13:B") for _ in range(takes)],
        )
        numbers.close()
    rows.append(
        (
            "control number take (SQLite file)",
            f"{takes} takes",
            f"{t_cn:.2f} s",
            f"{takes / t_cn:,.0f} takes/s",
        )
    )

    widths = [max(len(r[i]) for r in rows + [("what", "size", "time", "rate")]) for i in range(4)]
    header = ("what", "size", "time", "rate")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
