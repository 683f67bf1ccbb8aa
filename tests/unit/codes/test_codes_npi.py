"""NPI check digit: Luhn over 80840 + the first nine digits."""

from __future__ import annotations

import pytest

from shared.codes import is_valid_npi, npi_check_digit


def test_known_valid_npi_from_the_cms_standard_example() -> None:
    # CMS's worked example: 123456789 -> check digit 3.
    assert npi_check_digit("123456789") == "3"
    assert is_valid_npi("1234567893")


def test_sum_divisible_by_ten_gives_check_digit_zero_not_ten() -> None:
    # 80840 100000002: doubled digits 2*2=4, 1*2=2, 4*2=8 plus 8 and 8 sum to 30.
    assert npi_check_digit("100000002") == "0"
    assert is_valid_npi("1000000020")
    assert not is_valid_npi("1000000021")


@pytest.mark.parametrize("npi", ["1234567890", "1234567891", "1234567892", "1234567894"])
def test_wrong_check_digit_is_invalid(npi: str) -> None:
    assert not is_valid_npi(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "123456789",
        "12345678931",
        "",
        "12345678 3",
        "123456789X",
        "１２３４５６７８９３",
        "3234567893",
    ],
)
def test_wrong_length_non_digits_and_reserved_first_digit_are_invalid(npi: str) -> None:
    assert not is_valid_npi(npi)


def test_every_check_digit_is_found_by_the_luhn_check() -> None:
    # For a run of prefixes exactly one of the ten possible last digits validates.
    for prefix in range(123456780, 123456800):
        valid = [d for d in "0123456789" if is_valid_npi(f"{prefix}{d}")]
        assert valid == [npi_check_digit(str(prefix))]


@pytest.mark.parametrize("first9", ["12345678", "1234567890", "12345678a"])
def test_check_digit_refuses_anything_but_nine_digits(first9: str) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        npi_check_digit(first9)
