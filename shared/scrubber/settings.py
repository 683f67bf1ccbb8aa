"""Scrubber settings: where the payer rules file lives (PAYER_RULES_PATH)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from shared.config import BaseServiceSettings


class ScrubberSettings(BaseServiceSettings):
    payer_rules_path: Path | None = None
    default_timely_filing_days: int = 365


@lru_cache
def get_scrubber_settings() -> ScrubberSettings:
    return ScrubberSettings()
