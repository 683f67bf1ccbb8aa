"""Intake service settings (environment-driven, on the shared base)."""

from __future__ import annotations

from functools import lru_cache

from shared.config import BaseServiceSettings


class IntakeSettings(BaseServiceSettings):
    producer_name: str = "intake"
    public_base_url: str = ""


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()
