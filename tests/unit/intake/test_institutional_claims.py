"""Institutional claims as hospitals send them (issue 11 point 3): the UB-04 fields travel
837I -> claim -> 837I unchanged and pyx12-clean, and the scrubber judges them in the flow
(an inpatient claim without present-on-admission indicators is held)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from fastapi.testclient import TestClient

from revcycle.embedded import EmbeddedApp
from services.intake.adapters.x12_837 import translate_837
from shared.claim_model import Claim, OccurrenceCode
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X223A2.writer import write_837i
from tests.unit.intake.conftest import TokenFactory
from testsupport.claims import institutional_claim_ub04
from testsupport.x12 import RECEIVER, SUBMITTER, assert_pyx12_clean


def file_837i(*claims: Claim) -> str:
    return write_837i(
        list(claims),
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        numbers=InMemoryControlNumbers(),
    )


def test_the_ub04_fields_are_written_where_the_837i_guide_puts_them() -> None:
    segments = [s.strip() for s in file_837i(institutional_claim_ub04()).split("~")]
    expected = [
        "DTP*096*TM*1100",  # discharge hour
        "DTP*435*DT*202602161430",  # admission date and hour
        "HI*ABK:J189:::::::Y",  # principal diagnosis, present on admission
        "HI*ABF:E119:::::::Y*ABF:I10:::::::N*ABF:Z8249",  # Z82.49 exempt: no indicator
        "HI*BBR:0BH17EZ:D8:20260216",  # principal ICD-10-PCS procedure and its date
        "HI*BBQ:3E0G76Z:D8:20260217",
        "HI*BI:74:RD8:20260218-20260219",  # occurrence span
        "HI*BH:11:D8:20260214",  # occurrence code
        "HI*BE:80:::3.00*BE:A1:::250.00",  # value codes and amounts
        "HI*BG:39*BG:C1",  # condition codes
    ]
    positions = [segments.index(s) for s in expected]
    assert positions == sorted(positions)  # in the guide's order within 2300
    assert any(s.startswith("NM1*72*1*Okafor*Daniel") for s in segments)
    assert any(s.startswith("NM1*ZZ*1*Lindqvist*Maja") for s in segments)


def test_837i_to_claim_to_837i_is_equal_and_pyx12_clean() -> None:
    claim = institutional_claim_ub04()
    text = file_837i(claim)
    assert_pyx12_clean(text)
    [back] = translate_837(text)
    assert back == claim
    assert back.present_on_admission == ("Y", "Y", "N", None)
    assert back.admission_hour == time(14, 30) and back.discharge_hour == time(11, 0)
    assert back.value_codes is not None and back.value_codes[1].amount == Decimal("250.00")
    assert file_837i(back) == text


def test_a_kind_of_code_the_file_does_not_send_stays_absent() -> None:
    claim = institutional_claim_ub04(
        occurrence_codes=None, condition_codes=None, present_on_admission=None
    )
    [back] = translate_837(file_837i(claim))
    assert (back.occurrence_codes, back.condition_codes, back.present_on_admission) == (
        None,
        None,
        None,
    )
    assert back.occurrence_spans == (claim.occurrence_spans)


def _post(client: TestClient, auth: TokenFactory, claim: Claim) -> dict[str, object]:
    response = client.post(
        "/v1/batches/837",
        content=file_837i(claim),
        headers=auth(**{"Content-Type": "text/plain"}),
    )
    assert response.status_code == 201, response.text
    [answer] = response.json()["claims"]
    assert isinstance(answer, dict)
    return answer


def test_an_inpatient_837i_is_created_with_its_ub04_fields_and_one_without_poa_is_held(
    client: TestClient, embedded: EmbeddedApp, auth: TokenFactory
) -> None:
    clean = _post(client, auth, institutional_claim_ub04())
    assert clean["status"] == "created", clean
    [created] = embedded.store.load(str(clean["claim_id"]))
    snapshot = created.data["claim"]
    assert snapshot["present_on_admission"] == ["Y", "Y", "N", None]
    assert snapshot["principal_procedure"] == {"code": "0BH17EZ", "date": "2026-02-16"}
    assert snapshot["value_codes"][0] == {"code": "80", "amount": "3.00"}
    assert snapshot["operating_provider"]["last_name"] == "Okafor"

    without_poa = institutional_claim_ub04(
        patient_control_number="ACCT26021699", present_on_admission=None
    )
    held = _post(client, auth, without_poa)
    assert held["status"] == "held"
    assert [f["code"] for f in held["findings"]] == ["IN012"]  # type: ignore[index]

    bad_code = institutional_claim_ub04(
        patient_control_number="ACCT26021698",
        occurrence_codes=(OccurrenceCode(code="1", date=date(2026, 2, 14)),),
    )
    held = _post(client, auth, bad_code)
    assert held["status"] == "held"
    assert [f["field"] for f in held["findings"]] == ["occurrence_codes[0].code"]  # type: ignore[index]
