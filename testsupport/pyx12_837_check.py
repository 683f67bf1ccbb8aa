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

A file of more than 300 claims (PYX12_837_MAX_CLAIMS; 0 for no limit) is judged on an even
sample of 300 of its claims, written again by the same writer with the same arguments (a
throwaway control-number source): pyx12 reads about 130 claims/s, and the suite writes a
few files of 1,000 to 8,000 claims (streaming and balancing tests) that would add minutes.
The summary lists those files.

837s written in a subprocess (the CLI tests' `revcycle` processes, kill -9 tests) run their
writer outside this process: after a test's call phase, the files the claims service names
as it sends them (`837p-*.x12`, `837i-*.x12`, services/claims/sending.py) anywhere under the
test's `tmp_path` are judged too (the same file written in-process is judged once, by its
hash). An 837 a subprocess writes elsewhere, or under another name, is not covered.
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
import os
import pickle
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import pytest

MARKER = "invalid_837"
# pyx12 reads about 130 claims/s: a file larger than this is judged on an even sample of
# this many of its claims (the suite writes a few files of 1,000-8,000 claims).
DEFAULT_MAX_CLAIMS = 300
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
    sampled: list[tuple[int, int]] = field(default_factory=list)  # (claims, judged)
    judged_elsewhere: int = 0  # distinct files judged by pytest-xdist workers
    originals: dict[str, Callable[..., str]] = field(default_factory=dict)

    def record(self, text: str, sampled: tuple[int, int] | None = None) -> None:
        with self.lock:
            self.captured += 1
            if sampled is not None:
                self.sampled.append(sampled)
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


def _max_claims() -> int:
    """Claims per file judged in full (PYX12_837_MAX_CLAIMS; 0: every file whole)."""
    return int(os.environ.get("PYX12_837_MAX_CLAIMS", str(DEFAULT_MAX_CLAIMS)))


def _wrap(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def write_837(claims: Any, *args: Any, **kwargs: Any) -> str:
        claims = list(claims)
        text = original(claims, *args, **kwargs)
        cap = _max_claims()
        if not cap or len(claims) <= cap:
            _check.record(text)
            return text
        # A large file: the same writer, with the same arguments, on an even sample of its
        # claims (every k-th), so each sampled claim's segments are the very ones in the
        # file; control numbers from a throwaway source, never the caller's.
        from shared.x12.control_numbers import InMemoryControlNumbers

        step = -(-len(claims) // cap)
        sample = original(claims[::step], *args, **{**kwargs, "numbers": InMemoryControlNumbers()})
        _check.record(sample, sampled=(len(claims), len(claims[::step])))
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
        current = getattr(module, "write_837")  # noqa: B009 - typed as a plain module
        if getattr(current, "__wrapped_for_pyx12__", False):
            continue
        _check.originals[name] = current
        setattr(module, "write_837", _wrap(current))  # noqa: B010
    _cache_pyx12_maps()


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, original in _check.originals.items():
        attribute = "load_map_file" if name == "pyx12.map_if" else "write_837"
        setattr(importlib.import_module(name), attribute, original)
    _check.originals.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _result_of(item, sent_files=False))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _result_of(item, sent_files=True))


def _result_of(item: pytest.Item, *, sent_files: bool) -> Generator[None, object, object]:
    """Run the phase (re-raising its own failure first), then judge what it wrote (and,
    after the call phase, the 837 files sent under its tmp_path)."""
    texts: list[str] = []
    with _check.lock:
        _check.capturing = texts
    try:
        result = yield
    finally:
        with _check.lock:
            _check.capturing = None
    if sent_files:
        texts += _sent_files(item)
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


# The claims service's outbound file names (services/claims/sending.py): a subprocess's 837s.
SENT_FILE_PATTERNS = ("837p-*.x12", "837i-*.x12")


def _sent_files(item: pytest.Item) -> list[str]:
    """The 837 files sent under the test's tmp_path (by its subprocesses, or in-process)."""
    root = getattr(item, "funcargs", {}).get("tmp_path")
    if root is None or not root.is_dir():
        return []
    found = []
    for pattern in SENT_FILE_PATTERNS:
        for path in sorted(root.rglob(pattern)):
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            cap = _max_claims()
            if cap and text.count("~CLM*") > cap:
                continue  # too big to judge whole; an in-process write was sampled instead
            found.append(text)
    return found


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand this worker's figures to the controller's summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["pyx12_837_check"] = {
            "captured": _check.captured,
            "judged": len(_check.verdicts),
            "seconds": _check.seconds,
            "sampled": _check.sampled,
            "opted_out": _check.opted_out,
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the pytest-xdist controller: add up what each worker reported."""
    figures = getattr(node, "workeroutput", {}).get("pyx12_837_check")
    if not figures:
        return
    with _check.lock:
        _check.captured += int(figures["captured"])
        _check.judged_elsewhere += int(figures["judged"])
        _check.seconds += float(figures["seconds"])
        _check.sampled += [tuple(pair) for pair in figures["sampled"]]
        _check.opted_out.update(figures["opted_out"])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    write(
        f"pyx12 837 check: {_check.captured} 837 file(s) written in process, "
        f"{len(_check.verdicts) + _check.judged_elsewhere} distinct judged in "
        f"{_check.seconds:.1f} s (distinct per worker under pytest-xdist)"
    )
    if _check.sampled:
        sizes = ", ".join(f"{n:,} ({k})" for n, k in sorted(_check.sampled))
        write(
            f"  {len(_check.sampled)} file(s) over {_max_claims()} claims judged on an even "
            f"sample (claims in the file (sampled)): {sizes}; PYX12_837_MAX_CLAIMS=0 judges "
            "them whole"
        )
    for nodeid, reason in sorted(_check.opted_out.items()):
        write(f"  not judged ({MARKER}): {nodeid}: {reason}")
