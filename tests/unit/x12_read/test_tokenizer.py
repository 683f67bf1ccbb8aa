"""Tokenizer: delimiters from the ISA, whitespace between segments ignored, large files stream."""

from __future__ import annotations

import io

import pytest

from shared.x12.errors import X12SyntaxError
from shared.x12.segments import Delimiters
from shared.x12.tokenizer import Tokenizer, detect_delimiters, tokenize

from .factories import isa, remittance_835


def ids(text: str) -> list[str]:
    segments, _ = tokenize(text)
    return [s.id for s in segments]


def test_delimiters_are_read_from_the_isa_not_assumed() -> None:
    head = isa(element="|", component="^", repetition="}", terminator="\n")
    delimiters, from_isa = detect_delimiters(head + "GS|HP")
    assert from_isa
    assert delimiters == Delimiters(element="|", component="^", repetition="}", segment="\n")


def test_isa11_letter_u_of_4010_means_no_repetition_separator() -> None:
    delimiters, _ = detect_delimiters(isa(repetition="U") + "GS*HP")
    assert delimiters.repetition == ""


def test_segments_carry_one_based_positions_and_raw_elements() -> None:
    segments, tok = tokenize(remittance_835())
    assert [s.position for s in segments[:3]] == [1, 2, 3]
    clp = next(s for s in segments if s.id == "CLP")
    assert clp.get(1) == "PCN001" and clp.get(3) == "100.00"
    svc = next(s for s in segments if s.id == "SVC")
    assert svc.get(1) == "HC:99213"  # composites stay raw: split by the typed readers
    assert tok.delimiters.component == ":"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("~", "~\n"), id="LF after terminator"),
        pytest.param(lambda t: t.replace("~", "~\r\n"), id="CRLF after terminator"),
        pytest.param(lambda t: t.replace("~", "~\r\n    "), id="indentation"),
        pytest.param(lambda t: "\ufeff" + t, id="UTF-8 BOM"),
        pytest.param(lambda t: "\n\n  " + t + "\n\n", id="blank lines around"),
    ],
)
def test_layout_variants_yield_the_same_segments(variant) -> None:  # type: ignore[no-untyped-def]
    text = remittance_835()
    plain, _ = tokenize(text)
    varied, _ = tokenize(variant(text))
    assert [(s.id, s.elements) for s in varied] == [(s.id, s.elements) for s in plain]


def test_bom_is_reported_as_a_warning() -> None:
    _, tok = tokenize("\ufeff" + remittance_835())
    assert [w.code for w in tok.warnings] == ["bom"]
    assert not tok.warnings[0].is_error


def test_streaming_in_tiny_chunks_matches_whole_text() -> None:
    text = remittance_835().replace("~", "~\r\n")
    whole, _ = tokenize(text)
    chunks = [text[i : i + 7] for i in range(0, len(text), 7)]
    streamed = list(Tokenizer(iter(chunks)))
    assert [(s.id, s.elements, s.position) for s in streamed] == [
        (s.id, s.elements, s.position) for s in whole
    ]


def test_file_objects_are_read_in_chunks() -> None:
    text = remittance_835()
    segments = list(Tokenizer(io.StringIO(text), chunk_size=16))
    assert [s.id for s in segments] == ids(text)


def test_file_without_isa_guesses_delimiters_and_warns() -> None:
    text = "ST*835*0001~BPR*C*10*C*CHK************20240101~SE*3*0001~"
    segments, tok = tokenize(text)
    assert [s.id for s in segments] == ["ST", "BPR", "SE"]
    assert not tok.has_isa
    assert [w.code for w in tok.warnings] == ["no_isa"]


def test_missing_final_terminator_keeps_the_segment_and_warns() -> None:
    text = remittance_835()[:-1]  # drop the last '~'
    segments, tok = tokenize(text)
    assert segments[-1].id == "IEA"
    assert any(w.code == "no_terminator" for w in tok.warnings)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty document"),
        ("   \n", "empty document"),
        ("hello world", "not an X12 document"),
        ("ISA*00*  *00", "fewer than 16 elements"),
        ("ISA", "truncated"),
        ("ISAA00", "element separator"),
    ],
)
def test_non_x12_text_raises_a_syntax_error_with_a_position(text: str, fragment: str) -> None:
    with pytest.raises(X12SyntaxError) as info:
        tokenize(text)
    assert fragment in str(info.value)
    assert info.value.issue.message


def test_isa_with_alphanumeric_terminator_is_rejected_at_isa16() -> None:
    text = isa(terminator="X") + "GS*HP"
    with pytest.raises(X12SyntaxError) as info:
        tokenize(text)
    assert info.value.segment_id == "ISA" and info.value.element == 16 and info.value.position == 1


@pytest.mark.parametrize("terminator", ["\n", "\r\n", "\x1d"], ids=["LF", "CRLF", "0x1D"])
def test_unusual_segment_terminators_after_isa16(terminator: str) -> None:
    text = remittance_835().replace("~", terminator)
    segments, tok = tokenize(text)
    assert tok.delimiters.segment == terminator[0]
    assert [s.id for s in segments] == ids(remittance_835())


def test_a_huge_element_streamed_in_small_chunks_is_read_once() -> None:
    # 5 MB without a terminator, in 4 KB chunks: joined once rather than re-split per chunk
    # (quadratic); the test would take minutes if the tokenizer regressed.
    huge = "9" * 5_000_000
    text = remittance_835().replace("TRN*1*12345", f"TRN*1*{huge}")
    chunks = (text[i : i + 4096] for i in range(0, len(text), 4096))
    segments = list(Tokenizer(chunks))
    trn = next(s for s in segments if s.id == "TRN")
    assert trn.get(2) == huge
    assert [s.id for s in segments] == ids(remittance_835())


@pytest.mark.parametrize(
    "layout",
    ["{t}", "{t}\n", "{t}\r\n", "{t}\n\n", "{t}\r\n\r\n", "{t}\n  ", "{t}\t", "{t}\r"],
    ids=["none", "lf", "crlf", "blank-line", "blank-crlf", "indent", "tab", "cr"],
)
def test_line_breaks_after_terminators_read_the_same_at_every_chunk_boundary(layout: str) -> None:
    """The usual line break after a terminator is dropped before splitting; where a chunk
    boundary falls between a terminator and its line break, the loop drops it instead.
    Segments, positions and layout warnings are the same for every chunk size."""
    plain = remittance_835()
    text = plain.replace("~", layout.format(t="~"))

    def read(chunk_size: int) -> tuple[list[tuple[str, list[object], int]], list[object]]:
        tok = Tokenizer(io.StringIO(text), chunk_size=chunk_size)
        segments = [(s.id, list(s.elements), s.position) for s in tok]
        return segments, [(w.code, w.position, w.segment_id) for w in tok.warnings]

    whole = read(1 << 20)
    assert whole[0] == [(s.id, list(s.elements), s.position) for s in tokenize(plain)[0]]
    indented = layout in ("{t}\n  ", "{t}\t")
    assert bool(whole[1]) == indented
    for chunk_size in (*range(1, 24), 97, 512, 4099):
        assert read(chunk_size) == whole, chunk_size
