"""Seeded chance, one independent draw per (seed, thing, purpose): nothing reshuffles.

Each draw hashes the seed, the identity of what it is about (a claim, a transaction set, a
check) and the purpose ("deny", "underpayment percent"...). So the same seed and inputs
always draw the same, and adding a claim, or a behaviour to the profile, changes no other
claim's draws (a shared random stream would shift every later one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

__all__ = ["uniform", "choose", "percent_between", "digits"]

_SCALE = float(1 << 64)


def _digest(seed: int, key: Sequence[str]) -> bytes:
    text = "\x1f".join((str(seed), *key))
    return hashlib.sha256(text.encode("utf-8")).digest()


def uniform(seed: int, *key: str) -> float:
    """A number in [0, 1) for this seed and key."""
    return int.from_bytes(_digest(seed, key)[:8], "big") / _SCALE


def choose(weights: Sequence[int], seed: int, *key: str) -> int:
    """An index into `weights`, each chosen in proportion to its weight."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must add up to more than 0")
    point = uniform(seed, *key) * total
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if point < running:
            return index
    return len(weights) - 1


def percent_between(low: Decimal, high: Decimal, seed: int, *key: str) -> Decimal:
    """A percent from `low` to `high` in steps of 0.1 (payers' reductions look like that)."""
    steps = int((high - low) * 10)
    if steps <= 0:
        return low
    step = int(uniform(seed, *key) * (steps + 1))
    return low + Decimal(min(step, steps)) / 10


def digits(count: int, seed: int, *key: str) -> str:
    """`count` decimal digits (an ICN, a check number, a trace) for this seed and key."""
    value = int.from_bytes(_digest(seed, key), "big")
    return f"{value % (10**count):0{count}d}"
