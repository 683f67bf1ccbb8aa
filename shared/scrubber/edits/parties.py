"""Edits on providers (NPI, EIN, taxonomy) and the payer (id, name, claim filing indicator)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from shared.claim_model import Provider
from shared.codes.npi import is_valid_npi as _is_valid_npi
from shared.codes.taxonomy import is_taxonomy_format
from shared.scrubber.context import Scrubbing
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import edit

E, W = Severity.ERROR, Severity.WARNING

# An organization bills under a handful of NPIs: check each once, not on every claim.
is_valid_npi = lru_cache(maxsize=65536)(_is_valid_npi)

_EIN = re.compile(r"^\d{9}$")
_ZIP9 = re.compile(r"^\d{9}$")
_PAYER_ID = re.compile(r"^[A-Za-z0-9]{2,80}$")
# SBR09 claim filing indicator code list (X12 005010 element 1032).
CLAIM_FILING_INDICATORS: dict[str, str] = {
    "11": "Other non-federal programs",
    "12": "Preferred provider organization (PPO)",
    "13": "Point of service (POS)",
    "14": "Exclusive provider organization (EPO)",
    "15": "Indemnity insurance",
    "16": "Health maintenance organization (HMO) Medicare risk",
    "17": "Dental maintenance organization",
    "AM": "Automobile medical",
    "BL": "Blue Cross/Blue Shield",
    "CH": "CHAMPUS (TRICARE)",
    "CI": "Commercial insurance",
    "DS": "Disability",
    "FI": "Federal employees program",
    "HM": "Health maintenance organization",
    "LM": "Liability medical",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "OF": "Other federal program",
    "TV": "Title V",
    "VA": "Veterans Affairs plan",
    "WC": "Workers' compensation health claim",
    "ZZ": "Mutually defined",
}


@edit(
    "PV001",
    E,
    Category.PROVIDERS,
    "Billing provider missing",
    "Every claim needs a billing provider (loop 2010AA).",
    fix="Add the billing provider: organization name, NPI, EIN and address.",
)
def billing_provider_missing(s: Scrubbing) -> Iterator[Finding]:
    if s.claim.billing_provider is None:
        yield Finding("billing_provider", "billing provider is missing")


@edit(
    "PV002",
    E,
    Category.PROVIDERS,
    "Billing NPI missing",
    "The billing provider's NPI (NM109, qualifier XX) is required by HIPAA.",
    fix="Enter the billing provider's 10-digit NPI.",
)
def billing_npi_missing(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is not None and not billing.npi:
        yield Finding("billing_provider.npi", "billing provider NPI is missing")


@edit(
    "PV003",
    E,
    Category.PROVIDERS,
    "Billing NPI invalid",
    "An NPI is ten digits starting with 1 or 2 whose last digit is the Luhn check digit "
    "computed over 80840 and the first nine.",
    fix="Re-key the NPI from NPPES; a wrong check digit means a mistyped digit.",
)
def billing_npi_invalid(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is not None and billing.npi and not is_valid_npi(billing.npi):
        yield Finding("billing_provider.npi", "billing provider NPI fails the NPI check digit")


@edit(
    "PV004",
    E,
    Category.PROVIDERS,
    "Billing provider name missing",
    "The billing provider needs an organization name, or a person's last name.",
    fix="Enter the billing provider's legal name as enrolled with the payer.",
)
def billing_name_missing(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is not None and not (billing.organization_name or billing.last_name):
        yield Finding("billing_provider.organization_name", "billing provider name is missing")


@edit(
    "PV005",
    E,
    Category.PROVIDERS,
    "Billing tax id missing",
    "The billing provider's EIN (REF*EI) is required on every claim.",
    fix="Enter the billing provider's 9-digit EIN.",
)
def billing_tax_id_missing(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is not None and not billing.tax_id:
        yield Finding("billing_provider.tax_id", "billing provider EIN is missing")


@edit(
    "PV006",
    E,
    Category.PROVIDERS,
    "Billing tax id malformed",
    "An EIN is nine digits (hyphen allowed after the second), not all zeros.",
    fix="Enter the EIN as 9 digits, e.g. 591234567.",
)
def billing_tax_id_format(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is None or not billing.tax_id:
        return
    digits = billing.tax_id.replace("-", "", 1) if billing.tax_id[2:3] == "-" else billing.tax_id
    if not _EIN.match(digits) or digits == "000000000":
        yield Finding("billing_provider.tax_id", "billing provider EIN must be 9 digits")


@edit(
    "PV007",
    E,
    Category.PROVIDERS,
    "Billing address incomplete",
    "The billing provider's address is required, with a 9-digit ZIP (ZIP+4): the 837 "
    "guides refuse a 5-digit ZIP for the billing provider.",
    fix="Enter the billing provider's street address and full ZIP+4.",
)
def billing_address(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is None:
        return
    if billing.address is None:
        yield Finding("billing_provider.address", "billing provider address is missing")
    elif not _ZIP9.match(billing.address.postal_code):
        yield Finding(
            "billing_provider.address.postal_code", "billing provider ZIP must be 9 digits (ZIP+4)"
        )


_PROVIDER_FIELDS = (
    "billing_provider",
    "rendering_provider",
    "referring_provider",
    "attending_provider",
    "service_facility",
)


def _providers(s: Scrubbing) -> list[tuple[str, Provider]]:
    """Every provider on the claim with its field path, lines included (found once)."""
    found: list[tuple[str, Provider]] | None = s.memo.get("providers")
    if found is None:
        claim = s.claim
        found = [
            (name, provider)
            for name in _PROVIDER_FIELDS
            if (provider := getattr(claim, name)) is not None
        ]
        found.extend(
            (f"lines[{index}].rendering_provider", line.rendering_provider)
            for index, line in enumerate(claim.lines)
            if line.rendering_provider is not None
        )
        s.memo["providers"] = found
    return found


@edit(
    "PV008",
    E,
    Category.PROVIDERS,
    "Taxonomy code malformed",
    "A NUCC taxonomy code (PRV03) is ten characters: nine letters or digits and a final X.",
    fix="Enter the provider's taxonomy as enrolled, e.g. 207Q00000X.",
)
def taxonomy_format(s: Scrubbing) -> Iterator[Finding]:
    for path, provider in _providers(s):
        if provider.taxonomy and not is_taxonomy_format(provider.taxonomy):
            yield Finding(f"{path}.taxonomy", f"taxonomy {provider.taxonomy!r} is not a NUCC code")


@edit(
    "PV009",
    E,
    Category.PROVIDERS,
    "Rendering provider NPI missing or invalid",
    "A rendering provider, on the claim or a line, must carry a valid individual NPI.",
    fix="Enter the rendering provider's NPI from NPPES.",
)
def rendering_npi(s: Scrubbing) -> Iterator[Finding]:
    for path, provider in _providers(s):
        if not path.endswith("rendering_provider"):
            continue
        if not provider.npi:
            yield Finding(f"{path}.npi", "rendering provider NPI is missing")
        elif not is_valid_npi(provider.npi):
            yield Finding(f"{path}.npi", "rendering provider NPI fails the NPI check digit")


@edit(
    "PV010",
    E,
    Category.PROVIDERS,
    "Other provider NPI invalid",
    "A referring, attending or service-facility NPI, when given, must pass the NPI check digit.",
    fix="Re-key the NPI from NPPES.",
)
def other_provider_npi(s: Scrubbing) -> Iterator[Finding]:
    for path, provider in _providers(s):
        if path in ("referring_provider", "attending_provider", "service_facility"):
            if provider.npi and not is_valid_npi(provider.npi):
                yield Finding(f"{path}.npi", f"{path.replace('_', ' ')} NPI fails the check digit")


@edit(
    "PV011",
    W,
    Category.PROVIDERS,
    "Billing taxonomy missing",
    "Many payers price and route by the billing provider's taxonomy (PRV*BI); without it the "
    "claim may pend.",
    fix="Add the billing provider's taxonomy code.",
)
def billing_taxonomy_missing(s: Scrubbing) -> Iterator[Finding]:
    billing = s.claim.billing_provider
    if billing is not None and not billing.taxonomy:
        yield Finding("billing_provider.taxonomy", "billing provider taxonomy is missing")


@edit(
    "PY001",
    E,
    Category.PAYER,
    "Payer id missing or malformed",
    "The payer id (NM109 of loop 2010BB) routes the claim at the clearinghouse: 2 to 80 "
    "letters or digits.",
    fix="Select the payer from the clearinghouse payer list.",
)
def payer_id(s: Scrubbing) -> Iterator[Finding]:
    value = s.claim.payer.payer_id
    if not value:
        yield Finding("payer.payer_id", "payer id is missing")
    elif not _PAYER_ID.match(value):
        yield Finding("payer.payer_id", "payer id must be 2 to 80 letters or digits")


@edit(
    "PY002",
    E,
    Category.PAYER,
    "Payer name missing",
    "The payer name (NM103 of loop 2010BB) is required.",
    fix="Select the payer from the clearinghouse payer list.",
)
def payer_name(s: Scrubbing) -> Iterator[Finding]:
    if not s.claim.payer.name:
        yield Finding("payer.name", "payer name is missing")


@edit(
    "PY003",
    E,
    Category.PAYER,
    "Claim filing indicator invalid",
    "The claim filing indicator (SBR09) must be a code of the X12 list: CI, MB, MA, MC, BL, HM...",
    fix="Set the filing indicator matching the plan type (CI commercial, MB Medicare Part B...).",
)
def claim_filing_indicator(s: Scrubbing) -> Iterator[Finding]:
    value = s.claim.payer.claim_filing_indicator
    if value not in CLAIM_FILING_INDICATORS:
        yield Finding(
            "payer.claim_filing_indicator", f"claim filing indicator {value!r} is not an X12 code"
        )


@edit(
    "PY004",
    E,
    Category.PAYER,
    "Other payer is the payer billed",
    "An other payer (loop 2330B) has the same payer id as the payer this claim goes to: "
    "coordination of benefits would bill one plan twice.",
    fix="Remove the duplicate other payer or bill the next payer in order.",
)
def other_payer_same_as_payer(s: Scrubbing) -> Iterator[Finding]:
    for index, other in enumerate(s.claim.other_payers):
        if other.payer.payer_id == s.claim.payer.payer_id:
            yield Finding(
                f"other_payers[{index}].payer.payer_id",
                "other payer has the same payer id as the payer billed",
            )
