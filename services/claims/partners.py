"""Trading partners: who we are in an 837 or 276 (submitter) and who receives each payer's file.

By default every payer's claims go to the one clearinghouse of the settings, with the payer
named by its own id in loop 2010BB, as clearinghouses route them: a payer nobody configured
still goes out. A YAML file (`CLAIMS_TRADING_PARTNERS_PATH`) may route a payer elsewhere
(a payer billed directly, another clearinghouse):

    version: 1
    payers:
      - payer_id: "12202"                            # 2010BB NM109 of the claims
        receiver: {name: Novitas Solutions, id: "12202"}   # 1000B and ISA08/GS03

Each file goes to one receiver; claims are grouped by it (with the payer, billing provider
and claim type) before they are batched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.claims.config import ClaimsSettings
from shared.x12.claim837_writing import Receiver, Submitter
from shared.x12.envelope_writer import Party


class TradingPartnersError(ValueError):
    """The trading partners file cannot be used; says which key and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReceiverConfig(_Strict):
    name: str = Field(min_length=1, max_length=60)
    id: str = Field(min_length=2, max_length=15, pattern=r"^[A-Za-z0-9 ._-]+$")


class PayerRoute(_Strict):
    payer_id: str = Field(min_length=1, max_length=80)
    receiver: ReceiverConfig


class TradingPartnersFile(_Strict):
    version: int = Field(default=1, ge=1, le=1)
    payers: list[PayerRoute] = Field(default_factory=list)


@dataclass(frozen=True)
class TradingPartners:
    """The submitter, the default receiver, and the payers routed elsewhere."""

    submitter: Submitter
    default_receiver: Receiver
    routes: dict[str, Receiver]
    qualifier: str = "ZZ"

    def receiver_for(self, payer_id: str) -> Receiver:
        """Who receives the files for `payer_id` (the clearinghouse unless routed elsewhere)."""
        return self.routes.get(payer_id, self.default_receiver)

    def sender_party(self) -> Party:
        return Party(self.submitter.id, self.qualifier)

    def receiver_party(self, receiver: Receiver) -> Party:
        return Party(receiver.id, self.qualifier)

    @classmethod
    def from_settings(cls, settings: ClaimsSettings) -> TradingPartners:
        routes: dict[str, Receiver] = {}
        if settings.claims_trading_partners_path is not None:
            document = load_trading_partners(settings.claims_trading_partners_path)
            routes = {
                route.payer_id: Receiver(route.receiver.name, route.receiver.id)
                for route in document.payers
            }
        return cls(
            submitter=Submitter(
                settings.claims_submitter_name,
                settings.claims_submitter_id,
                settings.claims_submitter_contact,
                settings.claims_submitter_phone,
            ),
            default_receiver=Receiver(settings.claims_receiver_name, settings.claims_receiver_id),
            routes=routes,
        )


def load_trading_partners(path: Path) -> TradingPartnersFile:
    """The trading partners file, validated whole; TradingPartnersError names every problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TradingPartnersError(f"trading partners file {path}: cannot read it: {exc}") from None
    try:
        document = TradingPartnersFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()
        )
        raise TradingPartnersError(f"trading partners file {path} refused: {problems}") from None
    seen: set[str] = set()
    for route in document.payers:
        if route.payer_id in seen:
            raise TradingPartnersError(
                f"trading partners file {path}: payer {route.payer_id} is routed twice"
            )
        seen.add(route.payer_id)
    return document
