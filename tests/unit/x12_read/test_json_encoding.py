"""The JSON writers' encoder (orjson) writes exactly the standard library's text."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from shared.x12 import json_stream
from shared.x12.json_stream import write_json, write_jsonl

from .factories import claim_837p, remittance_835

STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def test_every_character_is_written_as_the_standard_library_writes_it() -> None:
    # Control characters, quotes, backslash, DEL, Latin-1, the BMP's specials, astral.
    chars = [chr(c) for c in range(0x250)] + ["\u2028", "\u2029", "\ufeff", "\ufffd", "😀"]
    value = {
        "text": "".join(chars),
        "each": chars,
        "numbers": [0, -1, 2**63 - 1, -(2**63)],
        "flags": [True, False, None],
        "nested": {"": {"a": [[], {}]}},
        "ké\u0001y": "v",
    }
    assert json_stream._dumps(value) == STDLIB(value)


@pytest.mark.parametrize("value", [{"big": 2**64}, {"bad": "\ud800 lone surrogate"}])
def test_what_orjson_refuses_goes_through_the_standard_library(value: object) -> None:
    assert json_stream._dumps(value) == STDLIB(value)


def test_writers_output_is_the_standard_library_encoders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in {"r.835": remittance_835(), "c.837": claim_837p()}.items():
        path = tmp_path / name
        path.write_text(text.replace("DOE", 'DÖE\\"x'), newline="")
        for writer in (write_json, write_jsonl):
            fast = io.StringIO()
            writer(path, fast)
            with monkeypatch.context() as m:
                m.setattr(json_stream, "_dumps", STDLIB)
                slow = io.StringIO()
                writer(path, slow)
            assert fast.getvalue() == slow.getvalue()
            assert "DÖE" in fast.getvalue()
