"""Every registered edit fires on a claim built to trigger it, and clean factory claims pass.

The table below is the proof that each edit works: removing an edit makes its row fail, and
`test_every_registered_edit_has_a_row` makes a new edit without a row fail too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.claim_model import (
    Address,
    Claim,
    Frequency,
    IcdProcedure,
    OccurrenceSpan,
    OtherPayer,
    Person,
    Provider,
    Relationship,
    ServiceLine,
    Sex,
    ValueCode,
)
from shared.scrubber import (
    REGISTRY,
    ScrubContext,
    Severity,
    claim_fingerprint,
    parse_payer_rules,
    scrub,
    scrub_claim,
)
from testsupport.claims import (
    INSTITUTIONAL_VARIANTS,
    PROFESSIONAL_VARIANTS,
    SERVICE_DATE,
    institutional_claim,
    professional_claim,
    professional_claim_child_patient,
    professional_claim_secondary,
)

# --- builders: small changes to clean factory claims ---------------------------------------


def pro(**overrides: Any) -> Claim:
    return professional_claim(**overrides)


def inst(**overrides: Any) -> Claim:
    return institutional_claim(**overrides)


def subscriber(**changes: Any) -> Claim:
    base = professional_claim()
    return pro(subscriber=base.subscriber.model_copy(update=changes))


def billing(**changes: Any) -> Claim:
    base = professional_claim()
    assert base.billing_provider is not None
    return pro(billing_provider=base.billing_provider.model_copy(update=changes))


def line(number: int = 1, **changes: Any) -> ServiceLine:
    values: dict[str, Any] = {
        "line_number": number,
        "procedure_code": "99213",
        "charge": Decimal("145.00"),
        "diagnosis_pointers": (1,),
        "service_date": SERVICE_DATE,
    }
    values.update(changes)
    return ServiceLine(**values)


def lines(*service_lines: ServiceLine, **claim_changes: Any) -> Claim:
    return pro(lines=service_lines, **claim_changes)


def inst_lines(**changes: Any) -> Claim:
    """The inpatient factory claim with its first line changed."""
    base = institutional_claim()
    first = base.lines[0].model_copy(update=changes)
    return inst(lines=(first, *base.lines[1:]))


def child(**changes: Any) -> Claim:
    return professional_claim_child_patient(**changes)


def rules_yaml(text: str) -> dict[str, Any]:
    return {"rules": parse_payer_rules(text)}


OTHER_PERSON = Person(
    last_name="Quintero",
    first_name="Lena",
    birth_date=date(1990, 5, 5),
    sex=Sex.FEMALE,
    address=Address(line1="1 Elm St", city="Tampa", state="FL", postal_code="33602"),
)
THIRTEEN_CODES = (
    "E119", "I10", "J069", "M545", "E785", "K219", "R0602", "N390", "F419", "R51", "R05", "R42",
    "L309",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    code: str
    build: Callable[[], Claim]
    path: str | None = None  # the field path the edit must point at
    context: Callable[[Claim], dict[str, Any]] = field(default=lambda claim: {})


CASES: list[Case] = [
    # demographics
    Case("DM001", lambda: subscriber(last_name=""), "subscriber.last_name"),
    Case("DM002", lambda: subscriber(first_name=None), "subscriber.first_name"),
    Case("DM003", lambda: subscriber(birth_date=None), "subscriber.birth_date"),
    Case("DM004", lambda: subscriber(birth_date=date(2027, 1, 1)), "subscriber.birth_date"),
    Case("DM004", lambda: subscriber(birth_date=date(1890, 1, 1)), "subscriber.birth_date"),
    Case("DM005", lambda: subscriber(sex=None), "subscriber.sex"),
    Case("DM006", lambda: subscriber(sex=Sex.UNKNOWN), "subscriber.sex"),
    Case(
        "DM007",
        lambda: child(patient=child().patient.model_copy(update={"address": None})),  # type: ignore[union-attr]
        "patient.address",
    ),  # fmt: skip
    Case(
        "DM008",
        lambda: subscriber(
            address=Address(line1="1 Elm", city="Tampa", state="FL", postal_code="3351")
        ),
        "subscriber.address.postal_code",
    ),  # fmt: skip
    Case(
        "DM008",
        lambda: subscriber(
            address=Address(line1="1 Elm", city="Tampa", state="F1", postal_code="33511")
        ),
        "subscriber.address.state",
    ),  # fmt: skip
    # subscriber and relationship
    Case("SB001", lambda: subscriber(member_id=""), "subscriber.member_id"),
    Case("SB002", lambda: subscriber(member_id="XKZ 480019"), "subscriber.member_id"),
    Case(
        "SB003", lambda: pro(patient=OTHER_PERSON, relationship=Relationship.SELF), "relationship"
    ),  # fmt: skip
    Case("SB004", lambda: pro(relationship=Relationship.CHILD), "patient"),
    Case(
        "SB005",
        lambda: pro(
            patient=Person(
                **professional_claim().subscriber.model_dump(
                    include={"last_name", "first_name", "birth_date", "sex", "address"}
                )
            ),
            relationship=Relationship.SPOUSE,
        ),
        "relationship",
    ),  # fmt: skip
    Case(
        "SB006",
        lambda: child(subscriber=child().subscriber.model_copy(update={"first_name": None})),
        "subscriber.first_name",
    ),  # fmt: skip
    Case(
        "SB007",
        lambda: child(payer=child().payer.model_copy(update={"claim_filing_indicator": "MB"})),
        "relationship",
    ),  # fmt: skip
    # providers
    Case("PV001", lambda: pro(billing_provider=None), "billing_provider"),
    Case("PV002", lambda: billing(npi=None), "billing_provider.npi"),
    Case("PV003", lambda: billing(npi="1234567890"), "billing_provider.npi"),
    Case("PV004", lambda: billing(organization_name=None), "billing_provider.organization_name"),
    Case("PV005", lambda: billing(tax_id=None), "billing_provider.tax_id"),
    Case("PV006", lambda: billing(tax_id="59123"), "billing_provider.tax_id"),
    Case(
        "PV007",
        lambda: billing(
            address=Address(
                line1="1200 Harbor View Dr", city="Tampa", state="FL", postal_code="33602"
            )
        ),
        "billing_provider.address.postal_code",
    ),  # fmt: skip
    Case("PV007", lambda: billing(address=None), "billing_provider.address"),
    Case("PV008", lambda: billing(taxonomy="207Q0000"), "billing_provider.taxonomy"),
    Case(
        "PV009",
        lambda: pro(rendering_provider=Provider(npi="1234567890", last_name="Okafor")),
        "rendering_provider.npi",
    ),  # fmt: skip
    Case(
        "PV009",
        lambda: lines(line(rendering_provider=Provider(last_name="Okafor"))),
        "lines[0].rendering_provider.npi",
    ),  # fmt: skip
    Case(
        "PV010",
        lambda: pro(referring_provider=Provider(npi="1234567891", last_name="Lind")),
        "referring_provider.npi",
    ),  # fmt: skip
    Case("PV011", lambda: billing(taxonomy=None), "billing_provider.taxonomy"),
    # payer
    Case(
        "PY001",
        lambda: pro(payer=professional_claim().payer.model_copy(update={"payer_id": ""})),
        "payer.payer_id",
    ),  # fmt: skip
    Case(
        "PY001",
        lambda: pro(payer=professional_claim().payer.model_copy(update={"payer_id": "877-26"})),
        "payer.payer_id",
    ),  # fmt: skip
    Case(
        "PY002",
        lambda: pro(payer=professional_claim().payer.model_copy(update={"name": ""})),
        "payer.name",
    ),  # fmt: skip
    Case(
        "PY003",
        lambda: pro(
            payer=professional_claim().payer.model_copy(update={"claim_filing_indicator": "XX"})
        ),
        "payer.claim_filing_indicator",
    ),  # fmt: skip
    Case(
        "PY004",
        lambda: professional_claim_secondary(payer=professional_claim().payer),
        "other_payers[0].payer.payer_id",
    ),  # fmt: skip
    # diagnoses
    Case("DX001", lambda: pro(diagnoses=()), "diagnoses"),
    Case("DX002", lambda: pro(diagnoses=("25000",)), "diagnoses[0]"),
    Case("DX003", lambda: pro(diagnoses=("E1199",)), "diagnoses[0]"),
    Case("DX004", lambda: pro(diagnoses=("E11",)), "diagnoses[0]"),
    # E11A (type 2 diabetes in remission) was added on 2025-10-01.
    Case(
        "DX005",
        lambda: lines(line(service_date=date(2025, 9, 15)), diagnoses=("E11A",)),
        "diagnoses[0]",
    ),  # fmt: skip
    Case("DX006", lambda: pro(diagnoses=("N400",)), "diagnoses[0]"),  # male code, female patient
    Case("DX007", lambda: child(diagnoses=("Z0000",)), "diagnoses[0]"),  # adult exam, child
    Case(
        "DX008",
        lambda: lines(line(diagnosis_pointers=(1, 2)), diagnoses=("G463", "I10")),
        "diagnoses[0]",
    ),  # fmt: skip
    Case(
        "DX009",
        lambda: lines(line(diagnosis_pointers=(1, 2)), diagnoses=("W19XXXA", "S0990XA")),
        "diagnoses[0]",
    ),  # fmt: skip
    Case(
        "DX010",
        lambda: lines(line(diagnosis_pointers=(1, 2)), diagnoses=("E119", "E119")),
        "diagnoses[1]",
    ),  # fmt: skip
    Case(
        "DX011",
        lambda: lines(line(diagnosis_pointers=(1, 2, 3, 4)), diagnoses=THIRTEEN_CODES),
        "diagnoses[12]",
    ),  # fmt: skip
    Case("DX012", lambda: pro(diagnoses=("E119", "I10")), "diagnoses[1]"),
    # procedures and lines
    Case("PX001", lambda: lines(line(procedure_code=None)), "lines[0].procedure_code"),
    Case("PX002", lambda: lines(line(procedure_code="9921")), "lines[0].procedure_code"),
    Case("PX002", lambda: lines(line(procedure_code="W1234")), "lines[0].procedure_code"),
    Case("PX003", lambda: lines(line(modifiers=("0Z",))), "lines[0].modifiers[0]"),
    Case(
        "PX004",
        lambda: lines(line(procedure_code="71046", modifiers=("26", "TC"))),
        "lines[0].modifiers[1]",
    ),  # fmt: skip
    Case(
        "PX005",
        lambda: lines(line(procedure_code="20610", modifiers=("LT", "RT"))),
        "lines[0].modifiers[1]",
    ),  # fmt: skip
    Case(
        "PX006",
        lambda: lines(line(procedure_code="20610", modifiers=("50", "LT"))),
        "lines[0].modifiers[1]",
    ),  # fmt: skip
    Case("PX007", lambda: lines(line(modifiers=("25", "25"))), "lines[0].modifiers[1]"),
    Case("PX008", lambda: lines(line(units=Decimal("0"))), "lines[0].units"),
    Case("PX009", lambda: lines(line(charge=Decimal("0.00"))), "lines[0].charge"),
    Case("PX010", lambda: pro(total_charge=Decimal("100.00")), "total_charge"),
    Case("PX011", lambda: lines(line(diagnosis_pointers=(2,))), "lines[0].diagnosis_pointers[0]"),
    Case("PX012", lambda: lines(line(diagnosis_pointers=())), "lines[0].diagnosis_pointers"),
    Case("PX013", lambda: lines(line(diagnosis_pointers=(1, 1))), "lines[0].diagnosis_pointers"),
    # The model refuses a fifth pointer; a claim built without validation can still carry one.
    Case(
        "PX013",
        lambda: lines(
            ServiceLine.model_construct(
                **{**line().__dict__, "diagnosis_pointers": (1, 2, 3, 4, 5)}
            ),
            diagnoses=("E119", "I10", "J069", "M545", "E785"),
        ),
        "lines[0].diagnosis_pointers[4]",
    ),  # fmt: skip
    Case("PX014", lambda: lines(line(service_date=None)), "lines[0].service_date"),
    Case(
        "PX015",
        lambda: pro(
            lines=tuple(
                line(n, service_date=date(2026, 1, 1) + (date(2026, 1, 2) - date(2026, 1, 1)) * n)
                for n in range(1, 52)
            )
        ),
        "lines[50]",
    ),  # fmt: skip
    Case("PX016", lambda: lines(line(unit_type="DA")), "lines[0].unit_type"),
    Case("PX017", lambda: lines(line(procedure_code="J1885", ndc="0409-1234-01")), "lines[0].ndc"),
    Case("PX018", lambda: pro(place_of_service="5X"), "place_of_service"),
    Case("PX018", lambda: pro(place_of_service=None), "lines[0].place_of_service"),
    Case(
        "PX019",
        lambda: lines(line(1), line(1, procedure_code="36415", charge=Decimal("18.00"))),
        "lines[0].line_number",
    ),  # fmt: skip
    Case(
        "PX020",
        lambda: lines(line(1, procedure_code="36415"), line(2, procedure_code="36415")),
        "lines[1]",
    ),  # fmt: skip
    # NCCI (demo PTP/MUE table shipped with the code sets)
    Case(
        "NC001",
        lambda: lines(line(1, procedure_code="93000"), line(2, procedure_code="93010")),
        "lines[1].procedure_code",
    ),  # fmt: skip
    Case(
        "NC001",
        lambda: lines(line(1, procedure_code="93010"), line(2, procedure_code="93000")),
        "lines[0].procedure_code",
    ),  # fmt: skip
    Case("NC002", lambda: lines(line(1), line(2, procedure_code="96372")), "lines[1].modifiers"),
    Case(
        "NC003",
        lambda: lines(line(1), line(2, procedure_code="96372", modifiers=("59",))),
        "lines[1].modifiers[0]",
    ),  # fmt: skip
    Case(
        "NC004", lambda: lines(line(procedure_code="20610", units=Decimal("3"))), "lines[0].units"
    ),  # fmt: skip
    Case(
        "NC005",
        lambda: lines(
            line(1, procedure_code="36415", units=Decimal("2")),
            line(2, procedure_code="36415", units=Decimal("1"), modifiers=("91",)),
        ),
        "lines[1].units",
    ),  # fmt: skip
    # telehealth (default policy: POS 02/10 need 95, 93 or GT)
    Case("TH001", lambda: pro(place_of_service="10"), "lines[0].modifiers"),
    Case("TH002", lambda: lines(line(modifiers=("95",))), "place_of_service"),
    # dates
    Case("DT001", lambda: lines(line(service_date=date(2026, 7, 1))), "lines[0].service_date"),
    Case(
        "DT002", lambda: lines(line(service_date_end=date(2026, 3, 1))), "lines[0].service_date_end"
    ),  # fmt: skip
    Case(
        "DT003", lambda: child(lines=(line(service_date=date(2014, 12, 1)),)), "patient.birth_date"
    ),  # fmt: skip
    Case(
        "DT004",
        lambda: pro(),
        "lines[0].service_date",
        context=lambda claim: {"today": date(2027, 3, 11)},
    ),  # fmt: skip
    Case(
        "DT004",
        lambda: lines(
            line(1, service_date=date(2026, 4, 1)),
            line(2, procedure_code="36415", charge=Decimal("18.00"), service_date=date(2026, 2, 1)),
        ),
        "lines[1].service_date",
        context=lambda claim: {"today": date(2027, 3, 1)},
    ),
    Case("DT004", lambda: inst(), "statement_to", context=lambda c: {"today": date(2027, 2, 20)}),
    Case(
        "DT005",
        lambda: pro(),
        "lines[0].service_date",
        context=lambda claim: {"today": date(2027, 3, 1)},
    ),  # fmt: skip
    # the claim as a whole
    Case(
        "CL001",
        lambda: pro(),
        "claim_id",
        context=lambda claim: {"accepted_claims": {claim_fingerprint(claim): "CLM-000123"}},
    ),
    Case(
        "CL001",
        lambda: pro(),
        "claim_id",
        context=lambda claim: {"accepted_claims": frozenset({claim_fingerprint(claim)})},
    ),
    Case("CL002", lambda: pro(frequency=Frequency.REPLACEMENT), "original_payer_claim_number"),
    Case("CL002", lambda: pro(frequency=Frequency.VOID), "original_payer_claim_number"),
    Case("CL003", lambda: pro(original_payer_claim_number="2026061000123"), "frequency"),
    # institutional
    Case("IN001", lambda: inst(type_of_bill=None), "type_of_bill"),
    Case("IN002", lambda: inst(type_of_bill="0A1"), "type_of_bill"),
    Case("IN003", lambda: inst(type_of_bill="0117"), "type_of_bill"),
    Case("IN004", lambda: inst_lines(revenue_code="120"), "lines[0].revenue_code"),
    Case("IN004", lambda: inst_lines(revenue_code=None), "lines[0].revenue_code"),
    Case("IN005", lambda: inst(statement_to=None), "statement_to"),
    Case("IN006", lambda: inst(statement_to=date(2026, 2, 15)), "statement_to"),
    Case(
        "IN007", lambda: inst_lines(service_date_end=date(2026, 2, 20)), "lines[0].service_date_end"
    ),  # fmt: skip
    Case("IN008", lambda: inst(attending_provider=None), "attending_provider"),
    Case("IN009", lambda: inst(discharge_status=None), "discharge_status"),
    Case("IN010", lambda: inst(admitting_diagnosis="R999"), "admitting_diagnosis"),
    Case("IN011", lambda: inst(admission_date=date(2026, 2, 17)), "admission_date"),
    Case("IN012", lambda: inst(present_on_admission=None), "present_on_admission"),
    Case("IN012", lambda: inst(present_on_admission=(None, "Y", "Y")), "present_on_admission"),
    Case("IN013", lambda: inst(present_on_admission=("Y", "1", "N")), "present_on_admission[1]"),
    Case(
        "IN014",
        lambda: inst(principal_procedure=IcdProcedure(code="0BH17IZ", date=date(2026, 2, 16))),
        "principal_procedure.code",
    ),
    Case(
        "IN014",
        lambda: inst(other_procedures=(IcdProcedure(code="3E0G76Z"),)),
        "other_procedures[0].date",
    ),
    Case(
        "IN015",
        lambda: inst(value_codes=(ValueCode(code="8", amount=Decimal("3")),)),
        "value_codes[0].code",
    ),
    Case("IN015", lambda: inst(condition_codes=("c1",)), "condition_codes[0]"),
    Case(
        "IN015",
        lambda: inst(
            occurrence_spans=(
                OccurrenceSpan(code="74", start=date(2026, 2, 18), end=date(2026, 2, 17)),
            )
        ),
        "occurrence_spans[0].end",
    ),
    # payer rules: the shipped file's rules, and a warn rule of our own
    Case("PR001", lambda: lines(line(procedure_code="99442")), "lines[0]"),
    Case(
        "PR002",
        lambda: pro(),
        "claim",
        context=lambda claim: rules_yaml(
            "rules:\n  - id: sunshine-notice\n    when: {payer_id: ['87726']}\n"
            "    action: warn\n    message: attach the referral letter\n"
        ),
    ),  # fmt: skip
    Case("PR003", lambda: lines(line(procedure_code="70551")), "prior_authorization"),
    Case(
        "PR004",
        lambda: lines(
            line(modifiers=("GT",)),
            place_of_service="02",
            payer=professional_claim().payer.model_copy(update={"claim_filing_indicator": "MB"}),
        ),
        "lines[0].modifiers",
    ),  # fmt: skip
]


def _run(case: Case, base: ScrubContext) -> list[Any]:
    claim = case.build()
    overrides = case.context(claim)
    context = ScrubContext(**{**base.__dict__, **overrides})
    return scrub(claim, context)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.code}-{i}" for i, c in enumerate(CASES)])
def test_edit_fires_on_the_claim_built_for_it(case: Case, context: ScrubContext) -> None:
    edits = _run(case, context)
    found = [e for e in edits if e.code == case.code]
    assert found, f"{case.code} not raised; got {[e.code for e in edits]}"
    assert found[0].severity is REGISTRY[case.code].severity
    if case.path is not None:
        assert case.path in [e.field for e in found]
    assert all(e.message for e in found)


def test_every_registered_edit_has_a_row() -> None:
    assert set(REGISTRY) == {case.code for case in CASES}


def test_at_least_forty_edits_across_every_category() -> None:
    categories = {spec.category for spec in REGISTRY.values()}
    assert len(REGISTRY) >= 40
    assert len(categories) == 12


@pytest.mark.parametrize("name", sorted(PROFESSIONAL_VARIANTS))
def test_clean_professional_factory_claims_pass_without_edits(
    name: str, context: ScrubContext
) -> None:
    edits = scrub(PROFESSIONAL_VARIANTS[name](), context)
    assert [(e.code, e.field, e.message) for e in edits] == []


@pytest.mark.parametrize("name", sorted(INSTITUTIONAL_VARIANTS))
def test_clean_institutional_factory_claims_pass_without_edits(
    name: str, context: ScrubContext
) -> None:
    edits = scrub(INSTITUTIONAL_VARIANTS[name](), context)
    assert [(e.code, e.field, e.message) for e in edits] == []


def test_ncci_modifier_indicator_1_is_bypassed_by_a_distinct_service_modifier(
    context: ScrubContext,
) -> None:
    claim = lines(line(1), line(2, procedure_code="96372", modifiers=("XU",)))
    assert not {"NC001", "NC002", "NC003"} & {e.code for e in scrub(claim, context)}


def test_ncci_modifier_indicator_0_is_not_bypassed_by_59(context: ScrubContext) -> None:
    bypassed = line(2, procedure_code="93010", modifiers=("59",))
    claim = lines(line(1, procedure_code="93000"), bypassed)
    assert "NC001" in {e.code for e in scrub(claim, context)}


def test_ncci_pair_on_different_dates_is_not_an_edit(context: ScrubContext) -> None:
    claim = lines(line(1), line(2, procedure_code="96372", service_date=date(2026, 3, 11)))
    assert "NC002" not in {e.code for e in scrub(claim, context)}


def test_ncci_deleted_pair_is_not_an_edit_after_its_deletion(context: ScrubContext) -> None:
    # 11042/97597 was deleted on 2023-12-31 in the demo table.
    claim = lines(line(1, procedure_code="11042"), line(2, procedure_code="97597"))
    assert "NC002" not in {e.code for e in scrub(claim, context)}


def test_mue_uses_the_file_in_effect_on_the_date_of_service(context: ScrubContext) -> None:
    # 97110: MUE 6 from January 2026, 8 from April 2026 in the demo files.
    def seven_units(day: date) -> Claim:
        return lines(line(procedure_code="97110", units=Decimal("7"), service_date=day))

    assert "NC005" in {e.code for e in scrub(seven_units(date(2026, 3, 10)), context)}
    assert "NC005" not in {e.code for e in scrub(seven_units(date(2026, 4, 10)), context)}


def test_duplicate_check_ignores_the_same_claim_and_replacements(context: ScrubContext) -> None:
    claim = pro(claim_id="CLM-1")
    accepted = {claim_fingerprint(claim): "CLM-1"}
    same = ScrubContext(**{**context.__dict__, "accepted_claims": accepted})
    assert "CL001" not in {e.code for e in scrub(claim, same)}
    replacement = pro(frequency=Frequency.REPLACEMENT, original_payer_claim_number="X1")
    assert claim_fingerprint(replacement) == claim_fingerprint(pro())
    assert "CL001" not in {e.code for e in scrub(replacement, same)}


def test_fingerprint_ignores_the_patient_control_number_but_not_the_services() -> None:
    assert claim_fingerprint(pro(patient_control_number="A")) == claim_fingerprint(
        pro(patient_control_number="B")
    )
    assert claim_fingerprint(pro()) != claim_fingerprint(lines(line(procedure_code="99214")))


def test_held_only_by_errors(context: ScrubContext) -> None:
    warned = scrub_claim(subscriber(sex=Sex.UNKNOWN), context)
    assert [e.code for e in warned.edits] == ["DM006"] and not warned.held
    held = scrub_claim(billing(npi="1234567890"), context)
    assert held.held and held.errors[0].severity is Severity.ERROR


def test_messages_carry_no_patient_identity(context: ScrubContext) -> None:
    claim = subscriber(member_id="XKZ 480019", birth_date=date(2027, 1, 1))
    for edit in scrub(claim, context):
        assert "XKZ" not in edit.message and "Marlowe" not in edit.message
        assert "2027-01-01" not in edit.message


def test_other_payer_secondary_claim_with_distinct_primary_passes(context: ScrubContext) -> None:
    claim = professional_claim_secondary()
    assert isinstance(claim.other_payers[0], OtherPayer)
    assert "PY004" not in {e.code for e in scrub(claim, context)}


def _diagnosis_edits(code: str, served: date, context: ScrubContext) -> set[str]:
    claim = lines(line(service_date=served), diagnoses=(code,))
    return {e.code for e in scrub(claim, context)} & {"DX003", "DX004", "DX005"}


def test_header_code_is_reported_once_as_not_billable(context: ScrubContext) -> None:
    assert _diagnosis_edits("E11", SERVICE_DATE, context) == {"DX004"}


def test_deleted_code_is_valid_before_its_deletion_only(context: ScrubContext) -> None:
    # S301XXA was deleted after 2025-09-30 (FY2026 update).
    assert _diagnosis_edits("S301XXA", date(2025, 9, 30), context) == set()
    assert _diagnosis_edits("S301XXA", date(2025, 10, 1), context) == {"DX005"}


def test_expanded_code_is_billable_before_its_expansion(context: ScrubContext) -> None:
    # B880 became a header with subcodes B8801/B8809 on 2025-10-01.
    assert _diagnosis_edits("B880", date(2025, 9, 1), context) == set()
    assert _diagnosis_edits("B880", date(2025, 10, 2), context) == {"DX004"}


def test_practitioner_mue_does_not_judge_an_institutional_claim(context: ScrubContext) -> None:
    base = institutional_claim()
    lab = base.lines[1].model_copy(update={"units": Decimal("3")})  # 80053: practitioner MUE 1
    claim = inst(lines=(base.lines[0], lab, *base.lines[2:]))
    assert {"NC004", "NC005"}.isdisjoint(e.code for e in scrub(claim, context))


def test_mue_files_apply_by_the_kind_of_claim_they_were_published_for() -> None:
    from shared.codes.ncci import MueEdit
    from shared.scrubber.edits.ncci import _mue_for_claim_kind

    def mue(service_type: str) -> MueEdit:
        return MueEdit("80053", 1, "2", "CMS Policy", service_type=service_type)

    assert _mue_for_claim_kind(mue("Practitioner Services"), professional=True) is not None
    assert _mue_for_claim_kind(mue("Practitioner Services"), professional=False) is None
    assert _mue_for_claim_kind(mue("Outpatient Hospital Services"), professional=False)
    assert _mue_for_claim_kind(mue("Outpatient Hospital Services"), professional=True) is None
    assert _mue_for_claim_kind(mue(""), professional=False) is not None


def test_ncci_modifier_indicator_9_is_not_an_edit(context: ScrubContext, codes) -> None:  # type: ignore[no-untyped-def]
    # The demo table's 99211/36415 pair carries indicator 9 (deleted retroactively).
    day = date(2025, 1, 1)
    pair = codes.ncci.ptp("99211", "36415", day)
    assert pair is not None and pair.modifier_indicator == "9"
    claim = lines(
        line(1, procedure_code="99211", service_date=day),
        line(2, procedure_code="36415", charge=Decimal("18.00"), service_date=day),
    )
    assert {"NC001", "NC002", "NC003"}.isdisjoint(e.code for e in scrub(claim, context))
