"""Follow-up service settings (environment-driven, on the shared base)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from shared.config import KafkaSettings
from shared.events.topics import CLAIM_EVENTS, DEAD_LETTER, EVENT_TOPICS


class FollowupSettings(KafkaSettings):
    """Topic and group names are canonical: REVCYCLE_DEPLOYMENT prefixes them on the broker."""

    consumer_group_prefix: str = "revcycle.followup"
    claims_topic: str = CLAIM_EVENTS.name
    dead_letter_topic: str = DEAD_LETTER.name
    # Work items: a specialist's claim on an item lasts this long (FOLLOWUP_CLAIM_MINUTES).
    followup_claim_minutes: int = 30
    # Appeals due: an unappealed denial joins `appeals-due` this many days before its deadline.
    followup_appeal_warning_days: int = 30
    # Timely filing: a claim the payer has not accepted joins `timely-filing` this many days
    # before the payer's filing limit (from the date of service) runs out.
    followup_timely_filing_warning_days: int = 30
    # Unmatched deposits: a deposit no 835 matched this many days after its date joins
    # `unmatched-deposits` (remit has no event for money without an ERA; the sweep raises it).
    followup_deposit_match_days: int = 5
    # Payer rules (timely filing, no-response days, appeal deadlines): a YAML file; empty
    # means the shipped services/followup/rules/payer_rules.yaml.
    followup_payer_rules: str = ""
    # Appeal letter template (Markdown with {{ placeholders }}); empty: the shipped one.
    followup_appeal_template: str = ""
    # Patient statements: cycles (accounts split by a stable hash), the least balance billed,
    # days to pay, and the small balances written off instead of billed.
    statement_cycles: int = 4
    statement_minimum: Decimal = Decimal("5.00")
    statement_due_days: int = 25
    small_balance_write_off: Decimal = Decimal("4.99")
    small_balance_min_age_days: int = 60
    # Office name and address printed on letters and statements.
    office_name: str = "Riverbend Family Medicine"
    office_address: str = "1200 Harbor View Drive, Tampa, FL 33602"
    office_phone: str = "(813) 555-0142"

    def group_id(self, subscription: str) -> str:
        """Consumer group of a subscription: staging.revcycle.followup.followup.claims, say."""
        return self.kafka_name(f"{self.consumer_group_prefix}.{subscription}")

    @property
    def followup_topics(self) -> list[str]:
        """Every event topic follow-up reads (claims, accounts, remittances, work items,
        appeals), with the deployment prefix; the claim events' topic is `claims_topic`."""
        return [
            self.kafka_name(self.claims_topic if topic is CLAIM_EVENTS else topic.name)
            for topic in EVENT_TOPICS
        ]


@lru_cache
def get_followup_settings() -> FollowupSettings:
    return FollowupSettings()
