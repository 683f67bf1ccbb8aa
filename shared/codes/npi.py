"""NPI check digit: Luhn over the '80840' card-issuer prefix plus the first nine digits."""

from __future__ import annotations

# CMS NPI standard: the NPI is an ISO 7812 card number whose issuer prefix 80840 is
# implied, so the Luhn sum is taken as if those five digits preceded the nine.
_PREFIX = "80840"


def _luhn_sum_doubling_from_right(digits: str) -> int:
    """Luhn sum of `digits` doubling the rightmost one (the check digit is not included)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total


def npi_check_digit(first9: str) -> str:
    """The check digit for an NPI's first nine digits; ValueError unless exactly nine digits."""
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        raise ValueError(f"an NPI check digit needs exactly nine digits, got {first9!r}")
    total = _luhn_sum_doubling_from_right(_PREFIX + first9)
    # (10 - 0) % 10 == 0: a sum divisible by ten gives check digit 0, not 10.
    return str((10 - total % 10) % 10)


def is_valid_npi(npi: str) -> bool:
    """True when `npi` is ten ASCII digits, starts with 1 or 2, and its check digit is right."""
    if not isinstance(npi, str) or len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    # NPPES issues NPIs beginning with 1 or 2 only; other first digits are reserved.
    if npi[0] not in "12":
        return False
    return npi_check_digit(npi[:9]) == npi[9]
