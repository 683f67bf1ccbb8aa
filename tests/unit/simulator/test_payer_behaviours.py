"""Each payer behaviour of the profile, seen in the answers and the truth (issue 10, point 2).

Every test forces one behaviour (a share of 1, or a rule) on the clean profile and checks
the X12 a billing office would read, then the truth line. Removing the behaviour from the
simulator makes its test fail.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.claim_model import OtherPayer, Relationship, ServiceLine
from shared.x12.x12_835_005010X221A1.models import Loop2100
from testsupport.claims import (
    SERVICE_DATE,
    _secondary_payer,
    _subscriber,
    professional_claim,
    professional_claim_secondary,
    professional_claim_several_lines,
)

D = Decimal
NO_COST_SHARE = {"cost_share": {"deductible": "0.00", "coinsurance_percent": "0", "copay": "0.00"}}


def clp(sim, pcn: str, status: str | None = None) -> Loop2100:
    found = [
        c
        for remit in sim.remittances()
        for c in remit.claims()
        if c.clp.patient_control_number == pcn and (status is None or c.clp.status == status)
    ]
    assert found, f"no CLP for {pcn} (status {status})"
    return found[-1]


def cas(loop) -> list[tuple[str, str, Decimal]]:
    return [(str(s.group), a.reason, a.amount) for s in loop.adjustments for a in s.adjustments]


def amount(loop, qualifier: str) -> Decimal | None:
    return next((a.amount for a in loop.amounts if a.qualifier == qualifier), None)


def line(number: int, code: str, charge: str, modifiers: tuple[str, ...] = (), units: str = "1"):
    return ServiceLine(
        line_number=number,
        procedure_code=code,
        modifiers=modifiers,
        units=D(units),
        charge=D(charge),
        service_date=SERVICE_DATE,
    )


# -- fee schedule ----------------------------------------------------------------------------


def test_fee_schedule_by_code_and_modifier_else_percent_of_charge(sim, make_profile) -> None:
    claim = professional_claim(
        lines=(
            line(1, "97110", "96.00", ("GP",), units="2"),
            line(2, "97110", "48.00"),
            line(3, "80053", "62.50"),
        )
    )
    sim.add_837p([claim])
    profile = make_profile(
        fee_schedule={"percent_of_charge": "60", "rates": {"97110:GP": "31.00", "97110": "40.00"}},
        **NO_COST_SHARE,
    )
    sim.respond(profile)
    services = clp(sim, claim.patient_control_number).services
    # 97110-GP: the modifier's rate per unit (2 x 31.00); 97110: the plain rate; 80053: 60%.
    assert [amount(s, "B6") for s in services] == [D("62.00"), D("40.00"), D("37.50")]
    assert [cas(s) for s in services] == [
        [("CO", "45", D("34.00"))],
        [("CO", "45", D("8.00"))],
        [("CO", "45", D("25.00"))],
    ]
    lines = sim.truth().claim(claim.patient_control_number).payments[0].lines
    assert [(t.allowed, t.expected_allowed, t.paid) for t in lines] == [
        (D("62.00"), D("62.00"), D("62.00")),
        (D("40.00"), D("40.00"), D("40.00")),
        (D("37.50"), D("37.50"), D("37.50")),
    ]


# -- member cost share -----------------------------------------------------------------------


def test_deductible_copay_and_coinsurance_accumulate_over_the_plan_year(sim, make_profile) -> None:
    member = _subscriber(member_id="ACCUM0001")
    first = professional_claim(
        patient_control_number="ACC-1", subscriber=member, lines=(line(1, "99213", "145.00"),)
    )
    second = professional_claim(
        patient_control_number="ACC-2",
        subscriber=member,
        lines=(line(1, "99214", "210.00"), line(2, "85025", "38.00")),
    )
    sim.add_837p([first, second])
    profile = make_profile(
        fee_schedule={"rates": {"99213": "92.50", "99214": "131.00", "85025": "10.50"}},
        cost_share={
            "deductible": "100.00",
            "coinsurance_percent": "20",
            "copay": "25.00",
            "copay_procedures": ["99202-99215"],
            "deductible_met_share": 0,
        },
    )
    sim.respond(profile)
    # Claim 1: 92.50 allowed = 25.00 copay + 67.50 deductible; nothing paid.
    assert cas(clp(sim, "ACC-1").services[0]) == [
        ("CO", "45", D("52.50")),
        ("PR", "1", D("67.50")),
        ("PR", "3", D("25.00")),
    ]
    assert clp(sim, "ACC-1").clp.payment == D("0.00")
    # Claim 2: 32.50 of deductible left, then 20% coinsurance; one copay for the visit.
    visit, lab = clp(sim, "ACC-2").services
    assert cas(visit) == [
        ("CO", "45", D("79.00")),
        ("PR", "1", D("32.50")),
        ("PR", "2", D("14.70")),
        ("PR", "3", D("25.00")),
    ]
    assert cas(lab) == [("CO", "45", D("27.50")), ("PR", "2", D("2.10"))]
    assert clp(sim, "ACC-2").clp.payment == D("58.80") + D("8.40")
    assert clp(sim, "ACC-2").clp.patient_responsibility == D("74.30")
    truth = sim.truth()
    assert truth.claim("ACC-1").accumulators.deductible == D("67.50")
    assert truth.claim("ACC-2").accumulators.deductible == D("32.50")


def test_the_out_of_pocket_maximum_caps_the_members_share(sim, make_profile) -> None:
    claim = professional_claim(lines=(line(1, "99214", "210.00"),))
    sim.add_837p([claim])
    profile = make_profile(
        fee_schedule={"rates": {"99214": "131.00"}},
        cost_share={
            "deductible": "500.00",
            "coinsurance_percent": "20",
            "copay": "0.00",
            "out_of_pocket_max": "40.00",
            "deductible_met_share": 0,
        },
    )
    sim.respond(profile)
    loop = clp(sim, claim.patient_control_number)
    assert loop.clp.patient_responsibility == D("40.00")
    assert loop.clp.payment == D("91.00")


def test_members_met_deductible_elsewhere_start_the_year_with_it_met(sim, make_profile) -> None:
    claim = professional_claim(lines=(line(1, "99214", "210.00"),))
    sim.add_837p([claim])
    profile = make_profile(
        fee_schedule={"rates": {"99214": "131.00"}},
        cost_share={
            "deductible": "500.00",
            "coinsurance_percent": "20",
            "copay": "0.00",
            "deductible_met_share": 1,
        },
    )
    sim.respond(profile)
    assert cas(clp(sim, claim.patient_control_number).services[0]) == [
        ("CO", "45", D("79.00")),
        ("PR", "2", D("26.20")),
    ]


# -- front-end rejections --------------------------------------------------------------------


def test_a_share_of_999_rejections_names_segment_and_element(sim, make_profile) -> None:
    claim = professional_claim()
    sim.add_837p([claim])
    sim.respond(make_profile(shares={"reject_999": 1}))
    assert sim.names() == ["batch.837.999", "truth.jsonl"]
    segments = sim.segments("batch.837.999")
    ik3 = next(s for s in segments if s[0] == "IK3")
    assert ik3[1] == "NM1" and ik3[3] == "2010" and ik3[4] == "8"
    position = int(ik3[2])
    written = [s for s in (sim.inbound / "batch.837").read_text().split("~") if s.strip()]
    st = next(i for i, s in enumerate(written) if s.strip().startswith("ST*"))
    assert written[st + position - 1].strip().startswith("NM1*IL*")
    assert next(s for s in segments if s[0] == "IK4")[1] == "9"
    assert ["IK5", "R", "5"] in segments
    rejection = sim.truth().claim(claim.patient_control_number).rejection
    assert rejection.stage == "999"
    assert (rejection.segment_id, rejection.loop, rejection.element, rejection.code) == (
        "NM1",
        "2010BA",
        9,
        "I12",
    )


def test_a_share_of_277ca_rejections_with_category_status_and_entity(sim, make_profile) -> None:
    claim = professional_claim()
    sim.add_837p([claim])
    profile = make_profile(
        shares={"reject_277ca": 1},
        rejections_277ca=[
            {"category": "A7", "status": "562", "entity": "85", "message": "NPI not enrolled"}
        ],
    )
    sim.respond(profile)
    assert not sim.names(".835")
    stc = [s for s in sim.segments("batch.837.277ca") if s[0] == "STC"][-1]
    assert stc[1] == "A7:562:85" and stc[3] == "U" and stc[-1] == "NPI not enrolled"
    rejection = sim.truth().claim(claim.patient_control_number).rejection
    assert (rejection.stage, rejection.category, rejection.status, rejection.entity) == (
        "277CA",
        "A7",
        "562",
        "85",
    )


def test_a_claim_the_front_end_returned_is_accepted_when_resubmitted(sim, make_profile) -> None:
    claim = professional_claim(patient_control_number="FIXME-1")
    rules = [{"patient_control_number": "FIXME-.*", "outcome": "reject_277ca"}]
    sim.add_837p([claim])
    sim.respond(make_profile(rules=rules))
    assert sim.truth().claim("FIXME-1").outcome == "rejected_277ca"
    sim.clear_inbound()
    sim.add_837p([claim], name="corrected.837")
    sim.respond(make_profile(rules=rules))
    resubmitted = sim.truth().claim("FIXME-1")
    assert resubmitted.outcome == "paid"
    assert "resubmission" in resubmitted.behaviours
    assert [s for s in sim.segments("corrected.837.277ca") if s[0] == "STC"][-1][1] == "A2:20"


# -- denials ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "reason", "remarks"),
    [("CO", "16", ["M51"]), ("CO", "197", []), ("CO", "50", ["N130"]), ("CO", "29", [])],
)
def test_denial_by_carc_and_rarc_with_group_code(sim, make_profile, group, reason, remarks) -> None:
    claim = professional_claim_several_lines()
    sim.add_837p([claim])
    rules = [
        {
            "patient_control_number": claim.patient_control_number,
            "outcome": "deny",
            "denial": {"group": group, "reason": reason, "remarks": remarks},
        }
    ]
    sim.respond(make_profile(rules=rules))
    loop = clp(sim, claim.patient_control_number)
    assert loop.clp.status == "4"
    assert loop.clp.payment == D("0.00")
    for service in loop.services:
        assert cas(service) == [(group, reason, service.svc.charge)]
        assert [r.remark_code for r in service.remarks] == remarks
    truth = sim.truth().claim(claim.patient_control_number)
    assert truth.outcome == "denied"
    assert truth.net.adjustments == {group: claim.total_charge}


def test_drawn_denials_come_from_the_payers_weighted_list(sim, make_profile) -> None:
    claims = [professional_claim(patient_control_number=f"DRAWN-{n}") for n in range(20)]
    sim.add_837p(claims)
    profile = make_profile(
        shares={"deny": 1},
        denials=[
            {"group": "CO", "reason": "16", "remarks": ["M51"], "weight": 1},
            {"group": "CO", "reason": "50", "remarks": ["N130"], "weight": 1},
        ],
    )
    sim.respond(profile)
    reasons = {cas(clp(sim, c.patient_control_number).services[0])[0][1] for c in claims}
    assert reasons == {"16", "50"}


def test_an_exact_duplicate_is_denied_co_18(sim, make_profile) -> None:
    claim = professional_claim()
    sim.add_837p([claim])
    sim.respond(make_profile())
    sim.clear_inbound()
    sim.add_837p([claim], name="again.837")
    sim.respond(make_profile())
    truth = sim.truth()
    first, second = [
        c for c in truth.claims if c.patient_control_number == claim.patient_control_number
    ]
    assert first.outcome == "paid"
    assert second.outcome == "denied" and "duplicate" in second.behaviours
    assert second.payments[0].lines[0].adjustments[0].reason == "18"


def test_a_claim_past_the_filing_limit_is_denied_co_29(sim, make_profile) -> None:
    claim = professional_claim()  # date of service 2026-03-10, received 2026-10-01
    sim.add_837p([claim])
    sim.respond(make_profile(timely_filing_days=90))
    assert cas(clp(sim, claim.patient_control_number).services[0])[0][:2] == ("CO", "29")


def test_a_procedure_needing_authorization_without_one_is_denied_co_197(sim, make_profile) -> None:
    claim = professional_claim(
        lines=(line(1, "99213", "145.00"), line(2, "72148", "1200.00")),
        prior_authorization=None,
    )
    sim.add_837p([claim])
    sim.respond(make_profile(authorization_required=["70551-70553", "72148"], **NO_COST_SHARE))
    visit, mri = clp(sim, claim.patient_control_number).services
    assert cas(mri) == [("CO", "197", D("1200.00"))]
    assert cas(visit) == [("CO", "45", D("52.50"))]
    assert sim.truth().claim(claim.patient_control_number).outcome == "partially_paid"


# -- payments ----------------------------------------------------------------------------------


def test_partial_payment_denies_one_line_and_pays_the_others(sim, make_profile) -> None:
    claim = professional_claim_several_lines()
    sim.add_837p([claim])
    profile = make_profile(
        shares={"partial_payment": 1},
        line_denials=[{"group": "CO", "reason": "97", "remarks": ["M15"]}],
        **NO_COST_SHARE,
    )
    sim.respond(profile)
    loop = clp(sim, claim.patient_control_number)
    assert loop.clp.status == "1" and loop.clp.payment > 0
    denied = [s for s in loop.services if ("CO", "97", s.svc.charge) in cas(s)]
    assert len(denied) == 1
    assert [r.remark_code for r in denied[0].remarks] == ["M15"]
    assert sim.truth().claim(claim.patient_control_number).outcome == "partially_paid"


def test_underpayment_allows_less_than_the_fee_schedule(sim, make_profile) -> None:
    claim = professional_claim()  # one 99213 at 145.00; the clean fee schedule says 92.50
    sim.add_837p([claim])
    rules = [
        {
            "patient_control_number": claim.patient_control_number,
            "outcome": "underpayment",
            "underpayment_percent": "10",
        }
    ]
    sim.respond(make_profile(rules=rules, **NO_COST_SHARE))
    service = clp(sim, claim.patient_control_number).services[0]
    assert amount(service, "B6") == D("83.25")
    assert cas(service) == [("CO", "45", D("61.75"))]
    line_truth = sim.truth().claim(claim.patient_control_number).payments[0].lines[0]
    assert (line_truth.expected_allowed, line_truth.allowed) == (D("92.50"), D("83.25"))


def test_reversal_then_a_corrected_claim_in_a_later_835(sim, make_profile) -> None:
    claim = professional_claim()
    sim.add_837p([claim])
    rules = [{"patient_control_number": claim.patient_control_number, "outcome": "reversal"}]
    sim.respond(make_profile(rules=rules, **NO_COST_SHARE))
    first, later = sim.names(".835")
    assert "20261015" in first and "20261029" in later
    original = [c for c in sim.remittances()[0].claims()][0]
    reversal, corrected = [c for c in sim.remittances()[1].claims()]
    assert reversal.clp.status == "22"
    assert reversal.clp.payer_claim_control_number == original.clp.payer_claim_control_number
    assert reversal.clp.total_charge == -original.clp.total_charge
    assert reversal.clp.payment == -original.clp.payment
    assert cas(reversal.services[0]) == [(g, r, -a) for g, r, a in cas(original.services[0])]
    assert corrected.clp.status == "1"
    assert corrected.clp.payer_claim_control_number != original.clp.payer_claim_control_number
    assert corrected.clp.payment == D("92.50") > original.clp.payment
    truth = sim.truth().claim(claim.patient_control_number)
    assert [p.role for p in truth.payments] == ["original", "reversal", "corrected"]
    assert truth.net.paid == D("92.50")
    assert truth.payer_claim_number == corrected.clp.payer_claim_control_number


@pytest.mark.parametrize("reason", ["WO", "L6", "FB"])
def test_provider_level_adjustments_on_the_check(sim, make_profile, reason) -> None:
    claims = [professional_claim(patient_control_number=f"PLB-{n}") for n in range(3)]
    sim.add_837p(claims)
    rules = [{"patient_control_number": "PLB-0", "provider_adjustment": reason}]
    sim.respond(make_profile(rules=rules, **NO_COST_SHARE))
    (remit,) = sim.remittances()
    (plb,) = remit.provider_adjustments
    (adjustment,) = plb.adjustments
    assert adjustment.reason == reason
    assert (adjustment.amount < 0) == (reason == "L6")  # interest adds to the payment
    paid = sum(c.clp.payment for c in remit.claims())
    assert remit.bpr.total_payment == paid - adjustment.amount
    (truth,) = sim.truth().remittances
    assert truth.provider_adjustments[0].reason == reason
    assert truth.amount == remit.bpr.total_payment


def test_one_check_split_across_two_835_files(sim, make_profile) -> None:
    claims = [professional_claim(patient_control_number=f"SPLIT-{n}") for n in range(5)]
    sim.add_837p(claims)
    rules = [{"patient_control_number": "SPLIT-0", "split_check": True}]
    sim.respond(make_profile(rules=rules, **NO_COST_SHARE))
    part1, part2 = sim.names(".835")
    assert part1.endswith("part1of2.835") and part2.endswith("part2of2.835")
    first, second = sim.remittances()
    assert first.trn.reference == second.trn.reference
    for remit in (first, second):
        assert remit.bpr.total_payment == sum(c.clp.payment for c in remit.claims())
    pcns = [c.clp.patient_control_number for r in (first, second) for c in r.claims()]
    assert sorted(pcns) == sorted(c.patient_control_number for c in claims)
    truths = sim.truth().remittances
    assert [(t.split.part, t.split.of) for t in truths] == [(1, 2), (2, 2)]
    assert truths[0].split.check_total == first.bpr.total_payment + second.bpr.total_payment


def test_crossover_to_the_secondary_payer_ma18_and_nm1_tt(sim, make_profile) -> None:
    medigap = OtherPayer(
        payer=_secondary_payer(),
        responsibility="S",
        subscriber=_subscriber(member_id="GCB0045512"),
        relationship=Relationship.SELF,
    )
    claim = professional_claim(other_payers=(medigap,))
    claim = claim.model_copy(
        update={"payer": claim.payer.model_copy(update={"payer_id": "MCRB1", "name": "Medicare"})}
    )
    sim.add_837p([claim])
    sim.respond(make_profile(payer_id="MCRB1", shares={"crossover": 1}))
    loop = clp(sim, claim.patient_control_number)
    assert loop.clp.status == "19"
    crossover = next(n for n in loop.names if n.entity_identifier == "TT")
    assert (crossover.identifier, crossover.id_qualifier) == ("60054", "PI")
    assert loop.moa is not None and "MA18" in loop.moa.elements
    assert sim.truth().claim(claim.patient_control_number).crossover_to == {
        "payer_id": "60054",
        "name": "Gulf Coast Benefit Assurance",
    }


@pytest.mark.parametrize("method", ["standard", "remaining_balance"])
def test_secondary_claims_are_paid_on_the_balance_the_primary_left(
    sim, make_profile, method
) -> None:
    claim = professional_claim_secondary()  # primary allowed 80% and paid 80% of that
    sim.add_837p([claim])
    sim.respond(
        make_profile(
            payer_id="60054", secondary_method=method, fee_schedule={"percent_of_charge": "100"}
        )
    )
    loop = clp(sim, claim.patient_control_number)
    assert loop.clp.status == "2"
    primary = {a.line_number: a for a in claim.other_payers[0].line_adjudications}
    for service, source in zip(loop.services, claim.lines, strict=True):
        prior = primary[source.line_number]
        balance = sum((a.amount for a in prior.adjustments if a.group == "PR"), D("0.00"))
        adjustments = cas(service)
        assert adjustments[0] == ("OA", "23", source.charge - balance)
        if method == "remaining_balance":
            assert service.svc.payment == balance
        else:
            assert D("0.00") < service.svc.payment <= balance
    truth = sim.truth().claim(claim.patient_control_number)
    assert truth.responsibility == "S"
    balances = {
        n: sum((a.amount for a in p.adjustments if a.group == "PR"), D("0.00"))
        for n, p in primary.items()
    }
    written_off = sum((line.charge - balances[line.line_number] for line in claim.lines), D("0"))
    assert truth.net.adjustments["OA"] == written_off


def test_a_secondary_claim_without_the_primarys_adjudication_is_denied(sim, make_profile) -> None:
    claim = professional_claim_secondary()
    bare = claim.other_payers[0].model_copy(
        update={"paid_amount": None, "line_adjudications": (), "adjudication_date": None}
    )
    claim = claim.model_copy(update={"other_payers": (bare,)})
    sim.add_837p([claim])
    sim.respond(make_profile(payer_id="60054"))
    service = clp(sim, claim.patient_control_number).services[0]
    assert cas(service)[0][:2] == ("CO", "16")
    assert [r.remark_code for r in service.remarks] == ["MA04"]


# -- who the payer is --------------------------------------------------------------------------


def test_the_835_names_the_payer_as_its_profile_does_and_aliases_answer_as_it(
    sim, make_profile
) -> None:
    claim = professional_claim()
    claim = claim.model_copy(
        update={"payer": claim.payer.model_copy(update={"payer_id": "SUNALIAS"})}
    )
    sim.add_837p([claim])
    profile = make_profile(
        name="Sunshine Mutual (profile name)",
        also_answers=["SUNALIAS"],
        tax_id="870000009",
        address={"line1": "PO Box 1", "city": "Provo", "state": "UT", "postal_code": "84601"},
        phone="8015550199",
        payment_method="CHK",
        claim_filing_indicator="HM",
    )
    sim.respond(profile)
    (name,) = sim.names(".835")
    assert name.startswith("87726-")  # answered under the payer's own id
    text = sim.text(name)
    for expected in (
        "N1*PR*Sunshine Mutual (profile name)~", "TRN*1*", "*1870000009~", "N4*Provo*UT*84601~",
        "REF*2U*87726~", "PER*BL**TE*8015550199~", "BPR*I*", "*C*CHK*",
    ):  # fmt: skip
        assert expected in text, expected
    assert len(next(s for s in sim.segments(name) if s[0] == "TRN")[2]) == 8  # a check number
    assert clp(sim, claim.patient_control_number).clp.claim_filing_indicator == "HM"


def test_drawn_underpayments_stay_within_the_profiles_range(sim, make_profile) -> None:
    claims = [professional_claim(patient_control_number=f"UNDER-{n}") for n in range(30)]
    sim.add_837p(claims)
    profile = make_profile(
        shares={"underpayment": 1},
        underpayment={"min_percent": "4", "max_percent": "6"},
        **NO_COST_SHARE,
    )
    sim.respond(profile)
    percents = set()
    for claim in sim.truth().claims:
        (line_truth,) = claim.payments[0].lines
        percent = (1 - line_truth.allowed / line_truth.expected_allowed) * 100
        assert Decimal("3.9") <= percent <= Decimal("6.1"), percent
        percents.add(percent.quantize(Decimal("0.1")))
    assert len(percents) > 3
