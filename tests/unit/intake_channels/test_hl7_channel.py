"""HL7 v2 over MLLP on the embedded path: visits fed by ADT and DFT^P03 become claims."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from channel_helpers import ORG  # type: ignore[import-not-found]
from hl7.client import MLLPClient  # type: ignore[import-untyped]
from hl7_messages import (  # type: ignore[import-not-found]
    dg1,
    ft1,
    in1,
    inpatient_stay,
    message,
    msh,
    outpatient_visit,
    pid,
    pv1,
)

from revcycle.embedded import EmbeddedApp
from services.intake.hl7 import tables
from services.intake.hl7.mllp import MllpServer, address_of, serve_in_thread
from services.intake.hl7.service import Hl7Channel
from shared.claim_model import ClaimKind
from shared.events.claim_snapshot import Address, Provider, claim_from_snapshot
from shared.events.claims import ClaimCreated
from shared.events.registry import decode

HOSPITAL = Provider(
    npi="1456789019",
    organization_name="Harbor General Hospital",
    tax_id="010203040",
    address=Address(line1="1 Hospital Dr", city="Portland", state="ME", postal_code="041010000"),
)


@pytest.fixture
def channel(embedded: EmbeddedApp) -> Hl7Channel:
    return Hl7Channel(embedded.embedded.intake, ORG, billing=HOSPITAL)


def _fields(ack: str, name: str) -> list[list[str]]:
    return [s.split("|") for s in ack.split("\r") if s.startswith(name + "|")]


def _msa(ack: str) -> tuple[str, str]:
    [msa] = _fields(ack, "MSA")
    return msa[1], msa[2]


def _claims(embedded: EmbeddedApp) -> list[ClaimCreated]:
    events = [decode(e) for e in embedded.store.read_all() if e.type == "claim.created"]
    return [e for e in events if isinstance(e, ClaimCreated)]


def _types(embedded: EmbeddedApp) -> list[str]:
    return [e.type for e in embedded.store.read_all()]


def test_an_outpatient_visit_becomes_one_837p_claim_on_discharge_without_the_reversed_charge(
    channel: Hl7Channel, embedded: EmbeddedApp
) -> None:
    acks = [channel.handle(m) for m in outpatient_visit("V100")]
    assert [_msa(a) for a in acks] == [("AA", f"V100-{n}") for n in range(1, 5)]
    [created] = _claims(embedded)
    claim = claim_from_snapshot(created.claim)
    assert claim.kind is ClaimKind.PROFESSIONAL
    assert claim.patient_control_number == "V100"
    assert claim.total_charge == Decimal("4200.00")
    [line] = claim.lines
    assert (line.procedure_code, line.charge, line.place_of_service) == (
        "47562",
        Decimal("4200.00"),
        "22",
    )
    assert line.rendering_provider is not None and line.rendering_provider.npi == "1987654328"
    assert claim.diagnoses == ("K8020",)
    assert (claim.payer.payer_id, claim.subscriber.member_id) == ("60054", "ZZX000000001")
    assert claim.billing_provider is not None and claim.billing_provider.npi == "1456789019"
    visit_types = [t for t in _types(embedded) if t.startswith("visit.")]
    assert visit_types.count("visit.charge_posted") == 2
    assert visit_types.count("visit.charge_reversed") == 1
    assert visit_types[-2:] == ["visit.discharged", "visit.billed"]


def test_an_inpatient_stay_becomes_an_837i_claim_with_its_revenue_codes(
    channel: Hl7Channel, embedded: EmbeddedApp
) -> None:
    acks = [channel.handle(m) for m in inpatient_stay("V200")]
    assert [_msa(a)[0] for a in acks] == ["AA", "AA", "AA"]
    [created] = _claims(embedded)
    claim = claim_from_snapshot(created.claim)
    assert claim.kind is ClaimKind.INSTITUTIONAL
    assert claim.type_of_bill == "011"
    assert (claim.admission_type, claim.admission_source, claim.discharge_status) == (
        "1",
        "7",
        "01",
    )
    assert (claim.statement_from, claim.statement_to) == (date(2026, 9, 2), date(2026, 9, 8))
    assert claim.diagnoses == ("J189", "E119") and claim.admitting_diagnosis == "R0602"
    assert [(line.revenue_code, line.procedure_code, line.units) for line in claim.lines] == [
        ("0120", None, Decimal("3")),
        ("0250", "J0696", Decimal("4")),
    ]
    assert claim.attending_provider is not None and claim.attending_provider.npi == "1765432103"


def test_a_message_sent_twice_is_acknowledged_twice_and_applied_once(
    channel: Hl7Channel, embedded: EmbeddedApp
) -> None:
    first, *rest = outpatient_visit("V300")
    charges = rest[0]
    assert _msa(channel.handle(first))[0] == "AA"
    once = channel.handle(charges)
    before = _types(embedded)
    again = channel.handle(charges)
    assert _msa(again) == _msa(once) == ("AA", "V300-2")
    assert _types(embedded) == before


def test_a_missing_required_segment_is_ae_with_err_and_nothing_is_applied(
    channel: Hl7Channel, embedded: EmbeddedApp
) -> None:
    ack = channel.handle(message(msh("DFT^P03^DFT_P03", "NOPV1"), pid(), ft1(1, "T1")))
    assert _msa(ack) == ("AE", "NOPV1")
    [err] = _fields(ack, "ERR")
    assert err[2] == "PV1^1" and err[3].startswith("100^")
    assert "PV1" in err[8]
    assert _types(embedded) == []
    with embedded.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.messages)).scalar() == 0


def test_every_bad_field_gets_its_own_err_naming_segment_and_field(channel: Hl7Channel) -> None:
    bad = message(
        msh("DFT^P03^DFT_P03", "BAD1"),
        pid(),
        pv1("V400"),
        ft1(1, "T1", date="2026-09-02", amount="12.345"),
        ft1(2, "T2", kind="PY"),
    )
    ack = channel.handle(bad)
    assert _msa(ack)[0] == "AE"
    locations = {e[2] for e in _fields(ack, "ERR")}
    assert {"FT1^1^4^1", "FT1^1^11^1", "FT1^2^6^1"} <= locations


def test_an_unsupported_message_type_is_rejected_ar(channel: Hl7Channel) -> None:
    ack = channel.handle(message(msh("ORM^O01^ORM_O01", "ORD1"), pid(), pv1("V1")))
    assert _msa(ack) == ("AR", "ORD1")
    assert _fields(ack, "ERR")[0][3].startswith("200^")
    assert _msa(channel.handle("this is not HL7"))[0] == "AR"


def test_a_reversal_of_an_unknown_charge_is_ae_on_ft1_2(
    channel: Hl7Channel, embedded: EmbeddedApp
) -> None:
    ack = channel.handle(
        message(
            msh("DFT^P03^DFT_P03", "REV1"),
            pid(),
            pv1("V500"),
            in1(),
            ft1(1, "NEVER-POSTED", kind="CR"),
        )
    )
    assert _msa(ack)[0] == "AE"
    assert _fields(ack, "ERR")[0][2] == "FT1^1^2^1"
    assert [t for t in _types(embedded) if t.startswith("visit.")] == []


def test_late_charges_after_billing_are_refused(channel: Hl7Channel) -> None:
    for m in outpatient_visit("V600"):
        channel.handle(m)
    late = channel.handle(
        message(msh("DFT^P03^DFT_P03", "LATE1"), pid(), pv1("V600"), ft1(1, "L1"))
    )
    assert _msa(late)[0] == "AE"


def test_release_held_bills_visits_after_the_bill_hold_once(
    channel: Hl7Channel, embedded: EmbeddedApp
) -> None:
    channel.handle(
        message(msh("ADT^A04^ADT_A01", "H1"), pid(), pv1("V700"), in1(), dg1(1, "K80.20"))
    )
    channel.handle(message(msh("DFT^P03^DFT_P03", "H2"), pid(), pv1("V700"), ft1(1, "H-FT1")))
    assert channel.release_held(date(2026, 9, 4), hold_days=4) == []  # still held
    [released] = channel.release_held(date(2026, 9, 6), hold_days=4)
    assert released.claim_id is not None
    assert channel.release_held(date(2026, 9, 30), hold_days=4) == []
    [created] = _claims(embedded)
    assert created.claim_id == released.claim_id


@pytest.fixture
def server(channel: Hl7Channel) -> Iterator[MllpServer]:
    server = MllpServer(("127.0.0.1", 0), channel.handle)
    serve_in_thread(server)
    yield server
    server.shutdown()
    server.server_close()


def test_a_real_mllp_client_session_over_a_socket_ends_in_the_expected_claims(
    server: MllpServer, embedded: EmbeddedApp
) -> None:
    host, port = address_of(server)
    with MLLPClient(host, port) as client:
        answers = [
            client.send_message(m) for m in [*outpatient_visit("V800"), *inpatient_stay("V801")]
        ]
        retried = client.send_message(outpatient_visit("V800")[1])
    for raw in [*answers, retried]:
        assert raw.startswith(b"\x0b") and raw.endswith(b"\x1c\r")
    assert [_msa(a.decode()[1:-2])[0] for a in answers] == ["AA"] * 7
    kinds = sorted(claim_from_snapshot(c.claim).kind.value for c in _claims(embedded))
    assert kinds == ["institutional", "professional"]
    assert server.handled == 8


def test_bytes_outside_frames_are_skipped_and_an_oversized_frame_closes_the_connection(
    channel: Hl7Channel,
) -> None:
    server = MllpServer(
        ("127.0.0.1", 0),
        channel.handle,
        max_message_bytes=2048,
        too_large=lambda: "MSH|^~\\&|R|I|||20260101||ACK|X|P|2.5\rMSA|AR|",
    )
    serve_in_thread(server)
    try:
        with socket.create_connection(address_of(server), timeout=10) as sock:
            sock.sendall(b"noise\x0b" + outpatient_visit("V900")[0].encode() + b"\x1c\r")
            assert b"MSA|AA|V900-1" in sock.recv(65536)
            sock.sendall(b"\x0b" + b"X" * 5000)
            assert b"MSA|AR" in sock.recv(65536)
            assert sock.recv(10) == b""  # closed
    finally:
        server.shutdown()
        server.server_close()


def test_acks_are_dated_by_the_clock(channel: Hl7Channel) -> None:
    ack = channel.handle(outpatient_visit("V950")[0])
    stamp = _fields(ack, "MSH")[0][6]
    assert stamp[:8] == datetime.now(UTC).strftime("%Y%m%d")
