"""The clearinghouse adapter's inbound side for remit: take the 835s waiting, post each.

`poll_remittances(deps, adapter, organization_id=)` first finishes files an earlier poller
took and never completed (it crashed mid-file: posting resumes where it stopped, since a
remittance is found again by the file's SHA-256), then takes the waiting files, oldest
first. A file that is not an 835 (999, 277CA... for the claims service) is given back
untouched. An 835 is completed (archived by the folder adapter) once its answer is
recorded: posted, partial (payments held unmatched), duplicate, or refused whole (the
report says why; the file stays in the adapter's archive for a corrected resend).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.remit.handlers import PostingReport, RemitDeps, post_remittance_file
from shared.exchange.interface import ClaimedFile, ClearinghouseAdapter
from shared.ingest import UnroutableFile, sniff_x12


@dataclass(frozen=True)
class InboundResult:
    name: str
    report: PostingReport


def _is_835(content: bytes) -> bool:
    handle, name = tempfile.mkstemp(prefix="remit-sniff-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content[:65536])
        return sniff_x12(Path(name)).name == "835"
    except UnroutableFile:
        return False
    finally:
        os.unlink(name)


def _post(
    deps: RemitDeps, adapter: ClearinghouseAdapter, claimed: ClaimedFile, organization_id: str
) -> InboundResult:
    # The poster streams from a file: the claimed bytes go to a private temporary one.
    handle, name = tempfile.mkstemp(prefix="remit-inbound-", suffix=".835")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(claimed.content)
        report = post_remittance_file(
            deps,
            Path(name),
            organization_id=organization_id,
            submitted_by="clearinghouse",
            name=claimed.name,
        )
    except BaseException:
        adapter.release(claimed)  # taken again by the next poll
        raise
    finally:
        os.unlink(name)
    adapter.complete(claimed)
    return InboundResult(claimed.name, report)


def poll_remittances(
    deps: RemitDeps,
    adapter: ClearinghouseAdapter,
    *,
    organization_id: str,
    limit: int | None = None,
) -> list[InboundResult]:
    """Post every 835 waiting on the adapter's inbound side (unfinished ones first)."""
    results: list[InboundResult] = []
    for claimed in adapter.unfinished():
        if _is_835(claimed.content):
            results.append(_post(deps, adapter, claimed, organization_id))
    for claimed in adapter.poll(limit):
        if not _is_835(claimed.content):
            adapter.release(claimed)
            continue
        results.append(_post(deps, adapter, claimed, organization_id))
    return results
