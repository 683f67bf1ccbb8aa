"""837 batches stream (issue 11 point 2): a large file is never loaded whole.

The 999 for the file is computed one transaction set and one claim at a time
(`shared.x12.ack.acknowledge_stream`, the same 999 as `acknowledge` on every sample), the
claims are read and created one claim at a time in chunks, and the traced peak memory of
a batch grows by a few hundred bytes per claim (its answer in the report), not by the
~27 KB per claim of holding the document and its typed model.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from revcycle.embedded import EmbeddedApp
from services.intake.batches import _create_chunk, receive_837
from shared.x12.ack import AckError, AckResult, acknowledge, acknowledge_stream
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from tests.unit.intake.test_837_batches import claim, file_837, two_sets
from testsupport.claims import random_professional_claims
from testsupport.samples import x12_samples_dir
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def write_claims(path: Path, count: int, seed: int = 11) -> Path:
    path.write_text(
        write_837p(
            list(random_professional_claims(count, seed=seed)),
            submitter=SUBMITTER,
            receiver=RECEIVER,
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )
    )
    return path


def facts(
    judge: Callable[..., AckResult], source: Path | str
) -> tuple[str, object, list[tuple[str, int | None]]] | str:
    try:
        result = judge(source, created_at=AT, numbers=InMemoryControlNumbers())
    except AckError as exc:
        return f"AckError: {exc}"
    issues = [(i.code, i.position) for i in result.interchange_issues]
    return result.text, result.groups, issues


def test_the_streamed_999_is_the_whole_file_999_for_every_sample_and_a_rejected_set() -> None:
    samples = sorted(p for p in x12_samples_dir().rglob("*") if p.is_file())
    assert len(samples) > 50
    differ = [p.name for p in samples if facts(acknowledge, p) != facts(acknowledge_stream, p)]
    assert differ == []
    rejected = two_sets(file_837(claim("S-1")), file_837(claim("S-2")), break_second=True)
    streamed = facts(acknowledge_stream, rejected)
    assert streamed == facts(acknowledge, rejected)
    assert "IK5*R*4~" in streamed[0]


def peak(run: Callable[[], object]) -> int:
    """Peak traced memory of `run()` above what was allocated before it."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_the_999_of_a_large_file_is_computed_in_memory_that_does_not_grow_with_it(
    tmp_path: Path,
) -> None:
    small = write_claims(tmp_path / "small.837", 2_000)
    large = write_claims(tmp_path / "large.837", 5_000)
    # Both are over the reader's 1 MB chunk; code sets load once, before measuring.
    acknowledge_stream(small, created_at=AT, numbers=InMemoryControlNumbers())

    def judged(path: Path) -> Callable[[], object]:
        return lambda: acknowledge_stream(path, created_at=AT, numbers=InMemoryControlNumbers())

    small_peak, large_peak = peak(judged(small)), peak(judged(large))
    # Holding the document (the whole-file 999) costs ~30 KB per claim: 90 MB more here.
    # Streamed, 3,000 more claims cost the HL levels the validator keeps (~0.4 KB each).
    assert large_peak - small_peak < 4_000_000, (small_peak, large_peak)


def test_a_batch_streams_its_claims_memory_grows_by_their_answers_only(
    tmp_path: Path, embedded: EmbeddedApp
) -> None:
    deps = embedded.embedded.intake
    small = write_claims(tmp_path / "small.837", 250, seed=3)
    large = write_claims(tmp_path / "large.837", 1_000, seed=4)
    warm = write_claims(tmp_path / "warm.837", 5, seed=5)
    receive_837(deps, warm, organization_id="st-elsewhere", submitted_by="t")

    reports = []

    def received(path: Path) -> Callable[[], object]:
        def run() -> object:
            report = receive_837(deps, path, organization_id="st-elsewhere", submitted_by="t")
            reports.append(report)
            return report

        return run

    small_peak, large_peak = peak(received(small)), peak(received(large))
    assert [r.counts["created"] + r.counts["held"] for r in reports] == [250, 1_000]
    # Loading the file whole cost ~27 KB per claim (20 MB for these 750 more claims); what
    # grows now is the report (each claim's answer, kept for GET /v1/batches/{id}) and the
    # reader's 1 MB chunk filling up (the small file is 0.15 MB, the large 0.6 MB).
    assert large_peak - small_peak < 6_000_000, (small_peak, large_peak)


def test_a_chunk_with_a_refused_claim_is_created_again_one_by_one_and_the_rest_go_through(
    embedded: EmbeddedApp,
) -> None:
    deps = embedded.embedded.intake
    report = receive_837(
        deps, file_837(claim("C-0")), organization_id="st-elsewhere", submitted_by="t"
    )
    # A claim that names another organization is refused by intake (IntakeRejected).
    foreign = claim("C-2").model_copy(update={"organization_id": "county-general"})
    claims = [claim("C-1"), foreign, claim("C-3")]
    answers = _create_chunk(deps, claims, "0001", "st-elsewhere", "t", report)
    assert [(a.patient_control_number, a.status) for a in answers] == [
        ("C-1", "created"),
        ("C-2", "rejected"),
        ("C-3", "created"),
    ]
    assert answers[1].errors[0]["field"] == "organization_id"
    # Nothing of the refused one, and each of the others exactly once.
    created = [e for e in embedded.store.read_all() if e.type == "claim.created"]
    assert len(created) == 3  # C-0, C-1, C-3
    assert len({e.stream_id for e in created}) == 3


@pytest.mark.parametrize("chunk", [1, 2, 100])
def test_a_batch_answers_the_same_whatever_the_chunk(embedded: EmbeddedApp, chunk: int) -> None:
    deps = embedded.embedded.intake
    text = file_837(*(claim(f"K{chunk}-{i}") for i in range(5)))
    report = receive_837(deps, text, organization_id="st-elsewhere", submitted_by="t", chunk=chunk)
    assert [c.status for c in report.claims] == ["created"] * 5
    assert [c.patient_control_number for c in report.claims] == [f"K{chunk}-{i}" for i in range(5)]
    again = receive_837(deps, text, organization_id="st-elsewhere", submitted_by="t", chunk=chunk)
    assert [c.status for c in again.claims] == ["duplicate"] * 5
    assert [c.claim_id for c in again.claims] == [c.claim_id for c in report.claims]
