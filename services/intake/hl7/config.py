"""Settings of the HL7 channel: the billing provider its claims carry, the bill hold."""

from __future__ import annotations

from functools import lru_cache

from services.intake.config import IntakeSettings
from shared.events.claim_snapshot import Address, Provider


class Hl7Settings(IntakeSettings):
    """Intake's settings plus the HL7 channel's (environment: HL7_BILL_HOLD_DAYS, ...).

    HL7 charge messages do not say who bills (the hospital's NPI and EIN are not in DFT),
    so the claims made from visits carry the billing provider configured here.
    """

    hl7_bill_hold_days: int = 4
    hl7_billing_npi: str = ""
    hl7_billing_name: str = ""
    hl7_billing_tax_id: str = ""
    hl7_billing_taxonomy: str = ""
    hl7_billing_address_line1: str = ""
    hl7_billing_city: str = ""
    hl7_billing_state: str = ""
    hl7_billing_postal_code: str = ""
    hl7_max_message_bytes: int = 1_048_576


@lru_cache
def get_hl7_settings() -> Hl7Settings:
    return Hl7Settings()


def billing_provider(settings: Hl7Settings) -> Provider | None:
    """The billing provider of HL7-fed claims, when configured (an NPI at least)."""
    if not settings.hl7_billing_npi:
        return None
    address = None
    if settings.hl7_billing_address_line1:
        address = Address(
            line1=settings.hl7_billing_address_line1,
            city=settings.hl7_billing_city,
            state=settings.hl7_billing_state,
            postal_code=settings.hl7_billing_postal_code,
        )
    return Provider(
        npi=settings.hl7_billing_npi,
        organization_name=settings.hl7_billing_name or None,
        tax_id=settings.hl7_billing_tax_id or None,
        taxonomy=settings.hl7_billing_taxonomy or None,
        address=address,
    )
