"""Money: the one two-place Decimal type of the whole code base (requests, events, tables).

An amount is kept exactly as it was given or refused with the reason, never rounded or
guessed: "145.005" has a fraction of a cent and is an error, not 145.01. JSON numbers are
accepted only where their shortest decimal form is exactly the amount the sender wrote
(at most two places and few enough digits that a binary float carried them exactly);
anything else must be sent as a string. In JSON, money is always written as a string
("125.00") so that no subscriber parses it into a binary float.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import PlainSerializer, WithJsonSchema
from pydantic.functional_validators import AfterValidator, BeforeValidator

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# A binary float carries 15 significant decimal digits exactly; with two places for cents
# that is 13 before the point. Larger JSON numbers may already have lost digits in parsing.
FLOAT_EXACT_LIMIT = Decimal("9999999999999.99")


class MoneyError(ValueError):
    """An amount that cannot be represented exactly as money; the message says why."""


def to_money(value: Decimal) -> Decimal:
    """The amount with exactly two places; MoneyError when that would change it."""
    if not value.is_finite():
        raise MoneyError("amount must be a finite number")
    try:
        cents = value.quantize(CENT)
    except InvalidOperation:
        raise MoneyError("amount is too large to be represented") from None
    if cents != value:
        raise MoneyError("amount has more than two decimal places (fractions of a cent)")
    return cents


def _exact_float(value: Any) -> Any:
    # JSON numbers reach us as floats. Accept one only when its shortest repr is what the
    # sender wrote (0.1 + 0.2 is refused by to_money for its third place; 1e20 here).
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MoneyError("amount must be a finite number")
        exact = Decimal(repr(value))
        if abs(exact) > FLOAT_EXACT_LIMIT:
            raise MoneyError("amount is too large to be sent as a JSON number; send it as a string")
        return exact
    return value


def format_money(value: Decimal) -> str:
    """The JSON and text form: plain notation, two places ("125.00", never "1.25E+2")."""
    return format(value, "f")


Money = Annotated[
    Decimal,
    BeforeValidator(_exact_float),
    AfterValidator(to_money),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["125.00"]},
        mode="serialization",
    ),
]
"""Two-place Decimal; JSON string such as "125.00" on the way out."""
