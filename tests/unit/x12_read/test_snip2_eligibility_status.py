"""SNIP 2 for the 270, 271 (005010X279A1) and 276 (005010X212): the guide tables judge them.

Each base file is our writers' output, which the validator accepts; each case changes one
thing the hand-written checks never looked at (NM102, BHT06, TRN01, EB03's repeated
service types...) and expects exactly that finding, naming segment position, element and
rule. The public samples of these transactions are judged in test_samples.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.guides import guide_table
from shared.x12.reader import parse
from shared.x12.validation import validate
from shared.x12.x12_270_005010X279A1.writer import inquiry_for_claim, write_270
from shared.x12.x12_271_005010X279A1.writer import Benefit, EligibilityResponse, write_271
from shared.x12.x12_276_005010X212.writer import status_inquiry_for_claim, write_276
from testsupport.claims import (
    professional_claim,
    professional_claim_child_patient,
    professional_claim_several_lines,
)
from testsupport.x12 import CREATED_AT, SUBMITTER

from .test_snip_rules import _recount, assert_breaks_one_rule

PROVIDER = Party("RIVERBEND01")
PAYER = Party("SUNSHINE")


def _270() -> str:
    inquiries = [
        inquiry_for_claim(professional_claim(), "TRACE0001"),
        inquiry_for_claim(professional_claim_child_patient(), "TRACE0002"),
    ]
    return write_270(
        inquiries, sender=PROVIDER, receiver=PAYER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _271() -> str:
    inquiry = inquiry_for_claim(professional_claim(), "TRACE0001")
    response = EligibilityResponse(
        inquiry,
        benefits=(
            Benefit("1", plan_description="GOLD PPO"),
            Benefit("C", time_period="23", amount=Decimal("500.00"), in_network=True),
        ),
        plan_begin=date(2026, 1, 1),
    )
    return write_271(
        [response], sender=PAYER, receiver=PROVIDER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _276() -> str:
    return write_276(
        [status_inquiry_for_claim(professional_claim_several_lines(), "T1")], submitter=SUBMITTER,
        sender=PROVIDER, receiver=PAYER, created_at=CREATED_AT, numbers=InMemoryControlNumbers(),
    )  # fmt: skip


BASES: dict[str, Callable[[], str]] = {"270": _270, "271": _271, "276": _276}


@pytest.mark.parametrize("kind", sorted(BASES))
def test_each_transaction_is_judged_by_its_own_guide_table(kind: str) -> None:
    guide = {"270": "005010X279A1", "271": "005010X279A1", "276": "005010X212"}[kind]
    table = guide_table(guide, kind)
    assert table is not None and table.transaction == kind
    assert "sources/" in table.source  # one source per guide, named in the table
    report = validate(BASES[kind]())
    assert report.ok, [str(i) for i in report.errors]


def test_the_277_still_gets_the_277_table_of_the_shared_x212_guide() -> None:
    table = guide_table("005010X212", "277")
    assert table is not None and table.transaction == "277"


# (base, text to replace, replacement, rule, segment id, element) -> the one finding.
CASES = [
    # 270
    ("270", "NM1*PR*2*Sunshine", "NM1*PR*3*Sunshine", "invalid_code", "NM1", 2),
    ("270", "BHT*0022*13*", "BHT*0022*11*", "invalid_code", "BHT", 2),
    ("270", "TRN*1*TRACE0001*1591234567~", "TRN*1*TRACE0001*1591234567**X~",
     "too_many_elements", "TRN", 5),
    ("270", "TRN*1*TRACE0001*1591234567~", "TRN*1*TRACE0001*159123456~",
     "element_too_short", "TRN", 3),
    ("270", "EQ*30~", "EQ*A~", "invalid_code", "EQ", 1),
    ("270", "EQ*30~", "EQ*30***Q~", "not_used_element", "EQ", 4),
    ("270", "NM1*IL*1*Marlowe*Theodora*J***MI", "NM1*IL*1*" + "M" * 61 + "*Theodora*J***MI",
     "element_too_long", "NM1", 3),
    # 271
    ("271", "EB*1*IND*30**GOLD PPO~", "EB*9*IND*30**GOLD PPO~", "invalid_code", "EB", 1),
    # EB03 repeats: each service type is judged on its own.
    ("271", "EB*1*IND*30**GOLD PPO~", "EB*1*IND*30^XQ**GOLD PPO~", "invalid_code", "EB", 3),
    ("271", "TRN*2*TRACE0001*1591234567~", "TRN*3*TRACE0001*1591234567~",
     "invalid_code", "TRN", 1),
    ("271", "EB*1*IND*30**GOLD PPO~", "EB*1*IND*30**GOLD PPO~III*QQ*21~", "invalid_code",
     "III", 1),
    # 276
    ("276", "NM1*41*2*Riverbend Billing*****46", "NM1*41*2*Riverbend Billing*****PI",
     "invalid_code", "NM1", 8),
    ("276", "TRN*1*T1~", "TRN*1*T1*1591234567~", "not_used_element", "TRN", 3),
    ("276", "REF*EJ*PCN26031002~", "REF*XX*PCN26031002~", "invalid_code", "REF", 1),
    ("276", "AMT*T3*386.50~", "AMT*T3*386.50*C~", "not_used_element", "AMT", 3),
    ("276", "BHT*0010*13*20260311093000*20260311*0930~",
     "BHT*0010*13*20260311093000*20260311*0930*RT~", "not_used_element", "BHT", 6),
    ("276", "DMG*D8*19680714*F~", "DMG*D8*19680714*F****X~", "not_used_element", "DMG", 7),
]  # fmt: skip


@pytest.mark.parametrize(
    ("base", "old", "new", "rule", "segment", "element"),
    CASES,
    ids=[f"{c[3]}-{c[0]}-{c[4]}{c[5] or ''}" for c in CASES],
)
def test_a_file_breaking_one_guide_rule_gets_that_error_only(
    base: str, old: str, new: str, rule: str, segment: str, element: int | None
) -> None:
    errors = assert_breaks_one_rule(BASES[base](), old, new, rule, segment, element)
    assert all(e.loop is not None for e in errors)  # the guide's loop id, e.g. 2110C


def test_a_271_benefit_with_additional_information_reads_as_loop_2115c() -> None:
    # III after EB opens the guide's loop 2115C (repeat 10); LS/LE and 2120C follow it.
    text = _recount(
        _271().replace(
            "EB*1*IND*30**GOLD PPO~",
            "EB*1*IND*30**GOLD PPO~III*ZZ*21~III*ZZ*22~LS*2120~"
            "NM1*P3*1*Okafor*Adaeze****XX*1928374655~LE*2120~",
        )
    )
    report = validate(text)
    assert report.ok, [str(i) for i in report.errors]
    model = parse(text).transactions[0].model
    assert model is not None
    benefit = next(loop for loop in model.walk() if loop.LOOP_ID == "2110C")
    assert [c.LOOP_ID for c in benefit.children] == ["2115C", "2115C", "2120C"]


@pytest.mark.parametrize("guide", ["005010X279A1-270", "005010X279A1-271", "005010X212-276"])
def test_the_committed_table_is_what_its_source_file_builds(guide: str) -> None:
    import json
    from pathlib import Path

    import pyx12  # type: ignore[import-untyped]  # development dependency, no stubs

    from shared.x12.guides import HERE
    from shared.x12.guides.build_tables import build_from_source

    built = build_from_source(guide, Path(pyx12.__file__).parent / "map")
    assert built == json.loads((HERE / f"{guide}.json").read_text(encoding="utf-8"))
