"""pyx12 as an independent judge: validate X12 text with pyx12 4.0.0 and return its errors.

pyx12 is the reference the test suite compares our reader and writers against. Its quirks
(see ../shared/notes/kafka-from-maven.md, "pyx12 as a judge") are contained here:

- it writes a .997/.999 next to its input, so it only ever sees a copy in a temp folder
  (and we pass no 997 sink at all: building its own 999 crashes on some 835s);
- it opens files as ASCII and crashes on a UTF-8 byte-order mark, so the BOM is stripped
  from the copy (an encoding artefact, not X12 content) and noted in the verdict;
- its return value mixes walker state with the error tree: the verdict here comes from the
  error handler's tree (collected through pyx12's own JSON visitor), and any exception is
  reported as an error rather than raised.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Pyx12Error", "Pyx12Verdict", "judge", "judge_file"]


@dataclass(frozen=True, slots=True)
class Pyx12Error:
    """One error pyx12 reported.

    `level` is where pyx12 attached it: "ISA", "GS", "ST", "SEG" or "ELE".
    `position` is pyx12's current line for that node: the 1-based segment index in the file
    (pyx12 counts segments, not text lines). `element` is the 1-based element position for
    element errors ("03" or "05-2" for a component), else None. `code` is pyx12's error code
    (IK3/IK4/TA1/AK5 style).
    """

    level: str
    segment_id: str | None
    position: int | None
    element: str | None
    code: str
    message: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Pyx12Verdict:
    """pyx12's judgement of one document: ok means its error handler recorded no error."""

    ok: bool
    errors: list[Pyx12Error] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def has_map(self) -> bool:
        """False when pyx12 has no map for the document's GS08 (its verdict then means nothing)."""
        return not any(e.code == "no_map" for e in self.errors)

    @property
    def segment_ids(self) -> set[str]:
        """Ids of the segments pyx12 blamed (envelope errors count as ISA/GS/ST)."""
        return {e.segment_id for e in self.errors if e.segment_id}


_BOM = "\ufeff"


def judge(text: str) -> Pyx12Verdict:
    """Run pyx12 on `text` (a whole X12 document) and return its verdict; never raises."""
    notes: list[str] = []
    if text.startswith(_BOM):
        text = text[len(_BOM) :]
        notes.append("UTF-8 byte-order mark stripped before judging (pyx12 cannot read it)")
    try:
        text.encode("ascii")
    except UnicodeEncodeError as exc:
        return Pyx12Verdict(
            False,
            [
                Pyx12Error(
                    "ISA", None, None, None, "crash", f"non-ASCII character at offset {exc.start}"
                )
            ],
            notes,
        )
    with tempfile.TemporaryDirectory(prefix="pyx12-judge-") as tmp:
        copy = Path(tmp) / "input.x12"
        copy.write_text(text, encoding="ascii", newline="")
        return _run(copy, notes)


def judge_file(path: str | Path) -> Pyx12Verdict:
    """Judge a file on disk (read as UTF-8, BOM tolerated); the file itself is never touched."""
    raw = Path(path).read_bytes()
    return judge(raw.decode("utf-8", errors="replace"))


def _run(path: Path, notes: list[str]) -> Pyx12Verdict:
    # Imported lazily: pyx12 loads XML maps and is only needed by tests and the judge CLI.
    import pyx12.errh_json  # type: ignore[import-untyped]
    import pyx12.params  # type: ignore[import-untyped]
    import pyx12.x12n_document  # type: ignore[import-untyped]

    logger = logging.getLogger("pyx12")
    # pyx12 logs segment values (patient data) at ERROR level: keep them out of our logs.
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [logging.NullHandler()]
    logger.propagate = False
    collector = _Collector()
    original_visitor = pyx12.errh_json.errh_json_visitor
    # x12n_document builds its error tree internally and only hands it to visitors; its JSON
    # visitor skips element errors on ISA/GS/ST (e.g. "ST03 is marked as Not Used"), so our
    # own visitor takes its place for the duration of the call.
    pyx12.errh_json.errh_json_visitor = lambda fd, *a, **k: collector
    try:
        returned = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=str(path),
            fd_997=None,
            fd_html=None,
            fd_json=io.StringIO(),
        )
    except Exception as exc:  # noqa: BLE001 - pyx12 failures become a verdict, not a crash
        # "Map not found" (270/271/276/277 X212, 837 X222A2...) is not a judgement on the
        # document: give it its own code so callers can tell it from a real crash.
        code = "no_map" if "Map not found" in str(exc) else "crash"
        return Pyx12Verdict(
            False,
            [
                Pyx12Error(
                    "ISA", None, None, None, code, f"pyx12 raised {type(exc).__name__}: {exc}"
                )
            ],
            notes,
        )
    finally:
        pyx12.errh_json.errh_json_visitor = original_visitor
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]
    errors = collector.errors
    if not errors and not returned:
        # pyx12 refused the document without recording a node error (e.g. "does not look
        # like an X12 data file"): still a failure, said so explicitly.
        errors.append(Pyx12Error("ISA", None, None, None, "reject", "pyx12 rejected the document"))
    return Pyx12Verdict(not errors, errors, notes)


def _element_position(ele: Any) -> str:
    pos = f"{int(ele.ele_pos):02d}"
    if ele.subele_pos:
        pos += f"-{ele.subele_pos}"
    return pos


class _Collector:
    """pyx12 error-tree visitor that flattens every error, envelope element errors included."""

    def __init__(self) -> None:
        self.errors: list[Pyx12Error] = []
        self._seg_id: str | None = None
        self._seg_line: int | None = None

    def _envelope(self, level: str, node: Any) -> None:
        line = node.get_cur_line()
        for cde, msg in node.errors:
            self.errors.append(Pyx12Error(level, level, line, None, str(cde), msg))
        for ele in getattr(node, "elements", []):
            for cde, msg, value in ele.errors:
                self.errors.append(
                    Pyx12Error("ELE", level, line, _element_position(ele), str(cde), msg, value)
                )

    def visit_root_pre(self, errh: Any) -> None:
        pass

    def visit_root_post(self, errh: Any) -> None:
        pass

    def visit_isa_pre(self, node: Any) -> None:
        self._envelope("ISA", node)

    def visit_isa_post(self, node: Any) -> None:
        pass

    def visit_gs_pre(self, node: Any) -> None:
        self._envelope("GS", node)

    def visit_gs_post(self, node: Any) -> None:
        pass

    def visit_st_pre(self, node: Any) -> None:
        self._envelope("ST", node)

    def visit_st_post(self, node: Any) -> None:
        pass

    def visit_seg(self, node: Any) -> None:
        self._seg_id = node.seg_id
        self._seg_line = node.get_cur_line()
        for cde, msg, value in node.errors:
            self.errors.append(
                Pyx12Error("SEG", node.seg_id, self._seg_line, None, str(cde), msg, value)
            )

    def visit_ele(self, node: Any) -> None:
        for cde, msg, value in node.errors:
            self.errors.append(
                Pyx12Error(
                    "ELE",
                    self._seg_id,
                    self._seg_line,
                    _element_position(node),
                    str(cde),
                    msg,
                    value,
                )
            )
