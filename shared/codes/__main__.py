"""`python -m shared.codes [DIR]`: load the code sets (checking every file) and print each
set's source, as-of date and size, so a billing office sees what a replaced file changed."""

from __future__ import annotations

import sys
from pathlib import Path

from shared.codes.errors import CodeFileError
from shared.codes.sets import CodeSets, load_code_sets


def _sizes(sets: CodeSets) -> dict[str, int]:
    return {
        "icd10cm": len(sets.icd10),
        "modifiers": len(sets.modifiers),
        "place_of_service": len(sets.place_of_service),
        "carc": len(sets.carc),
        "rarc": len(sets.rarc),
        "claim_status_categories": len(sets.claim_status_categories),
        "claim_status_codes": len(sets.claim_status_codes),
        "frequency_codes": len(sets.frequency_codes),
        "ncci": sets.ncci.ptp_count + sets.ncci.mue_count,
    }


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else None
    try:
        sets = load_code_sets(directory)
    except CodeFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sizes = _sizes(sets)
    print(f"{'set':<44} {'as of':<10} {'version':<16} {'entries':>8}  source")
    for name, info in sets.sources.items():
        size = str(sizes[name]) if name in sizes else ""
        print(
            f"{name:<44} {info.as_of.isoformat():<10} {info.version:<16} {size:>8}  {info.source}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
