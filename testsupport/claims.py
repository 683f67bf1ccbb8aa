"""Claim factories: realistic, valid, fictional `Claim` objects for tests, demos and benchmarks.

Every factory returns a claim that a payer would accept: NPIs carry a correct Luhn check
digit (over the 80840 prefix), diagnoses are billable ICD-10-CM codes, procedures are real
CPT/HCPCS codes, totals equal the sum of the lines. Keyword overrides replace any field of
the `Claim` (pydantic `model_copy(update=...)` is avoided on purpose: it skips validation).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, time
from decimal import Decimal
from typing import Any

from shared.claim_model import (
    Address,
    Adjustment,
    Claim,
    ClaimKind,
    Frequency,
    IcdProcedure,
    OccurrenceCode,
    OccurrenceSpan,
    OtherPayer,
    Payer,
    Person,
    PriorLineAdjudication,
    Provider,
    Relationship,
    ServiceLine,
    Sex,
    Subscriber,
    ValueCode,
)

__all__ = [
    "npi_with_check_digit",
    "is_valid_npi",
    "professional_claim",
    "professional_claim_several_lines",
    "professional_claim_modifiers",
    "professional_claim_child_patient",
    "professional_claim_secondary",
    "professional_claim_replacement",
    "professional_claim_void",
    "professional_claim_line_details",
    "institutional_claim",
    "institutional_claim_secondary",
    "institutional_claim_ub04",
    "random_professional_claims",
    "random_institutional_claims",
    "PROFESSIONAL_VARIANTS",
    "INSTITUTIONAL_VARIANTS",
]


def _luhn_check_digit(digits: str) -> str:
    """Luhn check digit for `digits` (the digit to append)."""
    total = 0
    # Double every second digit counting from the right of the payload (the check digit's
    # neighbour is doubled first).
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def npi_with_check_digit(first_nine: str) -> str:
    """A 10-digit NPI: the nine digits given plus the Luhn digit computed over 80840 + them."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("an NPI needs exactly nine leading digits")
    return first_nine + _luhn_check_digit("80840" + first_nine)


def is_valid_npi(npi: str) -> bool:
    """True when `npi` is 10 digits with a correct check digit."""
    return len(npi) == 10 and npi.isdigit() and npi_with_check_digit(npi[:9]) == npi


BILLING_NPI = npi_with_check_digit("123456789")  # 1234567893, the CMS worked example
RENDERING_NPI = npi_with_check_digit("192837465")
REFERRING_NPI = npi_with_check_digit("167890123")
ATTENDING_NPI = npi_with_check_digit("145678901")
FACILITY_NPI = npi_with_check_digit("156789012")
SECOND_RENDERING_NPI = npi_with_check_digit("178901234")
HOSPITAL_NPI = npi_with_check_digit("134567890")

SERVICE_DATE = date(2026, 3, 10)


def _billing_provider() -> Provider:
    return Provider(
        npi=BILLING_NPI,
        organization_name="Riverbend Family Medicine",
        taxonomy="207Q00000X",
        tax_id="591234567",
        address=Address(
            line1="1200 Harbor View Drive", city="Tampa", state="FL", postal_code="336021234"
        ),
    )


def _rendering_provider() -> Provider:
    return Provider(
        npi=RENDERING_NPI, last_name="Okafor", first_name="Adaeze", taxonomy="207Q00000X"
    )


def _payer() -> Payer:
    return Payer(
        payer_id="87726",
        name="Sunshine Mutual Health Plan",
        claim_filing_indicator="CI",
        address=Address(
            line1="PO Box 30555", city="Salt Lake City", state="UT", postal_code="84130"
        ),
    )


def _secondary_payer() -> Payer:
    return Payer(
        payer_id="60054",
        name="Gulf Coast Benefit Assurance",
        claim_filing_indicator="CI",
        address=Address(line1="PO Box 981106", city="El Paso", state="TX", postal_code="79998"),
    )


def _subscriber(**overrides: Any) -> Subscriber:
    values: dict[str, Any] = {
        "last_name": "Marlowe",
        "first_name": "Theodora",
        "middle_name": "J",
        "birth_date": date(1968, 7, 14),
        "sex": Sex.FEMALE,
        "member_id": "XKZ480019203",
        "group_number": "GRP77120",
        "address": Address(
            line1="48 Cypress Hollow Lane", city="Brandon", state="FL", postal_code="33511"
        ),
    }
    values.update(overrides)
    return Subscriber(**values)


def _build(defaults: dict[str, Any], overrides: dict[str, Any]) -> Claim:
    values = {**defaults, **overrides}
    if "lines" in overrides and "total_charge" not in overrides:
        # Keep the claim valid: the total follows the lines unless the caller says otherwise.
        values["total_charge"] = sum((line.charge for line in values["lines"]), Decimal("0.00"))
    return Claim(**values)


def professional_claim(**overrides: Any) -> Claim:
    """A clean 837P office visit: one line 99213, diagnosis E119, POS 11, subscriber = patient."""
    defaults: dict[str, Any] = {
        "kind": ClaimKind.PROFESSIONAL,
        "patient_control_number": "PCN26031001",
        "total_charge": Decimal("145.00"),
        "place_of_service": "11",
        "billing_provider": _billing_provider(),
        "rendering_provider": _rendering_provider(),
        "payer": _payer(),
        "subscriber": _subscriber(),
        "relationship": Relationship.SELF,
        "diagnoses": ("E119",),
        "lines": (
            ServiceLine(
                line_number=1,
                procedure_code="99213",
                charge=Decimal("145.00"),
                diagnosis_pointers=(1,),
                service_date=SERVICE_DATE,
            ),
        ),
    }
    return _build(defaults, overrides)


def _several_lines() -> tuple[ServiceLine, ...]:
    return (
        ServiceLine(
            line_number=1,
            procedure_code="99214",
            charge=Decimal("210.00"),
            diagnosis_pointers=(1, 2, 3),
            service_date=SERVICE_DATE,
        ),
        ServiceLine(
            line_number=2,
            procedure_code="36415",
            charge=Decimal("18.00"),
            diagnosis_pointers=(1,),
            service_date=SERVICE_DATE,
        ),
        ServiceLine(
            line_number=3,
            procedure_code="80053",
            charge=Decimal("62.50"),
            diagnosis_pointers=(1, 2),
            service_date=SERVICE_DATE,
        ),
        ServiceLine(
            line_number=4,
            procedure_code="97110",
            units=Decimal("2"),
            charge=Decimal("96.00"),
            diagnosis_pointers=(4,),
            service_date=SERVICE_DATE,
        ),
    )


def professional_claim_several_lines(**overrides: Any) -> Claim:
    """Four lines, four diagnoses (E119, I10, J069, M5450) with pointers up to 4.

    M54.5 itself stopped being billable in FY2022 (split into M54.50-M54.59), hence M5450.
    """
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031002",
        "diagnoses": ("E119", "I10", "J069", "M5450"),
        "lines": _several_lines(),
        "referring_provider": Provider(
            npi=REFERRING_NPI, last_name="Lindqvist", first_name="Soren"
        ),
        "prior_authorization": "PA5551234",
    }
    values.update(overrides)
    return professional_claim(**values)


def professional_claim_modifiers(**overrides: Any) -> Claim:
    """Lines carrying modifiers: 99213-25 with a same-day procedure, 97110-GP-59."""
    lines = (
        ServiceLine(
            line_number=1,
            procedure_code="99213",
            modifiers=("25",),
            charge=Decimal("145.00"),
            diagnosis_pointers=(1, 2),
            service_date=SERVICE_DATE,
        ),
        ServiceLine(
            line_number=2,
            procedure_code="20610",
            modifiers=("RT",),
            charge=Decimal("180.00"),
            diagnosis_pointers=(2,),
            service_date=SERVICE_DATE,
        ),
        ServiceLine(
            line_number=3,
            procedure_code="97110",
            modifiers=("GP", "59"),
            units=Decimal("3"),
            charge=Decimal("144.00"),
            diagnosis_pointers=(2,),
            service_date=SERVICE_DATE,
        ),
    )
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031003",
        "diagnoses": ("I10", "M5450"),
        "lines": lines,
    }
    values.update(overrides)
    return professional_claim(**values)


def professional_claim_line_details(**overrides: Any) -> Claim:
    """Claim and line details: onset date, referral, service facility (2310C), a line with
    its own rendering provider (2420A), a drug line with its NDC (2410) and a date range."""
    lines = (
        ServiceLine(
            line_number=1, procedure_code="99214", charge=Decimal("210.00"),
            diagnosis_pointers=(1, 2), service_date=SERVICE_DATE,
            rendering_provider=Provider(
                npi=SECOND_RENDERING_NPI, last_name="Castellane", first_name="Ines",
                taxonomy="207Q00000X",
            ),
        ),
        ServiceLine(
            line_number=2, procedure_code="J1885", units=Decimal("2"), charge=Decimal("45.50"),
            diagnosis_pointers=(2,), service_date=SERVICE_DATE, ndc="00409379501",
        ),
        ServiceLine(
            line_number=3, procedure_code="97110", units=Decimal("4"), charge=Decimal("192.00"),
            diagnosis_pointers=(2,), service_date=SERVICE_DATE,
            service_date_end=date(2026, 3, 13),
        ),
    )  # fmt: skip
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031008",
        "diagnoses": ("E119", "M5450"),
        "lines": lines,
        "onset_date": date(2026, 2, 27),
        "referral_number": "REF7781",
        "service_facility": Provider(
            npi=FACILITY_NPI,
            organization_name="Riverbend Therapy Annex",
            address=Address(
                line1="1210 Harbor View Drive", city="Tampa", state="FL", postal_code="336021234"
            ),
        ),
    }
    values.update(overrides)
    return professional_claim(**values)


def _child_patient() -> Person:
    return Person(
        last_name="Marlowe",
        first_name="Jasper",
        birth_date=date(2015, 2, 3),
        sex=Sex.MALE,
        address=Address(
            line1="48 Cypress Hollow Lane", city="Brandon", state="FL", postal_code="33511"
        ),
    )


def professional_claim_child_patient(**overrides: Any) -> Claim:
    """The patient is the subscriber's child (relationship 19): loop 2000C/2010CA is written."""
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031004",
        "patient": _child_patient(),
        "relationship": Relationship.CHILD,
        "diagnoses": ("J069",),
        "lines": (
            ServiceLine(
                line_number=1,
                procedure_code="99213",
                charge=Decimal("145.00"),
                diagnosis_pointers=(1,),
                service_date=SERVICE_DATE,
            ),
            ServiceLine(
                line_number=2,
                procedure_code="87880",
                charge=Decimal("35.00"),
                diagnosis_pointers=(1,),
                service_date=SERVICE_DATE,
            ),
        ),
    }
    values.update(overrides)
    return professional_claim(**values)


def _primary_as_other_payer(claim_lines: tuple[ServiceLine, ...]) -> OtherPayer:
    """The primary payer's adjudication, as the secondary claim carries it (2320/2330/2430)."""
    adjudicated = date(2026, 4, 2)
    line_adjudications = []
    claim_paid = Decimal("0.00")
    for line in claim_lines:
        # Primary allowed 80% of charge and paid 80% of allowed; the rest is CO-45 and PR-2.
        allowed = (line.charge * Decimal("0.80")).quantize(Decimal("0.01"))
        paid = (allowed * Decimal("0.80")).quantize(Decimal("0.01"))
        claim_paid += paid
        line_adjudications.append(
            PriorLineAdjudication(
                line_number=line.line_number,
                procedure_code=line.procedure_code or "",
                paid_amount=paid,
                paid_units=line.units,
                adjudication_date=adjudicated,
                adjustments=(
                    Adjustment(group="CO", reason="45", amount=line.charge - allowed),
                    Adjustment(group="PR", reason="2", amount=allowed - paid),
                ),
            )
        )
    return OtherPayer(
        payer=_payer(),
        responsibility="P",
        subscriber=_subscriber(),
        relationship=Relationship.SELF,
        paid_amount=claim_paid,
        adjudication_date=adjudicated,
        # Claim-level CAS: nothing beyond the lines here, but an OA-23 (prior payer impact)
        # of zero would be odd; leave claim-level adjustments to the lines.
        claim_adjustments=(),
        line_adjudications=tuple(line_adjudications),
    )


def professional_claim_secondary(**overrides: Any) -> Claim:
    """A claim to the secondary payer after the primary paid: loops 2320/2330 and 2430."""
    lines = _several_lines()[:2]
    primary = _primary_as_other_payer(lines)
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031005",
        "payer": _secondary_payer(),
        "subscriber": _subscriber(member_id="GCB0045512", group_number="GC88001"),
        "diagnoses": ("E119", "I10", "J069"),
        "lines": lines,
        "other_payers": (primary,),
    }
    values.update(overrides)
    return professional_claim(**values)


def professional_claim_replacement(**overrides: Any) -> Claim:
    """A corrected claim (frequency 7) replacing the payer's claim 2026061000123."""
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031006",
        "frequency": Frequency.REPLACEMENT,
        "original_payer_claim_number": "2026061000123",
    }
    values.update(overrides)
    return professional_claim(**values)


def professional_claim_void(**overrides: Any) -> Claim:
    """A void (frequency 8) of the payer's claim 2026061000456."""
    values: dict[str, Any] = {
        "patient_control_number": "PCN26031007",
        "frequency": Frequency.VOID,
        "original_payer_claim_number": "2026061000456",
    }
    values.update(overrides)
    return professional_claim(**values)


def _hospital() -> Provider:
    return Provider(
        npi=HOSPITAL_NPI,
        organization_name="Saint Brigid Regional Medical Center",
        taxonomy="282N00000X",
        tax_id="596543210",
        address=Address(
            line1="900 Lakeshore Boulevard", city="Orlando", state="FL", postal_code="328031234"
        ),
    )


def institutional_claim(**overrides: Any) -> Claim:
    """An inpatient stay (bill type 011x) with revenue codes, admitting diagnosis and a DRG."""
    admitted = date(2026, 2, 16)
    discharged = date(2026, 2, 19)
    lines = (
        ServiceLine(
            line_number=1,
            revenue_code="0120",
            units=Decimal("3"),
            unit_type="DA",
            charge=Decimal("5400.00"),
            service_date=admitted,
            service_date_end=discharged,
        ),
        ServiceLine(
            line_number=2,
            revenue_code="0300",
            procedure_code="80053",
            charge=Decimal("185.00"),
            service_date=admitted,
        ),
        ServiceLine(
            line_number=3,
            revenue_code="0250",
            units=Decimal("6"),
            charge=Decimal("312.40"),
            service_date=admitted,
        ),
        ServiceLine(
            line_number=4,
            revenue_code="0450",
            procedure_code="99284",
            charge=Decimal("1250.00"),
            service_date=admitted,
        ),
    )
    defaults: dict[str, Any] = {
        "kind": ClaimKind.INSTITUTIONAL,
        "patient_control_number": "ACCT26021601",
        "total_charge": sum((line.charge for line in lines), Decimal("0.00")),
        "type_of_bill": "011",
        "billing_provider": _hospital(),
        "attending_provider": Provider(
            npi=ATTENDING_NPI, last_name="Vasquez-Holt", first_name="Ramona", taxonomy="207R00000X"
        ),
        "payer": _payer(),
        "subscriber": _subscriber(),
        "relationship": Relationship.SELF,
        "diagnoses": ("J189", "E119", "I10"),
        "present_on_admission": ("Y", "Y", "Y"),  # an inpatient hospital claim needs POA
        "admitting_diagnosis": "R0602",
        "drg": "194",
        "admission_date": admitted,
        "admission_type": "1",
        "admission_source": "7",
        "discharge_status": "01",
        "statement_from": admitted,
        "statement_to": discharged,
        "lines": lines,
    }
    return _build(defaults, overrides)


def institutional_claim_secondary(**overrides: Any) -> Claim:
    """The inpatient stay billed to the secondary payer, with the primary's adjudication."""
    base = institutional_claim()
    primary_paid = Decimal("4870.32")
    primary = OtherPayer(
        payer=_payer(),
        responsibility="P",
        subscriber=_subscriber(),
        paid_amount=primary_paid,
        adjudication_date=date(2026, 3, 20),
        claim_adjustments=(
            Adjustment(
                group="CO",
                reason="45",
                amount=base.total_charge - primary_paid - Decimal("1600.00"),
            ),
            Adjustment(group="PR", reason="1", amount=Decimal("1600.00")),
        ),
    )
    values: dict[str, Any] = {
        "patient_control_number": "ACCT26021602",
        "payer": _secondary_payer(),
        "subscriber": _subscriber(member_id="GCB0045512", group_number="GC88001"),
        "other_payers": (primary,),
    }
    values.update(overrides)
    return institutional_claim(**values)


def institutional_claim_ub04(**overrides: Any) -> Claim:
    """The inpatient stay as a hospital's UB-04 carries it: admission and discharge hours,
    present-on-admission indicators (one exempt), ICD-10-PCS procedures with their dates,
    occurrence codes and spans, value and condition codes, operating physicians."""
    admitted = date(2026, 2, 16)
    values: dict[str, Any] = {
        "patient_control_number": "ACCT26021605",
        "diagnoses": ("J189", "E119", "I10", "Z8249"),
        "present_on_admission": ("Y", "Y", "N", None),  # Z82.49 is POA-exempt: blank
        "admission_hour": time(14, 30),
        "discharge_hour": time(11, 0),
        "principal_procedure": IcdProcedure(code="0BH17EZ", date=admitted),
        "other_procedures": (IcdProcedure(code="3E0G76Z", date=date(2026, 2, 17)),),
        "occurrence_codes": (OccurrenceCode(code="11", date=date(2026, 2, 14)),),
        "occurrence_spans": (
            OccurrenceSpan(code="74", start=date(2026, 2, 18), end=date(2026, 2, 19)),
        ),
        "value_codes": (
            ValueCode(code="80", amount=Decimal("3.00")),
            ValueCode(code="A1", amount=Decimal("250.00")),
        ),
        "condition_codes": ("39", "C1"),
        "operating_provider": Provider(
            npi=npi_with_check_digit("156789012"), last_name="Okafor", first_name="Daniel"
        ),
        "other_operating_provider": Provider(
            npi=npi_with_check_digit("167890123"), last_name="Lindqvist", first_name="Maja"
        ),
    }
    values.update(overrides)
    return institutional_claim(**values)


PROFESSIONAL_VARIANTS = {
    "simple": professional_claim,
    "several_lines": professional_claim_several_lines,
    "modifiers": professional_claim_modifiers,
    "child_patient": professional_claim_child_patient,
    "secondary": professional_claim_secondary,
    "replacement": professional_claim_replacement,
    "void": professional_claim_void,
    "line_details": professional_claim_line_details,
}
"""Every professional variant by name: tests parametrize over this."""

INSTITUTIONAL_VARIANTS = {
    "inpatient_drg": institutional_claim,
    "inpatient_ub04": institutional_claim_ub04,
    "secondary": institutional_claim_secondary,
    "child_patient": lambda **kw: institutional_claim(
        **{
            "patient_control_number": "ACCT26021603",
            "patient": _child_patient(),
            "relationship": Relationship.CHILD,
            **kw,
        }
    ),
    "replacement": lambda **kw: institutional_claim(
        **{
            "patient_control_number": "ACCT26021604",
            "type_of_bill": "011",
            "frequency": Frequency.REPLACEMENT,
            "original_payer_claim_number": "2026050000777",
            **kw,
        }
    ),
}

_FIRST = ("Avery", "Rowan", "Imani", "Teodor", "Priya", "Mateo", "Sigrid", "Kofi", "Lena", "Oren")
_LAST = ("Halvorsen", "Quintero", "Abernathy", "Nakamura", "Oduya", "Feldspar", "Castellane")
_DIAGNOSES = ("E119", "I10", "J069", "M5450", "E785", "K219", "R0602", "N390", "F419")
_CHILD_DIAGNOSES = ("J069", "J029", "J45909", "H6690", "L209", "R509", "K219", "N390")
# Office visits (established patient): one per date of service, always 1 unit (E/M MUE 1).
_OFFICE_VISITS = (("99212", "95.00"), ("99213", "145.00"), ("99214", "210.00"))
# Preventive visits (established patient) by age band, each with its exam diagnosis:
# Z0000 (general adult exam) is for ages 15+, Z00129 (routine child exam) under 18.
_PREVENTIVE = (
    (1, 4, "99392", "160.00", "Z00129"),
    (5, 11, "99393", "165.00", "Z00129"),
    (12, 17, "99394", "175.00", "Z00129"),
    (18, 39, "99395", "190.00", "Z0000"),
    (40, 64, "99396", "205.00", "Z0000"),
    (65, 200, "99397", "220.00", "Z0000"),
)
# Services besides the visit: (code, charge per unit, units to draw from, modifier choices).
# Units stay within the demo MUEs; sided services carry one side per line (never LT+RT).
_SERVICES = (
    ("36415", "18.00", (1,), ((),)),
    ("80053", "62.50", (1,), ((),)),
    ("85025", "38.00", (1,), ((),)),
    ("97110", "48.00", (1, 2, 3, 4), (("GP",),)),  # 15-minute units, therapy plan modifier
    ("J1885", "22.75", (1, 2), ((),)),  # ketorolac, per 15 mg
    ("71046", "120.00", (1,), ((), ("26",))),  # global, or the reading only
    ("93000", "75.00", (1,), ((),)),
    ("73030", "95.00", (1,), (("RT",), ("LT",))),  # shoulder X-ray, one side
    ("20610", "180.00", (1,), (("RT",), ("LT",))),  # major joint injection, one side
)
_PREVENTIVE_CODES = frozenset(p[2] for p in _PREVENTIVE)
_LABS = ("36415", "80053", "85025")
# A same-day E/M beside a minor procedure is billed with 25 (separately identifiable visit).
_NEEDS_25 = frozenset({"20610"})


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _random_service(code: str, rng: random.Random) -> tuple[str, Decimal, tuple[str, ...]]:
    """(code, units, modifiers) for one of `_SERVICES`."""
    _, _, units, modifier_choices = next(s for s in _SERVICES if s[0] == code)
    return code, Decimal(rng.choice(units)), rng.choice(modifier_choices)


def _random_visit(rng: random.Random, age: int) -> list[tuple[str, Decimal, tuple[str, ...]]]:
    """The services of one date: a problem visit with 0-4 services, or a preventive visit."""
    if rng.random() < 0.15:
        code = next(p[2] for p in _PREVENTIVE if p[0] <= age <= p[1])
        labs = rng.sample(_LABS, rng.randint(0, 2)) if age >= 18 else []
        return [(code, Decimal(1), ())] + [_random_service(lab, rng) for lab in labs]
    codes = rng.sample([service[0] for service in _SERVICES], rng.randint(0, 4))
    others = [_random_service(code, rng) for code in codes]  # distinct: no repeat on a date
    if others and rng.random() < 0.25:
        return others  # services without a visit (a lab or therapy appointment)
    visit = rng.choice(_OFFICE_VISITS)[0]
    modifiers = ("25",) if any(code in _NEEDS_25 for code, _, _ in others) else ()
    return [(visit, Decimal(1), modifiers)] + others


def _charge_of(code: str) -> Decimal:
    for table in (_OFFICE_VISITS, _SERVICES):
        for row in table:
            if row[0] == code:
                return Decimal(row[1])
    return Decimal(next(p[3] for p in _PREVENTIVE if p[2] == code))


def random_professional_claims(n: int, seed: int = 0) -> Iterator[Claim]:
    """`n` varied, valid and clean professional claims; the same seed gives the same claims.

    Clean means what a billing office would send without a second look (the scrubber holds
    none): one E/M per date at 1 unit, units within the MUEs, one side per sided line, no
    service repeated on a date, diagnoses that fit the patient's age and are all pointed to.
    """
    rng = random.Random(seed)
    for index in range(n):
        birth = date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28))
        subscriber = _subscriber(
            last_name=rng.choice(_LAST),
            first_name=rng.choice(_FIRST),
            middle_name=None,
            birth_date=birth,
            sex=rng.choice((Sex.FEMALE, Sex.MALE)),
            member_id=f"M{rng.randrange(10**10):010d}",
        )
        overrides: dict[str, Any] = {
            "patient_control_number": f"R{seed}-{index:06d}",
            "subscriber": subscriber,
        }
        if rng.random() < 0.2:
            # Children born 2009-2024 are 1-17 on any 2026 date of service.
            child_birth = date(rng.randint(2009, 2024), rng.randint(1, 12), rng.randint(1, 28))
            patient = Person(
                last_name=subscriber.last_name,
                first_name=rng.choice(_FIRST),
                birth_date=child_birth,
                sex=rng.choice((Sex.FEMALE, Sex.MALE)),
                address=subscriber.address,
            )
            overrides["patient"], overrides["relationship"] = patient, Relationship.CHILD
            birth = child_birth
        first_day = date(2026, rng.randint(1, 9), rng.randint(1, 28))
        days = [first_day]
        if rng.random() < 0.2:  # a follow-up visit billed on the same claim
            days.append(date(2026, first_day.month + 1, rng.randint(1, 28)))
        age = min(_age_on(birth, day) for day in days)
        pool = _DIAGNOSES if age >= 18 else _CHILD_DIAGNOSES
        problems = list(rng.sample(pool, rng.randint(1, 4)))
        services = [(day, s) for day in days for s in _random_visit(rng, age)]
        preventive = any(code in _PREVENTIVE_CODES for _, (code, _, _) in services)
        if preventive:
            exam = next(p[4] for p in _PREVENTIVE if p[0] <= age <= p[1])
            problems = [exam] + [d for d in problems if d != exam][:3]
        diagnoses = tuple(problems)
        # With a preventive visit, diagnosis 1 is the exam: only that visit points to it.
        problem_pointers = range(2 if preventive else 1, len(diagnoses) + 1)
        lines = []
        for line_number, (day, (code, units, modifiers)) in enumerate(services, start=1):
            if code in _PREVENTIVE_CODES or not problem_pointers:
                pointers: tuple[int, ...] = (1,)
            else:
                chosen = rng.sample(problem_pointers, rng.randint(1, len(problem_pointers)))
                pointers = tuple(sorted(chosen))
            lines.append(
                ServiceLine(
                    line_number=line_number,
                    procedure_code=code,
                    modifiers=modifiers,
                    units=units,
                    charge=_charge_of(code) * units,
                    diagnosis_pointers=pointers,
                    service_date=day,
                )
            )
        overrides["diagnoses"] = diagnoses
        overrides["lines"] = _point_to_every_diagnosis(lines, len(diagnoses))
        yield professional_claim(**overrides)


def _point_to_every_diagnosis(lines: list[ServiceLine], count: int) -> tuple[ServiceLine, ...]:
    """Add pointers so every diagnosis is used by some line (at most 4 pointers a line)."""
    used = {p for line in lines for p in line.diagnosis_pointers}
    out = list(lines)
    for pointer in range(1, count + 1):
        if pointer in used:
            continue
        for i, line in enumerate(out):
            if len(line.diagnosis_pointers) < 4:
                out[i] = line.model_copy(
                    update={"diagnosis_pointers": (*line.diagnosis_pointers, pointer)}
                )
                break
        used.add(pointer)
    return tuple(out)


# (revenue code, procedure or None, typical charge, unit basis)
_REVENUE_LINES = (
    ("0300", "80053", "185.00", "UN"),
    ("0301", "85025", "42.00", "UN"),
    ("0250", None, "52.10", "UN"),
    ("0450", "99284", "1250.00", "UN"),
    ("0320", "71046", "310.00", "UN"),
    ("0636", "J1885", "36.40", "UN"),
    ("0730", "93005", "76.56", "UN"),
    ("0420", "97110", "160.00", "UN"),
)


def random_institutional_claims(n: int, seed: int = 0) -> Iterator[Claim]:
    """`n` varied, valid outpatient (013x) and inpatient (011x) claims; seeded."""
    rng = random.Random(seed)
    for index in range(n):
        inpatient = rng.random() < 0.3
        start = date(2026, rng.randint(1, 10), rng.randint(1, 20))
        end = date(start.year, start.month, start.day + rng.randint(1, 6)) if inpatient else start
        diagnoses = tuple(rng.sample(_DIAGNOSES, rng.randint(1, 5)))
        lines = []
        if inpatient:
            days = Decimal((end - start).days)
            lines.append(
                ServiceLine(
                    line_number=1, revenue_code="0120", units=days, unit_type="DA",
                    charge=Decimal("1800.00") * days, service_date=start, service_date_end=end,
                )
            )  # fmt: skip
        # Distinct lines: the same service twice on one date is a duplicate to a payer.
        for revenue, procedure, price, basis in rng.sample(_REVENUE_LINES, rng.randint(1, 5)):
            units = Decimal(rng.choice((1, 1, 2)))
            lines.append(
                ServiceLine(
                    line_number=len(lines) + 1, revenue_code=revenue, procedure_code=procedure,
                    units=units, unit_type=basis, charge=Decimal(price) * units,
                    service_date=start,
                )
            )  # fmt: skip
        overrides: dict[str, Any] = {
            "patient_control_number": f"I{seed}-{index:06d}",
            "subscriber": _subscriber(
                last_name=rng.choice(_LAST), first_name=rng.choice(_FIRST), middle_name=None,
                member_id=f"M{rng.randrange(10**10):010d}",
            ),
            "diagnoses": diagnoses,
            "lines": tuple(lines),
            "statement_from": start,
            "statement_to": end,
            "type_of_bill": "011" if inpatient else "013",
            "present_on_admission": ("Y",) * len(diagnoses) if inpatient else None,
        }  # fmt: skip
        if not inpatient:
            overrides.update(
                admission_date=None, admission_type=None, admission_source=None,
                discharge_status="01", drg=None, admitting_diagnosis=None,
            )  # fmt: skip
        else:
            overrides.update(admission_date=start)
        yield institutional_claim(**overrides)
