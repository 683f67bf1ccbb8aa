"""Generate the guide tables (`<guide>.json` beside this file) from pyx12's guide maps.

One source per guide: each table is written from one pyx12 map (BSD licence, John
Holland; pyx12 is a development dependency), which carries the implementation guide's own
loop, segment and element names, usages (R/S/N), repeats, code lists and data element
numbers; lengths and data types come from pyx12's data element dictionary. Run after a
pyx12 upgrade and commit the result:

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


def main() -> None:
    import pyx12  # type: ignore[import-untyped]  # development dependency, no stubs

    map_dir = Path(pyx12.__file__).parent / "map"
    for guide in MAPS:
        table = build(guide, map_dir)
        out = HERE / f"{guide}.json"
        out.write_text(json.dumps(table, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{out.name}: {len(table['loops'])} loops from {table['source']}")


if __name__ == "__main__":
    main()
