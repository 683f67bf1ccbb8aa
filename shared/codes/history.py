"""Year-over-year ICD-10-CM change rows (added / deleted / expanded) from two code lists, for
icd10cm_history.csv: `python -m shared.codes.history OLD NEW --effective YYYY-MM-DD`."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from shared.codes.icd10 import parse_cms_order_file

HistoryRow = tuple[str, str, str, str, str]


def diff_code_lists(
    old: Mapping[str, tuple[str, bool]],
    new: Mapping[str, tuple[str, bool]],
    effective: date,
) -> list[HistoryRow]:
    """Rows (code, change, valid_from, valid_to, description) for codes that became billable
    on `effective` (added), stopped existing (deleted) or became headers (expanded)."""
    last_day = (effective - timedelta(days=1)).isoformat()
    rows: list[HistoryRow] = []
    for code, (description, billable) in new.items():
        if billable and code not in old:
            rows.append((code, "added", effective.isoformat(), "", description))
    for code, (description, billable) in old.items():
        if not billable:
            continue
        if code not in new:
            rows.append((code, "deleted", "", last_day, description))
        elif not new[code][1]:
            rows.append((code, "expanded", "", last_day, description))
    return sorted(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print icd10cm_history.csv rows for the change between two CMS ICD-10-CM "
        "order files (icd10cm_order_YYYY.txt). Append them to your history file."
    )
    parser.add_argument("old", type=Path, help="order file of the earlier fiscal year")
    parser.add_argument("new", type=Path, help="order file of the new fiscal year")
    parser.add_argument(
        "--effective",
        type=date.fromisoformat,
        required=True,
        help="first day of the new fiscal year, e.g. 2026-10-01",
    )
    parser.add_argument("--header", action="store_true", help="print the CSV header first")
    args = parser.parse_args(argv)
    rows = diff_code_lists(
        parse_cms_order_file(args.old), parse_cms_order_file(args.new), args.effective
    )
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if args.header:
        writer.writerow(["code", "change", "valid_from", "valid_to", "description"])
    writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
