"""`revcycle x12 validate` reaches pyx12's verdict on every sample pyx12 has a map for.

Agreement: both valid, or both invalid with at least one segment blamed by both (pyx12's
ISA/GS/ST-level errors blame the envelope pair: ISA/IEA, GS/GE, ST/SE). Files where the
verdicts differ are listed in KNOWN_DIFFERENCES with the reason, and the test asserts that
they really differ, so the list cannot go stale.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.x12.envelope import read_document
from shared.x12.errors import X12Error
from shared.x12.pyx12_judge import Pyx12Verdict, judge, judge_file
from shared.x12.validation import validate

from .conftest import sample_files, sample_id
from .factories import remittance_835

KNOWN_DIFFERENCES: dict[str, str] = {
    "835/blue_cross_nc_sample.txt": (
        "no ISA: pyx12 refuses the file before reading a segment; "
        "we read it tolerantly and blame SE01/PER/SVC"
    ),
    "835-4010/835_DeIdent_02.dat": (
        "digits masked in ISA12/GS08: pyx12 refuses the file; "
        "we read it and blame the envelope, balancing and codes"
    ),
    "835/5010-835-example-3.txt": (
        "SNIP 5: NM109 1234567898/1234567899 after XX fail the NPI check digit; "
        "pyx12 checks no external code set"
    ),
    "835/emedny_sample.txt": (
        "SNIP 5: the payee's N104 NPI fails the check digit; pyx12 checks no external code set"
    ),
}
# pyx12 needs ~5 s on the 330 KB stress file: only in the slow run.
SLOW = {"837P/x12_many_claims.txt"}
SLOW_OPT_IN = pytest.mark.skipif(os.environ.get("X12_SLOW") != "1", reason="opt-in: X12_SLOW=1")


def pyx12_blames(verdict: Pyx12Verdict) -> set[str]:
    blamed: set[str] = set()
    for e in verdict.errors:
        if e.code in ("reject", "crash", "no_map"):
            continue  # pyx12 gave up on the document: it blames no segment
        if e.level == "ISA":
            blamed |= {"ISA", "IEA"}
        elif e.level == "GS":
            blamed |= {"GS", "GE"}
        elif e.level == "ST":
            blamed |= {"ST", "SE"}
        elif e.segment_id:
            blamed.add(e.segment_id)
    return blamed


def agree(path: Path) -> tuple[bool, str]:
    theirs = judge_file(path)
    ours = validate(path)
    assert theirs.has_map, "pyx12 has no map for this sample: MAPPED_GUIDES is wrong"
    if theirs.ok and ours.ok:
        return True, "both valid"
    if not theirs.ok and not ours.ok:
        common = ours.segment_ids & pyx12_blames(theirs)
        return bool(
            common
        ), f"both invalid; common segments {sorted(common)}; ours {sorted(ours.segment_ids)}"
    return False, f"pyx12 ok={theirs.ok} ours ok={ours.ok}; ours {sorted(ours.segment_ids)}"


# Guides pyx12 4.0.0 has maps for (SOURCES.md, "pyx12 4.0.0 observations"); the 4010 and
# masked 835s are included because pyx12 answers for them too (4010 map, or a refusal).
MAPPED_GUIDES = ("005010X221A1", "005010X222A1", "005010X223A2", "005010X214", "005010X231")


def _guide(path: Path) -> str:
    try:
        doc = read_document(path)
    except X12Error:
        return ""
    return next((ts.implementation for ts in doc.transaction_sets()), "")


MAPPED = [
    p
    for p in sample_files()
    if _guide(p).startswith(MAPPED_GUIDES)
    or p.parent.name == "835-4010"
    or p.name == "blue_cross_nc_sample.txt"
]


def test_every_known_difference_is_explained_in_the_docs() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "x12-validation.md").read_text(encoding="utf-8")
    for name in KNOWN_DIFFERENCES:
        assert f"`{name}`" in docs, f"{name} is not in the pyx12 differences table"


def test_pyx12_maps_cover_the_expected_samples(samples_dir: Path) -> None:
    names = {sample_id(p).split("/")[0] for p in MAPPED}
    assert names == {"835", "835-4010", "837P", "837I", "277CA", "999"}
    assert len(MAPPED) == 30
    assert not judge_file(samples_dir / "270/demo-single-line.270").has_map


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=[pytest.mark.slow, SLOW_OPT_IN]) if sample_id(p) in SLOW else p
        for p in MAPPED
    ],
    ids=[sample_id(p) for p in MAPPED],
)
def test_verdict_matches_pyx12(samples_dir: Path, path: Path) -> None:
    same, detail = agree(path)
    reason = KNOWN_DIFFERENCES.get(sample_id(path))
    if reason is None:
        assert same, detail
    else:
        assert not same, f"listed as a known difference ({reason}) but verdicts now agree: {detail}"


def test_judge_accepts_a_correct_835_and_blames_an_invalid_bpr16_by_element() -> None:
    assert judge(remittance_835()).ok
    verdict = judge(remittance_835().replace("*20240105~TRN", "*20241399~TRN"))
    assert not verdict.ok
    (error,) = verdict.errors
    assert (error.segment_id, error.element, error.position) == ("BPR", "16", 4)


def test_judge_reports_envelope_element_errors_json_visitor_would_drop() -> None:
    verdict = judge(remittance_835().replace("ST*835*0001~", "ST*835*0001*005010X221A1~"))
    assert [(e.segment_id, e.element) for e in verdict.errors] == [("ST", "03")]


def test_judge_reads_text_with_a_bom_and_leaves_no_files_behind(tmp_path: Path) -> None:
    verdict = judge("\ufeff" + remittance_835())
    assert verdict.ok and verdict.notes


def test_out_of_order_segments_are_blamed_by_both_validators() -> None:
    swapped = remittance_835().replace(
        "CAS*CO*29*70.00~NM1*QC*1*ROE*RICHARD****MI*M456~",
        "NM1*QC*1*ROE*RICHARD****MI*M456~CAS*CO*29*70.00~",
    )
    ours = validate(swapped)
    assert [(i.code, i.segment_id) for i in ours.errors] == [("segment_order", "CAS")]
    assert "CAS" in pyx12_blames(judge(swapped))
