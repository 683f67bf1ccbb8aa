"""Element and segment formatting shared by the X12 writers: dates, amounts, names, addresses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from shared.claim_model import Address, Adjustment, Payer, Person, Provider
from shared.x12.envelope_writer import hierarchy_problems
from shared.x12.segments import Segment, segment

__all__ = [
    "d8",
    "money",
    "quantity",
    "date_segment",
    "bht_segment",
    "reference_or_timestamp",
    "person_name",
    "member_name",
    "provider_nm1",
    "payer_name",
    "address_segments",
    "demographics",
    "cas_segments",
    "checked_hierarchy",
]


def d8(value: date) -> str:
    return value.strftime("%Y%m%d")


def money(value: Decimal) -> str:
    """X12 R element for an amount: two places as held by the claim model."""
    return f"{value:.2f}"


def quantity(value: Decimal) -> str:
    """X12 R element for units: no exponent, no trailing zeros ("1", "1.5")."""
    text = format(value.normalize(), "f")
    return text


def date_segment(qualifier: str, start: date, end: date | None = None) -> Segment:
    if end is not None and end != start:
        return segment("DTP", qualifier, "RD8", f"{d8(start)}-{d8(end)}")
    return segment("DTP", qualifier, "D8", d8(start))


def bht_segment(
    structure: str,
    purpose: str,
    reference: str,
    created_at: datetime,
    transaction_type: str | None = None,
) -> Segment:
    """BHT: hierarchical structure (BHT01), purpose (BHT02), reference, date and time."""
    elements = [structure, purpose, reference, d8(created_at), created_at.strftime("%H%M")]
    if transaction_type is not None:
        elements.append(transaction_type)
    return segment("BHT", *elements)


def reference_or_timestamp(reference: str | None, created_at: datetime) -> str:
    """BHT03 when the caller gives none: the creation time to the second."""
    return reference or created_at.strftime("%Y%m%d%H%M%S")


def person_name(entity: str, person: Person, id_qualifier: str, id_: str | None) -> Segment:
    return segment(
        "NM1",
        entity,
        "1",
        person.last_name,
        person.first_name,
        person.middle_name,
        None,
        person.suffix,
        id_qualifier if id_ else None,
        id_,
    )


def member_name(entity: str, last_name: str, first_name: str | None, member_id: str) -> Segment:
    """NM1 for a person known by name and member id (NM108 MI), e.g. the patient (QC)."""
    return segment("NM1", entity, "1", last_name, first_name, None, None, None, "MI", member_id)


def provider_nm1(entity: str, provider: Provider, id_qualifier: str | None) -> Segment:
    """NM1 for a provider: an organisation (NM102=2) or a person (NM102=1), with its NPI."""
    if provider.organization_name:
        return segment(
            "NM1", entity, "2", provider.organization_name, None, None, None, None,
            id_qualifier, provider.npi,
        )  # fmt: skip
    return segment(
        "NM1", entity, "1", provider.last_name, provider.first_name, None, None, None,
        id_qualifier, provider.npi,
    )  # fmt: skip


def payer_name(payer: Payer) -> Segment:
    """NM1*PR: the payer's name and its payer id (NM108 PI)."""
    return segment("NM1", "PR", "2", payer.name, None, None, None, None, "PI", payer.payer_id)


def address_segments(address: Address | None) -> list[Segment]:
    if address is None:
        return []
    country = address.country if address.country and address.country not in ("US", "USA") else None
    return [
        segment("N3", address.line1, address.line2),
        segment("N4", address.city, address.state, address.postal_code, country),
    ]


def demographics(person: Person, unknown_sex: str | None = "U") -> list[Segment]:
    """DMG with the birth date, when known; DMG03 is `unknown_sex` when the sex is not."""
    if person.birth_date is None:
        return []
    sex = person.sex.value if person.sex is not None else unknown_sex
    return [segment("DMG", "D8", d8(person.birth_date), sex)]


def cas_segments(adjustments: Iterable[Adjustment]) -> list[Segment]:
    """CAS: one segment per group code, at most six reason/amount/quantity triples each."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    out: list[Segment] = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            values: list[str | None] = [group]
            for item in items[start : start + 6]:
                values += [
                    item.reason,
                    money(item.amount),
                    quantity(item.quantity) if item.quantity is not None else None,
                ]
            out.append(segment("CAS", *values))
    return out


def checked_hierarchy(segments: list[Segment], error: type[ValueError]) -> list[Segment]:
    """`segments` after checking their HL parents and child codes; a problem is a writer bug."""
    problems = hierarchy_problems(segments)
    if problems:  # pragma: no cover - a writer bug, never the caller's input
        raise error("; ".join(problems))
    return segments
