"""Follow-up service settings (environment-driven, on the shared base)."""

from __future__ import annotations

from functools import lru_cache

from shared.config import KafkaSettings
from shared.events.topics import CLAIM_EVENTS, DEAD_LETTER


class FollowupSettings(KafkaSettings):
    """Topic and group names are canonical: REVCYCLE_DEPLOYMENT prefixes them on the broker."""

    consumer_group_prefix: str = "revcycle.followup"
    claims_topic: str = CLAIM_EVENTS.name
    dead_letter_topic: str = DEAD_LETTER.name

    def group_id(self, subscription: str) -> str:
        """Consumer group of a subscription: staging.revcycle.followup.followup.claims, say."""
        return self.kafka_name(f"{self.consumer_group_prefix}.{subscription}")


@lru_cache
def get_followup_settings() -> FollowupSettings:
    return FollowupSettings()
