"""The pyx12 check on every 837 the suite writes (testsupport/pyx12_837_check.py) catches a
broken 837: a tiny test session, in a subprocess with only that plugin, where one test
writes a good 837P, one writes an 837P missing its required HI segment (the writer's claim
segments cut, as a writer bug would), one writes a broken file larger than the size judged
whole (caught on its sample), and one writes a broken file under the `invalid_837` opt-out
marker. The two broken ones fail, naming pyx12's error; the opt-out and the sampled file
are listed in the summary, also when pytest-xdist workers ran the tests (as CI does). A
fifth writes a broken 837P in a subprocess under the claims service's file name in its
tmp_path, as the CLI tests' `revcycle claims submit` does: it fails too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

SESSION = """
import subprocess
import sys

import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1 import writer
from testsupport.claims import professional_claim
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER


def write(claims=1):
    return writer.write_837p(
        [professional_claim(patient_control_number=f"PCN-PLUGIN-{n}") for n in range(claims)],
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


def test_broken_large(monkeypatch):
    without_hi(monkeypatch)
    write(claims=5)  # over PYX12_837_MAX_CLAIMS=2: judged on a sample of 2


def test_broken_by_a_subprocess(tmp_path):
    # As a CLI test's `revcycle claims submit` does: the 837 is written by another process
    # and sent under the claims service's file name in the test's tmp_path.
    script = (
        "import sys\\n"
        "from pathlib import Path\\n"
        "import test_session as t\\n"
        "class M:\\n"
        "    def setattr(self, obj, name, value): setattr(obj, name, value)\\n"
        "t.without_hi(M())\\n"
        "Path(sys.argv[1]).write_text(t.write())\\n"
    )
    out = tmp_path / "outbound" / "837p-REVCYCLE-87726-000000001.x12"
    out.parent.mkdir()
    subprocess.run([sys.executable, "-c", script, str(out)], check=True)
    assert "HI*" not in out.read_text()


@pytest.mark.invalid_837("the HI segment left out on purpose")
def test_broken_on_purpose(monkeypatch):
    without_hi(monkeypatch)
    write()
"""


@pytest.mark.parametrize("workers", [0, 1], ids=["one-process", "xdist-worker"])
def test_the_plugin_fails_the_test_that_wrote_an_invalid_837_and_lists_opt_outs(
    tmp_path: Path, workers: int
) -> None:
    (tmp_path / "test_session.py").write_text(SESSION)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYX12_837_MAX_CLAIMS": "2"}
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
            *(["-p", "xdist", "-n", str(workers)] if workers else []),
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
    assert "3 failed, 2 passed" in out, out
    assert "FAILED test_session.py::test_broken_by_a_subprocess" in out, out
    assert "FAILED test_session.py::test_broken - " in out, out
    assert "FAILED test_session.py::test_broken_large" in out, out
    assert "pyx12 rejects 1 837 file(s) this test wrote" in out, out
    assert "HI" in out.split("pyx12 rejects", 1)[1], out
    assert "FAILED test_session.py::test_broken_on_purpose" not in out, out
    assert (
        "not judged (invalid_837): test_session.py::test_broken_on_purpose: "
        "the HI segment left out on purpose"
    ) in out, out
    assert "4 837 file(s) written in process, 3 distinct judged" in out, out
    assert "1 file(s) over 2 claims judged on an even sample" in out and ": 5 (2);" in out, out
