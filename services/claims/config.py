"""Claims service settings (environment-driven, on the shared base).

Every setting has a working default, so a fresh checkout submits claims with no
configuration: the files go to `var/exchange/outbound` under a neutral submitter and
clearinghouse identity, each payer routed by its payer id (2010BB NM109) as clearinghouses
route. A deployment sets its own (environment variables, upper case):

- EXCHANGE_OUTBOUND_DIR, EXCHANGE_INBOUND_DIR: the clearinghouse folder pair
  (`FolderClearinghouse`); default `var/exchange/outbound` and `var/exchange/inbound`.
- CLAIMS_SUBMITTER_NAME, _ID, _CONTACT, _PHONE: loop 1000A and ISA06/GS02 (default
  Revcycle Billing, REVCYCLE, Billing Office, 8005550100).
- CLAIMS_RECEIVER_NAME, _ID: loop 1000B and ISA08/GS03 for every payer not routed
  otherwise (default Clearinghouse, CLEARINGHOUSE).
- CLAIMS_TRADING_PARTNERS_PATH: YAML routing payers to other receivers (`partners`).
- CLAIMS_USAGE: ISA15, P production (default) or T test.
- CLAIMS_MAX_CLAIMS_PER_SET: claims per 837 transaction set (default and most 5,000, the
  guides' recommended limit).
- PAYER_RULES_PATH: each payer's filing limit (`timely_filing_days`), the file the scrubber
  reads too (default: the shipped `shared/scrubber/payer_rules.yaml`).
- CLAIMS_TIMELY_FILING_WARNING_DAYS: `claim.timely_filing_at_risk` this many days before
  the deadline (default 30).
- CLAIMS_STATUS_INQUIRY_AFTER_DAYS: a 276 for a claim with no 277CA or 835 this many days
  after it went out, and again after as many days without an answer (default 30).
- CLAIMS_SCHEDULE_INTERVAL_S: how often the claims worker runs its jobs (default 300).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from shared.config import KafkaSettings
from shared.events.topics import CLAIM_EVENTS, DEAD_LETTER


class ClaimsSettings(KafkaSettings):
    """Topic and group names are canonical: REVCYCLE_DEPLOYMENT prefixes them on the broker."""

    exchange_outbound_dir: Path | None = None
    exchange_inbound_dir: Path | None = None

    claims_submitter_name: str = Field(default="Revcycle Billing", min_length=1, max_length=60)
    claims_submitter_id: str = Field(default="REVCYCLE", min_length=2, max_length=15)
    claims_submitter_contact: str = Field(default="Billing Office", min_length=1, max_length=60)
    claims_submitter_phone: str = Field(default="8005550100", pattern=r"^[0-9]{10}$")
    claims_receiver_name: str = Field(default="Clearinghouse", min_length=1, max_length=60)
    claims_receiver_id: str = Field(default="CLEARINGHOUSE", min_length=2, max_length=15)
    claims_trading_partners_path: Path | None = None
    claims_usage: str = Field(default="P", pattern=r"^[PT]$")
    claims_max_claims_per_set: int = Field(default=5000, ge=1, le=5000)

    payer_rules_path: Path | None = None
    claims_timely_filing_warning_days: int = Field(default=30, ge=0, le=365)
    claims_status_inquiry_after_days: int = Field(default=30, ge=1, le=365)
    claims_schedule_interval_s: float = Field(default=300.0, gt=0)

    consumer_group_prefix: str = "revcycle.claims"
    claims_topic: str = CLAIM_EVENTS.name
    dead_letter_topic: str = DEAD_LETTER.name

    @property
    def outbound_dir(self) -> Path:
        return self.exchange_outbound_dir or self.data_dir / "exchange" / "outbound"

    @property
    def inbound_dir(self) -> Path:
        return self.exchange_inbound_dir or self.data_dir / "exchange" / "inbound"

    def group_id(self, subscription: str) -> str:
        """Consumer group of a subscription: staging.revcycle.claims.claims.readiness, say."""
        return self.kafka_name(f"{self.consumer_group_prefix}.{subscription}")


@lru_cache
def get_claims_settings() -> ClaimsSettings:
    return ClaimsSettings()
