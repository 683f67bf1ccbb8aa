"""The pyx12 check on every 837 the suite writes (testsupport/pyx12_837_check.py) catches a
broken 837: a tiny test session, in a subprocess with only that plugin, where one test
writes a good 837P, one writes an 837P missing its required HI segment (the writer's claim
segments cut, as a writer bug would), and one writes the same broken file under the
`invalid_837` opt-out marker. Only the second fails, naming pyx12's error; the opt-out is
listed in the summary with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

SESSION = '''
import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1 import writer
from testsupport.claims import professional_claim
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER


def write():
    return writer.write_837p(
        [professional_claim(patient_control_number="PCN-PLUGIN")],
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )


def without_hi(monkeypatch):
    original = writer._professional_claim_segments
    monkeypatch.setattr(
        writer,
        "_professional_claim_segments",
        lambda claim: [s for s in original(claim) if s.id != "HI"],
    )


def test_good():
    assert "HI*ABK" in write()


def test_broken(monkeypatch):
    without_hi(monkeypatch)
    assert "HI*" not in write()


@pytest.mark.invalid_837("the HI segment left out on purpose")
def test_broken_on_purpose(monkeypatch):
    without_hi(monkeypatch)
    write()
'''


def test_the_plugin_fails_the_test_that_wrote_an_invalid_837_and_lists_opt_outs(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_session.py").write_text(SESSION)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "testsupport.pyx12_837_check",
            "-q",
            "-rf",
            "test_session.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "1 failed, 2 passed" in out, out
    assert "FAILED test_session.py::test_broken" in out, out
    assert "pyx12 rejects 1 837 file(s) this test wrote" in out, out
    assert "HI" in out.split("pyx12 rejects", 1)[1], out
    assert "FAILED test_session.py::test_broken_on_purpose" not in out, out
    assert (
        "not judged (invalid_837): test_session.py::test_broken_on_purpose: "
        "the HI segment left out on purpose"
    ) in out, out
    assert "3 837 file(s) written in process, 2 distinct judged" in out, out
