"""Write the typed model of an X12 file as JSON while it is read, one claim at a time.

`write_json` produces the same document as `ParseResult.to_plain()` (keys may come in
another order: a claim's parent is opened before its claims and its other fields follow
them), but writes each claim (and each level that repeats per claim) as soon as it closes
and drops it, so memory stays flat for any file size. `write_jsonl` writes one record per
line: each claim (`"record": "claim"`), each level above claims as it closes
(`"record": "level"`, without the claims already written), each transaction's header
(`"record": "transaction"`), and the issues last (`"record": "issues"`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from orjson import dumps as _orjson_dumps

from shared.x12.errors import Issue
from shared.x12.loops import Loop, OnClose, gc_paused, to_plain
from shared.x12.reader import ParsedTransaction, _interchange_plain, stream_transactions
from shared.x12.tokenizer import Source

__all__ = ["STREAMED", "write_json", "write_jsonl"]

# Loops written and dropped as they close: claims, and the levels that repeat per claim.
STREAMED: dict[str, frozenset[str]] = {
    "835": frozenset({"2000", "2100"}),
    "837P": frozenset({"2000A", "2000B", "2000C", "2300"}),
    "837I": frozenset({"2000A", "2000B", "2000C", "2300"}),
    "270": frozenset({"2000C", "2000D"}),
    "271": frozenset({"2000C", "2000D"}),
    "276": frozenset({"2200D", "2200E", "2000D", "2000E"}),
    "277": frozenset({"2200D", "2200E", "2000D", "2000E"}),
    "277CA": frozenset({"2200D", "2000D"}),
}
_HEAD_KEYS = ("loop", "name", "position")


# The standard library's encoder, one for the whole file (json.dumps with options builds a
# new one per call). What it encodes is to_plain's output, a fresh tree that cannot hold a
# cycle: the cycle check (two-fifths of its time) is left out.
_json_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode


def _dumps(obj: Any) -> str:
    """`obj` as compact JSON, the same text as `_json_dumps` writes.

    orjson writes it about ten times faster (encoding was a third of `parse --json`'s
    time): compact separators, UTF-8 rather than ASCII escapes, the same escapes for quotes,
    backslashes and control characters, keys in insertion order (a test compares the two
    on every character). What orjson refuses (an integer beyond 64 bits, a lone surrogate
    from a badly encoded file) goes through the standard library encoder.
    """
    try:
        return _orjson_dumps(obj).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _json_dumps(obj)


def _attribute_of(parent: Loop, child: Loop) -> str:
    """The typed attribute (list) of `parent` that holds `child`."""
    for key, value in parent.__dict__.items():
        if key != "children" and isinstance(value, list) and value and value[-1] is child:
            return key
    return "children"  # pragma: no cover - every child hangs on a typed attribute


class _Open:
    """A loop whose JSON object is open in the output: which array is being filled."""

    __slots__ = ("array", "count", "closed")

    def __init__(self) -> None:
        self.array: str | None = None
        self.count = 0
        self.closed: set[str] = set()


class _ModelWriter:
    """Streams one transaction's model (`on_close` is the loop builder's callback)."""

    def __init__(self, write: Callable[[str], object], streamed: frozenset[str]) -> None:
        self.write = write
        self.streamed = streamed
        self.open: dict[int, _Open] = {}

    def _enter(self, loop: Loop, parent: Loop | None) -> _Open:
        state = self.open.get(id(loop))
        if state is None:
            if parent is not None:
                self._item(parent, _attribute_of(parent, loop))
            head = {k: v for k, v in to_plain_head(loop).items()}
            self.write(_dumps(head)[:-1])  # the object stays open: no closing brace
            state = self.open[id(loop)] = _Open()
        return state

    def _item(self, parent: Loop, attr: str) -> None:
        state = self.open[id(parent)]
        if state.array != attr:
            if state.array is not None:
                self.write("]")
                state.closed.add(state.array)
            key = attr if attr not in state.closed else attr + "_continued"
            self.write(f",{_dumps(key)}:[")
            state.array, state.count = attr, 0
        if state.count:
            self.write(",")
        state.count += 1

    def _finish(self, loop: Loop, state: _Open) -> None:
        if state.array is not None:
            self.write("]")
            state.closed.add(state.array)
        rest = to_plain(loop)
        for key, value in rest.items():
            if key in _HEAD_KEYS:
                continue
            name = key if key not in state.closed else key + "_continued"
            self.write(f",{_dumps(name)}:{_dumps(value)}")
        self.write("}")
        del self.open[id(loop)]

    def on_close(self, loop: Loop, ancestors: list[Loop], attr: str) -> bool:
        state = self.open.get(id(loop))
        if not ancestors:  # the transaction's root
            if state is None:
                self.write(_dumps(to_plain(loop)))
            else:
                self._finish(loop, state)
            return False
        if (
            state is None
            and loop.LOOP_ID not in self.streamed
            and id(ancestors[-1]) not in self.open
        ):
            return False  # small, and its parent is not being streamed: written with it
        for i, ancestor in enumerate(ancestors):
            self._enter(ancestor, ancestors[i - 1] if i else None)
        if state is None:
            self._item(ancestors[-1], attr)
            self.write(_dumps(to_plain(loop)))
        else:
            self._finish(loop, state)
        return True


def to_plain_head(loop: Loop) -> dict[str, Any]:
    head: dict[str, Any] = {"loop": loop.LOOP_ID}
    if loop.NAME:
        head["name"] = loop.NAME
    if loop.segments:
        head["position"] = loop.segments[0].position
    return head


def write_json(source: Source, out: IO[str]) -> list[Issue]:
    """Write `source`'s typed model as one JSON document to `out`; returns the issues."""
    issues: list[Issue] = []
    write = out.write
    started = [False]

    def model(parsed: ParsedTransaction) -> OnClose | None:
        write("," if started[0] else "")
        started[0] = True
        t = parsed.envelope
        head = {
            "transaction_set_id": t.id,
            "control_number": t.control_number,
            "implementation": t.implementation,
            "kind": parsed.kind,
        }
        write(_dumps(head)[:-1] + ',"model":')
        if parsed.model is None:
            write("null}")
            return None
        writer = _ModelWriter(write, STREAMED.get(parsed.kind, frozenset()))

        def on_close(loop: Loop, ancestors: list[Loop], attr: str) -> bool:
            detach = writer.on_close(loop, ancestors, attr)
            if not ancestors:
                write("}")
            return detach

        return on_close

    documents: list[Any] = []
    write('{"transactions":[')
    with gc_paused():
        for _ in stream_transactions(source, issues, on_close=model, documents=documents):
            pass
    write("]")
    if documents:
        document = documents[0]
        d = document.delimiters
        write(
            ',"delimiters":'
            + _dumps(
                {
                    "element": d.element,
                    "component": d.component,
                    "repetition": d.repetition,
                    "segment": d.segment,
                }
            )
        )
        write(',"interchanges":' + _dumps([_interchange_plain(ic) for ic in document.interchanges]))
        write(',"ta1":' + _dumps([_ta1(seg) for ic in document.interchanges for seg in ic.ta1]))
    write(',"issues":' + _dumps([i.to_plain() for i in issues]) + "}\n")
    return issues


def _ta1(seg: Any) -> Any:
    from shared.x12.x12_ta1_005010.models import Ta1Segment

    return to_plain(Ta1Segment.from_segment(seg))


def write_jsonl(source: Source, out: IO[str]) -> list[Issue]:
    """Write `source` as JSON Lines: one claim (or level, or transaction header) per line."""
    issues: list[Issue] = []
    write = out.write

    def records(parsed: ParsedTransaction) -> OnClose | None:
        if parsed.model is None:
            return None
        streamed = STREAMED.get(parsed.kind, frozenset())
        base = {"transaction": parsed.envelope.control_number, "kind": parsed.kind}

        def on_close(loop: Loop, ancestors: list[Loop], attr: str) -> bool:
            if not ancestors:
                write(_dumps({"record": "transaction", **base, "model": to_plain(loop)}) + "\n")
                return False
            if loop.LOOP_ID not in streamed:
                return False
            kind = "level" if loop.segments and loop.segments[0].id == "HL" else "claim"
            if loop.LOOP_ID == "2000":  # the 835's header number groups claims
                kind = "level"
            path = [to_plain_head(a) for a in ancestors]
            write(_dumps({"record": kind, **base, "path": path, "loop": to_plain(loop)}) + "\n")
            return True

        return on_close

    with gc_paused():
        for _ in stream_transactions(source, issues, on_close=records):
            pass
    write(_dumps({"record": "issues", "issues": [i.to_plain() for i in issues]}) + "\n")
    return issues
