"""Streaming reads: the same answers as whole-file reads, one claim at a time.

`revcycle x12 validate`, `parse --json` and `parse --jsonl` read a file one transaction set
and one claim at a time (memory stays flat, see bench/results/x12_commands.md); these
tests pin that streaming changes nothing in what they report.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from shared.x12.json_stream import write_json, write_jsonl
from shared.x12.loops import Loop
from shared.x12.reader import parse, stream_transactions
from shared.x12.validation import validate_parsed, validate_stream

from .conftest import sample_files, sample_id
from .factories import claim_837p, remittance_835

SAMPLES = sample_files()


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _key(issue: Any) -> tuple[Any, ...]:
    return (issue.position or 0, issue.code, issue.element or 0, issue.component or 0)


@pytest.mark.parametrize("path", SAMPLES, ids=[sample_id(p) for p in SAMPLES])
def test_streamed_json_is_the_typed_model(path: Path) -> None:
    out = io.StringIO()
    write_json(path, out)
    streamed = json.loads(out.getvalue())
    whole = parse(path).to_plain()
    streamed["issues"].sort(key=str)
    whole["issues"].sort(key=str)
    assert _norm(streamed) == _norm(whole)


@pytest.mark.parametrize("path", SAMPLES, ids=[sample_id(p) for p in SAMPLES])
def test_streamed_validation_reports_what_a_whole_read_reports(path: Path) -> None:
    streamed = sorted(validate_stream(path).issues, key=_key)
    whole = sorted(validate_parsed(parse(path)).issues, key=_key)
    assert [(i.code, i.position, i.element) for i in streamed] == [
        (i.code, i.position, i.element) for i in whole
    ]


def test_jsonl_writes_one_claim_per_line_then_the_header_and_issues() -> None:
    out = io.StringIO()
    write_jsonl(remittance_835(), out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["record"] for r in records] == ["claim", "claim", "level", "transaction", "issues"]
    first = records[0]
    assert first["loop"]["loop"] == "2100" and first["loop"]["clp"]["payment"] == "80.00"
    assert [p["loop"] for p in first["path"]] == ["HEADER", "2000"]
    # Claims already written are not repeated in the header record.
    assert "header_numbers" not in records[3]["model"]


def test_a_streamed_claim_is_dropped_once_it_closes() -> None:
    kept: list[Loop] = []

    def on_close(parsed: Any) -> Any:
        def close(loop: Loop, ancestors: list[Loop], attr: str) -> bool:
            if loop.LOOP_ID == "2300":
                kept.append(loop)
                return True
            return False

        return close

    ((parsed, _),) = list(stream_transactions(claim_837p(), [], on_close=on_close))
    assert len(kept) == 1
    model: Any = parsed.model
    assert list(model.claims()) == []  # dropped from the tree: nothing accumulates
