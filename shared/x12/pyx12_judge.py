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
import json
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
            [Pyx12Error("ISA", None, None, None, "crash", f"non-ASCII character at offset {exc.start}")],
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
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    # pyx12 logs segment values (patient data) at ERROR level: keep them out of our logs.
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [logging.NullHandler()]
    logger.propagate = False
    sink = io.StringIO()
    try:
        returned = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=str(path),
            fd_997=None,
            fd_html=None,
            fd_json=sink,
        )
    except Exception as exc:  # noqa: BLE001 - pyx12 failures become a verdict, not a crash
        # "Map not found" (270/271/276/277 X212, 837 X222A2...) is not a judgement on the
        # document: give it its own code so callers can tell it from a real crash.
        code = "no_map" if "Map not found" in str(exc) else "crash"
        return Pyx12Verdict(
            False,
            [Pyx12Error("ISA", None, None, None, code, f"pyx12 raised {type(exc).__name__}: {exc}")],
            notes,
        )
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]
    errors = _collect(sink.getvalue())
    if not errors and not returned:
        # pyx12 refused the document without recording a node error (e.g. "does not look
        # like an X12 data file"): still a failure, said so explicitly.
        errors.append(Pyx12Error("ISA", None, None, None, "reject", "pyx12 rejected the document"))
    return Pyx12Verdict(not errors, errors, notes)


def _collect(doc_json: str) -> list[Pyx12Error]:
    """Flatten pyx12's JSON error tree into a list, in document order."""
    if not doc_json.strip():
        return []
    doc: dict[str, Any] = json.loads(doc_json)
    out: list[Pyx12Error] = []
    for isa in doc.get("interchanges", []):
        for e in isa.get("errors", []):
            out.append(Pyx12Error("ISA", "ISA", isa.get("cur_line"), None, str(e["err_cde"]), e["err_str"]))
        for gs in isa.get("groups", []):
            for e in gs.get("errors", []):
                out.append(Pyx12Error("GS", "GS", gs.get("cur_line"), None, str(e["err_cde"]), e["err_str"]))
            for st in gs.get("transactions", []):
                for e in st.get("errors", []):
                    out.append(
                        Pyx12Error("ST", "ST", st.get("cur_line"), None, str(e["err_cde"]), e["err_str"])
                    )
                for seg in st.get("segments", []):
                    seg_id = seg.get("seg_id")
                    line = seg.get("cur_line")
                    for e in seg.get("errors", []):
                        out.append(
                            Pyx12Error("SEG", seg_id, line, None, str(e["err_cde"]), e["err_str"], e.get("err_val"))
                        )
                    for ele in seg.get("elements", []):
                        pos = f"{int(ele['ele_pos']):02d}"
                        if ele.get("subele_pos"):
                            pos += f"-{ele['subele_pos']}"
                        for e in ele.get("errors", []):
                            out.append(
                                Pyx12Error(
                                    "ELE", seg_id, line, pos, str(e["err_cde"]), e["err_str"], e.get("err_val")
                                )
                            )
    return out
