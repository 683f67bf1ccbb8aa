"""The clearinghouse adapter's inbound side: 835s waiting in the inbound folder are posted
and archived, other answers are left for their service, a file a crashed poller took is
finished by the next one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.remit.inbound import poll_remittances
from shared.exchange.folder import FolderClearinghouse, publish_file
from testsupport.claims import professional_claim, professional_claim_several_lines
from testsupport.remit import RemitWorld, x12_835
from testsupport.remittances import claim_payment, remittance

ACK_999 = (
    "ISA*00*          *00*          *ZZ*CLEARX         *ZZ*RIVERBEND01    *260403*0900*^*00501*"
    "000000077*0*P*:~GS*FA*CLEARX*RIVERBEND01*20260403*0900*77*X*005010X231A1~ST*999*0001*"
    "005010X231A1~AK1*HC*1*005010X222A1~AK2*837*0001*005010X222A1~IK5*A~AK9*A*1*1*1~SE*6*0001~"
    "GE*1*77~IEA*1*000000077~"
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[RemitWorld]:
    w = RemitWorld(tmp_path)
    try:
        yield w
        w.audit()
    finally:
        w.close()


def test_835s_on_the_inbound_side_are_posted_and_archived_others_left(
    world: RemitWorld, tmp_path: Path
) -> None:
    adapter = FolderClearinghouse(tmp_path / "out", tmp_path / "in")
    first, second = professional_claim(), professional_claim_several_lines()
    first_id, second_id = world.create_submitted(first), world.create_submitted(second)
    publish_file(adapter.inbound, "batch.999", ACK_999.encode())
    publish_file(adapter.inbound, "a.835", x12_835(remittance([claim_payment(first)])).encode())
    # A poller took this one, then crashed before completing it.
    publish_file(
        adapter.inbound,
        "b.835",
        x12_835(remittance([claim_payment(second)], trace_number="T2"), start=9).encode(),
    )
    assert adapter.claim("b.835") is not None

    results = poll_remittances(world.embedded.remit, adapter, organization_id=world.organization_id)
    world.settle()

    assert sorted((r.name, r.report.status) for r in results) == [
        ("a.835", "posted"),
        ("b.835", "posted"),
    ]
    assert [f.name for f in adapter.list_inbound()] == ["batch.999"]
    assert adapter.unfinished() == []
    assert world.types(first_id).count("claim.paid") == 1
    assert world.types(second_id).count("claim.paid") == 1

    # The same 835 delivered again is a duplicate, archived too.
    publish_file(
        adapter.inbound, "a-again.835", x12_835(remittance([claim_payment(first)])).encode()
    )
    (again,) = poll_remittances(
        world.embedded.remit, adapter, organization_id=world.organization_id
    )
    assert again.report.status == "duplicate"
    assert world.types(first_id).count("claim.paid") == 1
