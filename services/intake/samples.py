"""Sample claims for the demo: realistic billing content, obviously fictional people.

Patients are characters from public-domain novels, payers and providers are invented,
NPIs are made up (valid check digits only). Dates are fixed so reruns submit identical
bodies and the demo's Idempotency-Keys replay instead of creating duplicates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.claim_model import (
    Address,
    Claim,
    ClaimKind,
    Payer,
    Person,
    Provider,
    Relationship,
    ServiceLine,
    Sex,
    Subscriber,
)
from shared.codes.npi import npi_check_digit


def npi_with_check_digit(first_nine: str) -> str:
    """A made-up NPI: nine digits plus their check digit (valid, not anyone's)."""
    return first_nine + npi_check_digit(first_nine)


CLINIC = Provider(
    npi=npi_with_check_digit("100000001"),
    organization_name="Baker Street Community Clinic (DEMO)",
    taxonomy="207Q00000X",
    tax_id="990000001",
    address=Address(
        line1="221 Baker Street", city="Springfield", state="IL", postal_code="627010221"
    ),
)
HOSPITAL = Provider(
    npi=npi_with_check_digit("100000002"),
    organization_name="Pemberley General Hospital (DEMO)",
    taxonomy="282N00000X",
    tax_id="990000002",
    address=Address(
        line1="1 Pemberley Way", city="Springfield", state="IL", postal_code="627020001"
    ),
)
DR_WATSON = Provider(npi=npi_with_check_digit("100000003"), last_name="Watson", first_name="John")

ACME = Payer(payer_id="DEMO1", name="Acme Demo Health Plan", claim_filing_indicator="CI")
MEDICARE_DEMO = Payer(payer_id="DEMO2", name="Demo Medicare Part B", claim_filing_indicator="MB")
BLUE = Payer(payer_id="DEMO3", name="Imaginary Blue Shield", claim_filing_indicator="BL")


def _subscriber(last: str, first: str, member_id: str, born: date, sex: Sex) -> Subscriber:
    return Subscriber(
        last_name=last,
        first_name=first,
        birth_date=born,
        sex=sex,
        member_id=member_id,
        address=Address(
            line1="1 Fiction Lane", city="Springfield", state="IL", postal_code="62704"
        ),
    )


def _line(n: int, code: str, charge: str, day: date, **extra: object) -> ServiceLine:
    return ServiceLine(
        line_number=n, procedure_code=code, charge=Decimal(charge), service_date=day, **extra
    )


def _professional(
    pcn: str,
    payer: Payer,
    subscriber: Subscriber,
    dx: tuple[str, ...],
    *lines: ServiceLine,
    patient: Person | None = None,
    relationship: Relationship = Relationship.SELF,
) -> Claim:
    return Claim(
        kind=ClaimKind.PROFESSIONAL,
        patient_control_number=pcn,
        total_charge=sum((line.charge for line in lines), Decimal("0.00")),
        place_of_service="11",
        billing_provider=CLINIC,
        rendering_provider=DR_WATSON,
        payer=payer,
        subscriber=subscriber,
        patient=patient,
        relationship=relationship,
        diagnoses=dx,
        lines=lines,
    )


HOLMES = _subscriber("Holmes", "Sherlock", "ACM000000221", date(1954, 1, 6), Sex.MALE)
BENNET = _subscriber("Bennet", "Elizabeth", "BLU000001813", date(1990, 1, 28), Sex.FEMALE)
GATSBY = _subscriber("Gatsby", "Jay", "MBD000001925", date(1958, 4, 10), Sex.MALE)
MARCH_MOTHER = _subscriber("March", "Margaret", "ACM000001868", date(1980, 9, 30), Sex.FEMALE)
AMY_MARCH = Person(last_name="March", first_name="Amy", birth_date=date(2016, 5, 4), sex=Sex.FEMALE)


def sample_claims() -> list[Claim]:
    """Six claims across five patient accounts (Holmes has two visits on one account).

    Five are clean; DEMO-1004 (Amy March, billed to her mother's plan) leaves out the
    patient's address, so the scrubber holds it (DM007) and the demo shows a held claim.
    """
    return [
        _professional(
            "DEMO-1001",
            ACME,
            HOLMES,
            ("J449",),
            _line(1, "99214", "185.00", date(2026, 10, 6)),
            _line(2, "94010", "96.00", date(2026, 10, 6)),
        ),
        _professional(
            "DEMO-1001",
            ACME,
            HOLMES,
            ("J449", "R0602"),
            _line(1, "99213", "132.00", date(2026, 10, 20)),
            _line(2, "71046", "148.50", date(2026, 10, 20), diagnosis_pointers=(2, 1)),
        ),
        _professional(
            "DEMO-1002",
            BLUE,
            BENNET,
            ("Z0000",),
            _line(1, "99395", "245.00", date(2026, 10, 9), modifiers=("25",)),
            _line(2, "90686", "38.75", date(2026, 10, 9)),
            _line(3, "90471", "25.00", date(2026, 10, 9)),
        ),
        _professional(
            "DEMO-1003",
            MEDICARE_DEMO,
            GATSBY,
            ("E119", "I10"),
            _line(1, "99215", "265.00", date(2026, 10, 14)),
            _line(2, "83036", "42.00", date(2026, 10, 14)),
            _line(3, "36415", "15.00", date(2026, 10, 14), diagnosis_pointers=(1, 2)),
        ),
        _professional(
            "DEMO-1004",
            ACME,
            MARCH_MOTHER,
            ("J069",),
            _line(1, "99213", "132.00", date(2026, 10, 15)),
            _line(2, "87880", "34.20", date(2026, 10, 15), modifiers=("QW",)),
            patient=AMY_MARCH,
            relationship=Relationship.CHILD,
        ),
        Claim(
            kind=ClaimKind.INSTITUTIONAL,
            patient_control_number="DEMO-2001",
            total_charge=Decimal("2847.60"),
            type_of_bill="131",
            billing_provider=HOSPITAL,
            attending_provider=DR_WATSON,
            payer=BLUE,
            subscriber=BENNET.model_copy(update={"member_id": "BLU000001814"}),
            diagnoses=("S82201A",),
            statement_from=date(2026, 10, 22),
            statement_to=date(2026, 10, 22),
            admission_type="1",
            admission_source="7",
            discharge_status="01",
            lines=(
                ServiceLine(
                    line_number=1,
                    revenue_code="0450",
                    procedure_code="99284",
                    charge=Decimal("1650.00"),
                    service_date=date(2026, 10, 22),
                ),
                ServiceLine(
                    line_number=2,
                    revenue_code="0320",
                    procedure_code="73590",
                    charge=Decimal("412.60"),
                    service_date=date(2026, 10, 22),
                ),
                ServiceLine(
                    line_number=3,
                    revenue_code="0270",
                    charge=Decimal("785.00"),
                    service_date=date(2026, 10, 22),
                ),
            ),
        ),
    ]
