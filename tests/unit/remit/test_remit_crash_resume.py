"""kill -9 of the poster mid-file: after the restart every claim is posted exactly once.

A separate process posts an 835 of many claims in small chunks (one transaction each) and
is SIGKILLed right after its second chunk commits; the same file ingested again resumes
where it stopped. Every claim ends with one `claim.paid`, the answer says every payment
was posted, and the ledger audit balances.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport.claims import random_professional_claims
from testsupport.remit import ORG, RemitWorld, x12_835
from testsupport.remittances import claim_payment, remittance

CLAIMS = 24
CHUNK = 5

POSTER = """
import os, signal, sys
from pathlib import Path
from revcycle.embedded import open_embedded
from services.remit.handlers import post_remittance_file
from shared.config import BaseServiceSettings

data_dir, organization, path, kill_after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def progress(done, total):
    if done >= kill_after:
        os.kill(os.getpid(), signal.SIGKILL)

embedded = open_embedded(BaseServiceSettings(data_dir=Path(data_dir), organization_id=organization))
post_remittance_file(embedded.remit, Path(path), organization_id=organization,
                     submitted_by="crash-test", progress=progress)
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RemitWorld:
    monkeypatch.setenv("REMIT_POSTING_CHUNK", str(CHUNK))
    return RemitWorld(tmp_path)


def test_a_poster_killed_mid_file_posts_every_claim_exactly_once_after_restart(
    world: RemitWorld, tmp_path: Path
) -> None:
    try:
        claims = list(random_professional_claims(CLAIMS, seed=21))
        ids = [world.create_submitted(claim) for claim in claims]
        path = world.write(x12_835(remittance([claim_payment(c) for c in claims])))

        killed = subprocess.run(
            [sys.executable, "-c", POSTER, str(tmp_path / "var"), ORG, str(path), str(2 * CHUNK)],
            env={**os.environ, "REMIT_POSTING_CHUNK": str(CHUNK)},
            cwd=Path(__file__).parents[3],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
        world.settle()
        posted = [c for c in ids if "claim.paid" in world.types(c)]
        assert len(posted) == 2 * CHUNK  # two chunks committed, nothing after

        report = world.ingest(path)
        assert report.ok, report.to_dict()
        assert report.counts() == {"posted": CLAIMS}
        for claim_id in ids:
            assert world.types(claim_id).count("claim.paid") == 1, claim_id
        assert len(world.all_events("remittance.received")) == 1
        assert len(world.all_events("remittance.posted")) == 1
        assert world.ingest(path).status == "duplicate"
        world.audit()
    finally:
        world.close()
