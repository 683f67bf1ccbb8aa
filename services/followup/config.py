"""Follow-up service settings (environment-driven, on the shared base)."""

from __future__ import annotations

from functools import lru_cache

from shared.config import BaseServiceSettings
from shared.events.topics import CLAIM_EVENTS, DEAD_LETTER


class FollowupSettings(BaseServiceSettings):
    consumer_group_prefix: str = "revcycle.followup"
    claims_topic: str = CLAIM_EVENTS.name
    dead_letter_topic: str = DEAD_LETTER.name
    max_poll_records: int = 500


@lru_cache
def get_followup_settings() -> FollowupSettings:
    return FollowupSettings()
