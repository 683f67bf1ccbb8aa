"""`revcycle ingest` tells a file's transaction from its head and routes it to its owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from revcycle.commands.ingest import ROUTES
from shared.ingest import UnroutableFile, sniff_x12

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*261129*1200*^*00501*000000001*0*P*:~"
)


def _file(tmp_path: Path, body: str, name: str = "f.x12") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    ("gs", "st", "expected"),
    [
        ("GS*HC*S*R*20261129*1200*1*X*005010X222A1~", "ST*837*0001*005010X222A1~", "837"),
        ("GS*HP*S*R*20261129*1200*1*X*005010X221A1~", "ST*835*0001~", "835"),
        ("GS*HN*S*R*20261129*1200*1*X*005010X214~", "ST*277*0001*005010X214~", "277CA"),
        ("GS*HN*S*R*20261129*1200*1*X*005010X212~", "ST*277*0001*005010X212~", "277"),
        ("GS*FA*S*R*20261129*1200*1*X*005010X231A1~", "ST*999*0001*005010X231A1~", "999"),
        ("GS*HB*S*R*20261129*1200*1*X*005010X279A1~", "ST*271*0001*005010X279A1~", "271"),
    ],
)
def test_the_transaction_is_told_from_st01_and_the_version(
    tmp_path: Path, gs: str, st: str, expected: str
) -> None:
    sniffed = sniff_x12(_file(tmp_path, ISA + "\n" + gs + "\n" + st + "BHT*0019~"))
    assert sniffed.name == expected
    assert expected in ROUTES


def test_other_delimiters_and_a_byte_order_mark_are_read_from_the_isa(tmp_path: Path) -> None:
    isa = ISA.replace("*", "|").replace("~", "\n").replace("|:\n", "|>\n")
    body = "\ufeff" + isa + "GS|HP|S|R|20261129|1200|1|X|005010X221A1\nST|835|0001\n"
    assert sniff_x12(_file(tmp_path, body)).name == "835"


def test_a_file_without_a_transaction_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(UnroutableFile, match="no ST segment"):
        sniff_x12(_file(tmp_path, "hello, this is not X12", "letter.txt"))
