"""Intake service settings (environment-driven, on the shared base)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from shared.config import BaseServiceSettings


class IntakeSettings(BaseServiceSettings):
    producer_name: str = "intake"
    public_base_url: str = ""
    # INTAKE_CONFIG_PATH: organizations served and per-payer settings (eligibility); the
    # shipped default (services/intake/intake.yaml) configures nothing. See configuration.py.
    intake_config_path: Path | None = None
    # INTAKE_ORGANIZATIONS: comma-separated organization ids served besides ORGANIZATION_ID,
    # for a deployment without a configuration file.
    intake_organizations: str = ""

    @property
    def more_organizations(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.intake_organizations.split(",") if o.strip())


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()
