"""Profiles: the shipped ones load; a bad one is refused naming the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.profile import BUILTIN_PROFILES, ProfileError, load_profile, parse_profile

GOOD_PAYER = """version: 1
payers:
  - payer_id: "87726"
    name: Sunshine
"""


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_the_shipped_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.payer("87726").fee_schedule.rates


DENIAL = "    denials:\n      - {group: CO, reason: '16', remarks: [ZZ9]}\n"
RATE = "    fee_schedule:\n      rates: {'99213': 'ten'}\n"
SHARES = "    shares: {deny: 0.6, partial_payment: 0.6}\n"
COPAY = "    cost_share: {copay_procedures: ['99 213']}\n"
CARC = "    denials:\n      - {group: CO, reason: '999'}\n"


@pytest.mark.parametrize(
    ("text", "line", "key", "reason"),
    [
        (
            GOOD_PAYER + "    shares:\n      deny: 1.5\n",
            6,
            "payers[0].shares.deny",
            "less than or equal to 1",
        ),
        (GOOD_PAYER + "    colour: blue\n", 5, "payers[0].colour", "Extra inputs"),
        (GOOD_PAYER + CARC, 6, "payers[0].denials[0].reason", "not a claim adjustment reason"),
        (GOOD_PAYER + DENIAL, 6, "payers[0].denials[0].remarks", "not a remittance remark code"),
        (GOOD_PAYER + RATE, 6, "payers[0].fee_schedule.rates.99213", "decimal"),
        (GOOD_PAYER + SHARES, 5, "payers[0].shares", "at most 1"),
        (GOOD_PAYER + COPAY, 5, "payers[0].cost_share.copay_procedures", "not a code"),
        (
            GOOD_PAYER + "  - payer_id: '87726'\n    name: Again\n",
            2,
            "payers",
            "listed twice (payers[1])",
        ),
        (
            "version: 1\nrules:\n  - patient_control_number: '(['\n",
            3,
            "rules[0].patient_control_number",
            "regular expression",
        ),
        (
            "version: 1\ntiming: {ack_277ca: -1}\n",
            2,
            "timing.ack_277ca",
            "greater than or equal to 0",
        ),
        ("version: 1\nversion: 1\n", 2, "", "duplicate key"),
        ("version: 1\npayers: [\n", 3, "", ""),
        ("- a list\n", 1, "", "a mapping"),
    ],
)
def test_a_bad_profile_is_refused_naming_key_and_line(
    text: str, line: int, key: str, reason: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "bad.yaml")
    message = str(caught.value)
    assert f"line {line}" in message, message
    assert key in message and reason in message, message
    assert message.startswith("profile bad.yaml refused")


def test_a_missing_profile_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.yaml")


def test_a_payer_nobody_named_is_answered_by_the_default_payer() -> None:
    profile = load_profile("default")
    assert profile.payer("UNLISTED1") is profile.default_payer
    assert profile.payer_name("UNLISTED1", "Acme Health") == "Acme Health"
    assert profile.answering_payer_id("00882") == "MCRB1"
