"""Generate the guide tables (`<guide>.json` beside this file) from pyx12's guide maps.

One source per guide: each table is written from one pyx12 map (BSD licence, John
Holland; pyx12 is a development dependency), which carries the implementation guide's own
loop, segment and element names, usages (R/S/N), repeats, code lists and data element
numbers; lengths and data types come from pyx12's data element dictionary. The guides
pyx12 4.0.0 has no map for (270 and 271 X279A1, 276 X212) are read from `sources/*.txt`,
each a line-for-line transcription of one named public source (its header says which),
with lengths and types from the same dictionary. Run after a pyx12 upgrade and commit the
result:

    .venv/bin/python -m shared.x12.guides.build_tables

The tables hold facts, never code. Loop ids are the guide's (2000A, 2010AA...); the
transaction's own header and trailer segments (ST, BHT/BPR..., SE; the 835's PLB) are filed
under HEADER, as the typed readers file them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
# guide (ST03/GS08) -> (transaction, pyx12 map file). 837I: pyx12's X223A1 map is used for
# X223A2 (the A2 errata changed usage notes, not the segment layout); see docs/x12-validation.md.
MAPS: dict[str, tuple[str, str]] = {
    "005010X221A1": ("835", "835.5010.X221.A1.xml"),
    "005010X222A1": ("837P", "837.5010.X222.A1.xml"),
    "005010X223A2": ("837I", "837Q3.I.5010.X223.A1.xml"),
    "005010X212": ("277", "277.5010.X212.xml"),
    "005010X214": ("277CA", "277.5010.X214.xml"),
    "005010X231A1": ("999", "999.5010X231.A1.xml"),
}
# guide-transaction -> (transaction, source file in sources/): guides pyx12 4.0.0 ships no
# map for, transcribed line by line from a named public source (each file's header says
# which). Where a line gives no data element number (the 276), the number is the one
# pyx12's maps give that segment's element at that position.
SOURCES: dict[str, tuple[str, str]] = {
    "005010X279A1-270": ("270", "005010X279A1-270.txt"),
    "005010X279A1-271": ("271", "005010X279A1-271.txt"),
    "005010X212-276": ("276", "005010X212-276.txt"),
}
# pyx12 wrapper loops whose segments belong to the transaction's header loop.
_HEADER_LOOPS = {"ST_LOOP", "HEADER", "DETAIL", "FOOTER", "SUMMARY", "TABLE1", "TABLE2"}
_SKIP_LOOPS = {"ISA_LOOP", "GS_LOOP"}


def _data_elements(map_dir: Path) -> dict[str, tuple[str, int, int]]:
    root = ET.parse(map_dir / "dataele.xml").getroot()
    return {
        d.get("ele_num", ""): (
            d.get("data_type", "AN"),
            int(d.get("min_len", "1")),
            int(d.get("max_len", "1")),
        )
        for d in root.iter("data_ele")
    }


def _codes(node: ET.Element) -> list[str] | str | None:
    valid = node.find("valid_codes")
    if valid is None:
        return None
    external = valid.get("external")
    if external:
        return "external:" + external
    codes = [c.text or "" for c in valid.findall("code")]
    return codes or None


def _element(node: ET.Element, dd: dict[str, tuple[str, int, int]]) -> list[Any]:
    """[seq, name, usage, type, min, max, codes, components]."""
    seq = int(node.findtext("seq") or node.get("seq") or "0")
    name = node.findtext("name") or node.get("name") or ""
    usage = node.findtext("usage") or node.get("usage") or "S"
    number = node.findtext("data_ele") or node.get("data_ele") or ""
    if node.tag == "composite":
        parts = [_element(c, dd) for c in node if c.tag == "element"]
        return [seq, name, usage, "COMPOSITE", 0, 0, None, parts]
    data_type, low, high = dd.get(number, ("AN", 1, 80))
    return [seq, name, usage, data_type, low, high, _codes(node), None]


def _segment(node: ET.Element, dd: dict[str, tuple[str, int, int]]) -> list[Any]:
    """[id, name, usage, max_use, elements]."""
    max_use = node.findtext("max_use") or node.get("max_use") or "1"
    elements = [_element(e, dd) for e in node if e.tag in ("element", "composite")]
    return [
        node.get("xid"),
        node.findtext("name") or node.get("name") or "",
        node.findtext("usage") or node.get("usage") or "S",
        0 if max_use.startswith(">") else int(max_use),
        elements,
    ]


def _walk(
    node: ET.Element,
    loop_id: str,
    loops: dict[str, dict[str, Any]],
    dd: dict[str, tuple[str, int, int]],
) -> None:
    for child in node:
        if child.tag == "segment":
            loops.setdefault(loop_id, {"name": "", "usage": "R", "repeat": 1, "segments": []})
            loops[loop_id]["segments"].append(_segment(child, dd))
        elif child.tag == "loop":
            xid = child.get("xid", "")
            if xid in _SKIP_LOOPS:
                _walk(child, loop_id, loops, dd)
                continue
            if xid in _HEADER_LOOPS or child.get("type") == "wrapper":
                _walk(child, "HEADER", loops, dd)
                continue
            if xid in loops:
                continue  # pyx12 copies 2300 under 2000B and 2000C: the first is the table
            repeat = child.findtext("repeat") or child.get("repeat") or "1"
            loops[xid] = {
                "name": child.findtext("name") or child.get("name") or "",
                "usage": child.findtext("usage") or child.get("usage") or "S",
                "repeat": 0 if repeat.startswith(">") else int(repeat),
                "parent": loop_id,
                "segments": [],
            }
            _walk(child, xid, loops, dd)


def build(guide: str, map_dir: Path) -> dict[str, Any]:
    transaction, map_file = MAPS[guide]
    root = ET.parse(map_dir / map_file).getroot()
    loops: dict[str, dict[str, Any]] = {}
    _walk(root, "HEADER", loops, _data_elements(map_dir))
    # Envelope segments are the envelope reader's business, not the guide table's.
    header = loops["HEADER"]
    header["segments"] = [
        s for s in header["segments"] if s[0] not in ("GS", "GE", "ISA", "IEA", "TA1")
    ]
    header["name"] = root.findtext("name") or ""
    # ST03 is judged by the envelope (GS08 agreement) and the reader (which guide reads it):
    # a 005010X223A1 837I or an X231 999 is a version question, not an invalid code.
    for seg in header["segments"]:
        if seg[0] == "ST":
            for element in seg[4]:
                if element[0] == 3:
                    element[6] = None
    return {
        "guide": guide,
        "transaction": transaction,
        "source": f"pyx12 map {map_file} (BSD licence, John Holland)",
        "loops": loops,
    }


def _element_numbers(map_dir: Path) -> dict[tuple[str, int, int], str]:
    """(segment id, position, component or 0) -> data element number, as pyx12's 005010
    maps give them."""
    numbers: dict[tuple[str, int, int], str] = {}

    def seq_of(node: ET.Element) -> int:
        return int(node.findtext("seq") or node.get("seq") or "0")

    def number_of(node: ET.Element) -> str:
        return node.findtext("data_ele") or node.get("data_ele") or ""

    for name in sorted(m for _, m in MAPS.values()):
        for seg in ET.parse(map_dir / name).getroot().iter("segment"):
            sid = seg.get("xid") or ""
            for node in seg:
                if node.tag == "element":
                    numbers.setdefault((sid, seq_of(node), 0), number_of(node))
                elif node.tag == "composite":
                    for part in node:
                        if part.tag == "element":
                            key = (sid, seq_of(node), seq_of(part))
                            numbers.setdefault(key, number_of(part))
    return numbers


def _source_codes(text: str) -> list[str] | str | None:
    if text.startswith("@"):
        return "external:" + text[1:]
    return text.split() or None


def build_from_source(guide: str, map_dir: Path) -> dict[str, Any]:
    """A table from one `sources/<guide>.txt` (LOOP, SEG, EL, CMP and C lines)."""
    transaction, source = SOURCES[guide]
    dd = _data_elements(map_dir)
    numbers = _element_numbers(map_dir)
    loops: dict[str, dict[str, Any]] = {}
    loop: dict[str, Any] = {}
    segment: list[Any] = []
    composite: list[Any] = []
    for line in (HERE / "sources" / source).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, *f = line.split("|")
        if kind == "LOOP":
            loop_id, usage, repeat, parent, name = f
            loop = {"name": name, "usage": usage, "repeat": int(repeat)}
            if parent:
                loop["parent"] = parent
            loop["segments"] = []
            loops.setdefault(loop_id, loop)
            loop = loops[loop_id]  # the header's trailer (SE) is listed after the loops
        elif kind == "SEG":
            sid, usage, max_use, name = f
            segment = [sid, name, usage, int(max_use), []]
            loop["segments"].append(segment)
        elif kind in ("EL", "C"):
            seq, usage, name, codes = f[:4]
            key = (segment[0], composite[0], int(seq)) if kind == "C" else (segment[0], int(seq), 0)
            number = f[4] if len(f) > 4 and f[4] else numbers.get(key, "")
            data_type, low, high = dd.get(number, ("AN", 1, 80))
            element = [int(seq), name, usage, data_type, low, high, _source_codes(codes), None]
            (composite[7] if kind == "C" else segment[4]).append(element)
        elif kind == "CMP":
            seq, usage, name = f[:3]
            composite = [int(seq), name, usage, "COMPOSITE", 0, 0, None, []]
            segment[4].append(composite)
        else:
            raise ValueError(f"{source}: unknown line {line[:40]!r}")
    for seg in loops["HEADER"]["segments"]:
        if seg[0] == "ST":
            for element in seg[4]:
                if element[0] == 3:
                    element[6] = None  # ST03: the envelope's version checks judge it
    return {
        "guide": guide.split("-")[0],
        "transaction": transaction,
        "source": f"shared/x12/guides/sources/{source} (see its header)",
        "loops": loops,
    }


def main() -> None:
    import pyx12  # type: ignore[import-untyped]  # development dependency, no stubs

    map_dir = Path(pyx12.__file__).parent / "map"
    for guide in MAPS:
        table = build(guide, map_dir)
        out = HERE / f"{guide}.json"
        out.write_text(json.dumps(table, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{out.name}: {len(table['loops'])} loops from {table['source']}")
    for guide in SOURCES:
        table = build_from_source(guide, map_dir)
        out = HERE / f"{guide}.json"
        out.write_text(json.dumps(table, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{out.name}: {len(table['loops'])} loops from {table['source']}")


if __name__ == "__main__":
    main()
