"""The claim cycle on the embedded default, answered by the simulator: ready -> submitted ->
acknowledged -> accepted; a 999 and a 277CA rejection, each corrected and accepted when
sent again; a void; every 837 written judged by pyx12.

The API and the ingest functions are the ones `revcycle serve` and `revcycle ingest` use;
every write settles the embedded processes and projections before it answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.config import BaseServiceSettings
from testsupport.claims import professional_claim
from testsupport.claims_cycle import ORG, RECEIVED, Cycle, open_cycle


@pytest.fixture
def cycle(tmp_path: Path) -> Iterator[Cycle]:
    with open_cycle(tmp_path, BaseServiceSettings(data_dir=tmp_path, organization_id=ORG)) as c:
        yield c


def test_ready_submitted_acknowledged_accepted_from_simulator_files(cycle: Cycle) -> None:
    first = cycle.post_claim("PCN-OK-1")
    second = cycle.post_claim("PCN-OK-2")
    run = cycle.submit()
    assert run["submitted"] == 2 and len(run["batches"]) == 1
    [batch] = run["batches"]
    view = cycle.view(first)
    assert view["status"] == "submitted"
    [submission] = view["submissions"]
    assert submission["file"] == batch["file"]
    assert submission["interchange_control_number"] == batch["interchange_control_number"]
    assert submission["group_control_number"] and submission["transaction_set_control_number"]
    assert cycle.submit()["submitted"] == 0, "a claim in flight is not sent twice"

    answers = cycle.answer([])
    [ack] = cycle.ingest(answers, "999")
    assert ack.ok, ack.summary
    assert cycle.view(first)["status"] == "acknowledged"
    [receipt] = cycle.ingest(answers, "277ca")
    assert receipt.ok, receipt.summary
    for claim_id in (first, second):
        view = cycle.view(claim_id)
        assert view["status"] == "accepted"
        assert view["payer_claim_number"]
        assert view["submissions"][0]["outcome"] == "accepted"
    assert cycle.types(first) == [
        "claim.created",
        "claim.ready",
        "claim.submitted",
        "claim.acknowledged",
        "claim.accepted",
    ]
    # The same files again change nothing.
    [again] = cycle.ingest(answers, "277ca")
    assert again.ok and again.report.get("duplicate") is True
    assert len(cycle.types(first)) == 5


def _correct(cycle: Cycle, claim_id: str, pcn: str) -> dict[str, Any]:
    body = professional_claim(patient_control_number=pcn).model_dump(
        mode="json", exclude={"claim_id", "organization_id", "frequency"}
    )
    answer = cycle.client.post(
        f"/v1/claims/{claim_id}/corrections",
        json={"claim": body, "reason": "fixed what the payer named"},
        headers=cycle.headers,
    )
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def test_a_277ca_rejection_is_corrected_and_accepted_as_a_new_original(cycle: Cycle) -> None:
    claim_id = cycle.post_claim("PCN-REJ-1")
    cycle.submit()
    answers = cycle.answer([{"patient_control_number": "PCN-REJ-1", "outcome": "reject_277ca"}])
    cycle.ingest(answers, "999")
    cycle.ingest(answers, "277ca")
    view = cycle.view(claim_id)
    assert view["status"] == "rejected"
    [reason, *_] = view["submissions"][0]["reasons"]
    assert reason["location"].startswith("STC A7:") and reason["description"]

    _correct(cycle, claim_id, "PCN-REJ-1")
    assert cycle.view(claim_id)["status"] == "ready"
    run = cycle.submit()
    assert run["submitted"] == 1
    answers = cycle.answer([])
    cycle.ingest(answers, "999")
    cycle.ingest(answers, "277ca")
    view = cycle.view(claim_id)
    assert view["status"] == "accepted"
    assert [s["frequency"] for s in view["submissions"]] == ["1", "1"]
    assert [s["outcome"] for s in view["submissions"]] == ["rejected", "accepted"]


def test_a_999_rejection_is_corrected_and_accepted_when_sent_again(cycle: Cycle) -> None:
    claim_id = cycle.post_claim("PCN-999-1")
    cycle.submit()
    answers = cycle.answer([{"patient_control_number": "PCN-999-1", "outcome": "reject_999"}])
    [ack] = cycle.ingest(answers, "999")
    assert ack.ok, ack.summary
    view = cycle.view(claim_id)
    assert view["status"] == "rejected"
    assert view["submissions"][0]["reasons"], "the 999's IK5/AK9 or IK3/IK4 are named"

    _correct(cycle, claim_id, "PCN-999-1")
    cycle.submit()
    answers = cycle.answer([])
    cycle.ingest(answers, "999")
    cycle.ingest(answers, "277ca")
    assert cycle.view(claim_id)["status"] == "accepted"


def test_a_correction_after_acceptance_is_a_replacement_and_a_void_sends_frequency_8(
    cycle: Cycle,
) -> None:
    claim_id = cycle.post_claim("PCN-VOID-1")
    cycle.submit()
    answers = cycle.answer([])
    cycle.ingest(answers, "999")
    cycle.ingest(answers, "277ca")
    number = cycle.view(claim_id)["payer_claim_number"]

    _correct(cycle, claim_id, "PCN-VOID-1")
    cycle.submit()
    [sent] = sorted(p for p in cycle.outbound.iterdir() if p.is_file())
    text = sent.read_text()
    assert re.search(r"^CLM\*PCN-VOID-1\*145(\.00)?\*\*\*11:B:7\*", text, re.M), text
    assert f"REF*F8*{number}~" in text
    answers = cycle.answer([])
    cycle.ingest(answers, "999")
    cycle.ingest(answers, "277ca")
    replaced = cycle.view(claim_id)
    assert replaced["status"] == "accepted"
    number = replaced["payer_claim_number"]  # the replacement's own number

    answer = cycle.client.post(
        f"/v1/claims/{claim_id}/void", json={"reason": "billed in error"}, headers=cycle.headers
    )
    assert answer.status_code == 200, answer.text
    assert cycle.view(claim_id)["status"] == "void_pending"
    cycle.submit()
    [sent] = sorted(p for p in cycle.outbound.iterdir() if p.is_file())
    assert re.search(r"^CLM\*PCN-VOID-1\*[0-9.]+\*\*\*11:B:8\*", sent.read_text(), re.M)
    assert f"REF*F8*{number}~" in sent.read_text()
    answers = cycle.answer([])
    cycle.ingest(answers, "999")
    cycle.ingest(answers, "277ca")
    view = cycle.view(claim_id)
    assert view["status"] == "voided"
    assert [s["frequency"] for s in view["submissions"]] == ["1", "7", "8"]
    types = cycle.types(claim_id)
    assert types.count("claim.corrected") == 1 and types.count("claim.voided") == 1


def test_an_illegal_command_is_refused_naming_state_and_command_and_appends_nothing(
    cycle: Cycle,
) -> None:
    claim_id = cycle.post_claim("PCN-ILL-1")
    before = cycle.types(claim_id)
    answer = cycle.client.post(
        f"/v1/claims/{claim_id}/corrections",
        json={
            "claim": professional_claim(patient_control_number="PCN-ILL-1").model_dump(
                mode="json", exclude={"claim_id", "organization_id"}
            ),
            "reason": "too early",
        },
        headers=cycle.headers,
    )
    assert answer.status_code == 409, answer.text
    assert "ready" in answer.text and "correct" in answer.text
    assert cycle.types(claim_id) == before


def test_a_999_names_the_segment_and_element_it_rejects(cycle: Cycle) -> None:
    """The 999 the toolkit writes for a broken copy of our 837 (a date that is no date):
    the claim is rejected with IK3's segment and position and IK4's element and text."""
    from shared.x12.ack import acknowledge
    from shared.x12.control_numbers import InMemoryControlNumbers

    claim_id = cycle.post_claim("PCN-IK4-1")
    cycle.submit()
    [sent] = sorted(p for p in cycle.outbound.iterdir() if p.is_file())
    broken = sent.read_text().replace("DTP*472*D8*20260310~", "DTP*472*D8*20261399~")
    assert broken != sent.read_text()
    result = acknowledge(broken, created_at=RECEIVED, numbers=InMemoryControlNumbers())
    assert not result.accepted
    answers = cycle.root / "ik4"
    answers.mkdir()
    (answers / f"{sent.name}.999").write_text(result.text)
    [outcome] = cycle.ingest(answers, "999")
    assert outcome.ok, outcome.summary
    [rejected] = [e for e in cycle.embedded.store.load(claim_id) if e.type == "claim.rejected"]
    reasons = rejected.data["reasons"]
    located = [r for r in reasons if r.get("element_position") is not None]
    assert located, reasons
    assert located[0]["segment_id"] == "DTP" and located[0]["segment_position"]
    assert located[0]["description"]
    view = cycle.view(claim_id)
    assert view["status"] == "rejected"
    assert any("DTP03" in (r["location"] or "") for r in view["submissions"][0]["reasons"])
