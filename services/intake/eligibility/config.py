"""Settings of eligibility checks: the clearinghouse folder pair, the interchange ids, the cache."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from services.intake.config import IntakeSettings
from shared.config import BaseServiceSettings


class EligibilitySettings(IntakeSettings):
    """Intake's settings plus eligibility's (environment: EXCHANGE_OUTBOUND_DIR, ...).

    The folder pair is the claims service's (`EXCHANGE_OUTBOUND_DIR`, `EXCHANGE_INBOUND_DIR`,
    under DATA_DIR/exchange by default): one clearinghouse connection carries 837s and 270s.
    """

    exchange_outbound_dir: Path | None = None
    exchange_inbound_dir: Path | None = None
    eligibility_sender_id: str = "REVCYCLE"
    eligibility_receiver_id: str = "CLEARINGHOUSE"
    eligibility_usage: str = "P"
    """ISA15 of the 270s: P (production) or T (test)."""
    eligibility_cache_hours: int = 24
    """How long a 271 answers again for the same member, payer and date of service."""

    @property
    def outbound_dir(self) -> Path:
        return self.exchange_outbound_dir or self.data_dir / "exchange" / "outbound"

    @property
    def inbound_dir(self) -> Path:
        return self.exchange_inbound_dir or self.data_dir / "exchange" / "inbound"


def eligibility_settings(base: BaseServiceSettings) -> EligibilitySettings:
    """The eligibility settings of a composition: its base settings, the rest from the env."""
    known = EligibilitySettings.model_fields
    return EligibilitySettings(**{k: v for k, v in base.model_dump().items() if k in known})


@lru_cache
def get_eligibility_settings() -> EligibilitySettings:
    return EligibilitySettings()
