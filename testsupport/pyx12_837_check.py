"""pytest plugin: every 837 our writer produces during a test run is judged by pyx12.

Loaded by `tests/conftest.py`. At the start of the session it wraps `write_837`, the one
function both 837 writers (837P `write_837p`, 837I `write_837i`) end in, so every 837
written in the test process is captured, whoever wrote it: a test, the claims service's
submission, a bench helper a test calls, the API on a server thread. After each test's
setup and call phase, each captured file not judged before in this session (deduplicated by
the SHA-256 of its text: pyx12 takes a good fraction of a second per file) is judged by
pyx12 (`shared.x12.pyx12_judge.judge`), and a file pyx12 rejects fails the test that wrote
it, naming pyx12's errors (segment, position, element, code, message; never the values).

A test that writes a bad 837 on purpose opts out with
`@pytest.mark.invalid_837("why")`: its files are not judged, and the terminal summary lists
every opt-out with its reason, next to what the check cost (files captured, distinct files
judged, seconds spent in pyx12).

Not covered: 837s written in a subprocess (the CLI tests' `revcycle` processes, kill -9
tests): their writers run outside this process.
To run without the check (a quick local loop): `pytest -p no:testsupport.pyx12_837_check`.

Cost: pyx12 spends about 95% of a small file's judgement parsing its XML maps again (0.7 s
per map on the build machine). For the session the plugin keeps each map pyx12 loads as
pickled bytes and hands every caller a fresh unpickled copy (0.07 s): the same pristine
map a new load gives (pyx12's maps count segments as they walk, so a map is never shared
between two judgements). Every `judge` in the test process gains, not only this check.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import pickle
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import pytest

MARKER = "invalid_837"
# The modules whose `write_837` global the 837P and 837I writers call at run time.
WRITER_MODULES = (
    "shared.x12.x12_837_005010X222A1.writer",
    "shared.x12.x12_837_005010X223A2.writer",
)


@dataclass
class _Check:
    """The session's state: what the running test wrote, what pyx12 said of each file."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    capturing: list[str] | None = None
    verdicts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sha256 -> errors
    captured: int = 0
    seconds: float = 0.0
    opted_out: dict[str, str] = field(default_factory=dict)  # test id -> reason
    originals: dict[str, Callable[..., str]] = field(default_factory=dict)

    def record(self, text: str) -> None:
        with self.lock:
            self.captured += 1
            if self.capturing is not None:
                self.capturing.append(text)

    def problems(self, texts: list[str]) -> list[str]:
        """pyx12's errors for each distinct file among `texts` (judged once per session)."""
        from shared.x12.pyx12_judge import judge

        found = []
        for text in texts:
            digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
            if digest not in self.verdicts:
                started = time.perf_counter()
                verdict = judge(text)
                self.seconds += time.perf_counter() - started
                self.verdicts[digest] = tuple(
                    f"{e.level} {e.segment_id or '?'} at segment {e.position}"
                    + (f" element {e.element}" if e.element else "")
                    + f": {e.code} {e.message}"
                    for e in verdict.errors
                )
            errors = self.verdicts[digest]
            if errors:
                head = next((s for s in text.split("~")[:3] if s.startswith("ST")), "ST?")
                found.append(f"837 {digest[:12]} ({head}): " + "; ".join(errors[:10]))
        return found


_check = _Check()


def _wrap(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def write_837(*args: Any, **kwargs: Any) -> str:
        text = original(*args, **kwargs)
        _check.record(text)
        return text

    write_837.__wrapped_for_pyx12__ = True  # type: ignore[attr-defined]
    return write_837


def _cache_pyx12_maps() -> None:
    """pyx12's `load_map_file` answered from a cache of pickled maps (see the docstring)."""
    import pyx12.map_if  # type: ignore[import-untyped]

    original = pyx12.map_if.load_map_file
    if getattr(original, "__cached_for_tests__", False):
        return
    pristine: dict[tuple[Any, ...], bytes] = {}

    @functools.wraps(original)
    def load_map_file(map_file: str, param: Any, map_path: str | None = None) -> Any:
        settings = tuple(sorted((k, repr(v)) for k, v in param.params.items()))
        key = (map_file, map_path, settings)
        if key not in pristine:
            loaded = original(map_file, param, map_path)
            pristine[key] = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
        return pickle.loads(pristine[key])

    load_map_file.__cached_for_tests__ = True  # type: ignore[attr-defined]
    _check.originals["pyx12.map_if"] = original
    pyx12.map_if.load_map_file = load_map_file


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(reason): this test writes an invalid 837 on purpose; pyx12 does not judge "
        "its files (listed in the summary)",
    )
    for name in WRITER_MODULES:
        module = importlib.import_module(name)
        current = module.write_837
        if getattr(current, "__wrapped_for_pyx12__", False):
            continue
        _check.originals[name] = current
        module.write_837 = _wrap(current)
    _cache_pyx12_maps()


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, original in _check.originals.items():
        module = importlib.import_module(name)
        if name == "pyx12.map_if":
            module.load_map_file = original
        else:
            module.write_837 = original
    _check.originals.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    outcome = yield from _result_of(item)
    return outcome


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    outcome = yield from _result_of(item)
    return outcome


def _result_of(item: pytest.Item) -> Generator[None, None, None]:
    """Run the phase (re-raising its own failure first), then judge what it wrote."""
    with _check.lock:
        _check.capturing = texts = []
    try:
        result = yield
    finally:
        with _check.lock:
            _check.capturing = None
    marker = item.get_closest_marker(MARKER)
    if marker is not None:
        if texts:
            _check.opted_out[item.nodeid] = (
                str(marker.args[0]) if marker.args else "no reason given"
            )
        return result
    problems = _check.problems(texts)
    if problems:
        raise AssertionError(
            f"pyx12 rejects {len(problems)} 837 file(s) this test wrote "
            f"(mark it @pytest.mark.{MARKER}(reason) if that is the point):\n  "
            + "\n  ".join(problems)
        )
    return result


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    write(
        f"pyx12 837 check: {_check.captured} 837 file(s) written in process, "
        f"{len(_check.verdicts)} distinct judged in {_check.seconds:.1f} s"
    )
    for nodeid, reason in sorted(_check.opted_out.items()):
        write(f"  not judged ({MARKER}): {nodeid}: {reason}")
