"""Intake service settings (environment-driven, on the shared base)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

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
    # POST /v1/batches/837 (docs/api-limits.md): the largest 837 body taken over HTTP, spooled to
    # a temporary file as it arrives (INTAKE_BATCH_MAX_BYTES; a 50,000-claim 837P is ~30 MB),
    # and the largest answered within the request (INTAKE_BATCH_SYNC_BYTES): a larger file
    # gets 202 and is read in the background, its progress at GET /v1/batches/{id}.
    intake_batch_max_bytes: int = Field(default=134_217_728, ge=1)
    intake_batch_sync_bytes: int = Field(default=524_288, ge=0)

    @property
    def more_organizations(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.intake_organizations.split(",") if o.strip())


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()
