"""Control numbers and identifiers that repeat exactly for the same seed and inputs.

Real X12 control numbers come from a persistent sequence (`shared.x12.control_numbers`);
the simulator's must instead be a function of what it answers, so two runs over the same
files write the same bytes. ISA13 and GS06 are drawn from a hash of the answer file's key
(unique in practice: nine digits), ST02 counts from 1 within each file.
"""

from __future__ import annotations

from simulator import draws

__all__ = ["DeterministicControlNumbers"]


class DeterministicControlNumbers:
    """A `ControlNumberSource` whose numbers depend only on `key` (and the seed)."""

    def __init__(self, seed: int, key: str) -> None:
        self.seed = seed
        self.key = key
        self._next: dict[str, int] = {}

    def take(self, sequence: str, count: int = 1) -> list[int]:
        start = self._next.get(sequence)
        if start is None:
            if sequence.startswith("ST02"):
                start = 1
            else:
                # 1..899,999,999 leaves room to count on without passing nine digits.
                start = int(draws.digits(9, self.seed, self.key, sequence)) % 899_999_999 + 1
        self._next[sequence] = start + count
        return list(range(start, start + count))
