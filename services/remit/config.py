"""Remit service settings (environment-driven, on the shared base; REMIT_* variables)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from shared.config import KafkaSettings
from shared.events.topics import CLAIM_EVENTS, DEAD_LETTER

CONFIG_DIR = Path(__file__).resolve().parent / "config"
"""The configuration files shipped with the service (denial categories, example contracts)."""

DEFAULT_DENIAL_CATEGORIES = CONFIG_DIR / "denial_categories.yaml"


class RemitSettings(KafkaSettings):
    """Topic and group names are canonical: REVCYCLE_DEPLOYMENT prefixes them on the broker."""

    remit_denial_categories: Path = Field(
        default=DEFAULT_DENIAL_CATEGORIES,
        description="The denial category table a billing office edits (YAML); reloaded when "
        "it changes",
    )
    remit_underpayment_tolerance: Decimal = Field(
        default=Decimal("1.00"),
        ge=0,
        description="A claim allowed short of its fee schedule by more than this is underpaid "
        "(a fee schedule's own `tolerance` wins)",
    )
    remit_posting_chunk: int = Field(
        default=200,
        ge=1,
        le=5000,
        description="Claim payments posted per transaction (the event store's append lock is "
        "held for one transaction: keep it short)",
    )
    remit_consumer_group_prefix: str = "revcycle.remit"
    remit_claims_topic: str = CLAIM_EVENTS.name
    remit_dead_letter_topic: str = DEAD_LETTER.name

    def group_id(self, subscription: str) -> str:
        """Consumer group of a subscription: staging.revcycle.remit.remit.claim_index, say."""
        return self.kafka_name(f"{self.remit_consumer_group_prefix}.{subscription}")


@lru_cache
def get_remit_settings() -> RemitSettings:
    return RemitSettings()
