"""Element and segment formatting shared by the X12 writers: dates, amounts, names, addresses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from shared.claim_model import Address, Adjustment, Person
from shared.x12.segments import Segment, segment

__all__ = [
    "d8",
    "money",
    "quantity",
    "date_segment",
    "person_name",
    "address_segments",
    "demographics",
    "cas_segments",
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


def address_segments(address: Address | None) -> list[Segment]:
    if address is None:
        return []
    country = address.country if address.country and address.country not in ("US", "USA") else None
    return [
        segment("N3", address.line1, address.line2),
        segment("N4", address.city, address.state, address.postal_code, country),
    ]


def demographics(person: Person) -> list[Segment]:
    if person.birth_date is None:
        return []
    sex = person.sex.value if person.sex is not None else "U"
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
