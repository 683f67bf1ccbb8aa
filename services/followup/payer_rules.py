"""Payers' follow-up rules: timely filing, when no answer needs a person, appeal deadlines.

Read from `rules/payer_rules.yaml` (or FOLLOWUP_PAYER_RULES): a payer's own entry, else its
claim filing indicator's (SBR09: MB Medicare B...), else the default. Pure lookups after load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent / "rules" / "payer_rules.yaml"


class PayerRulesError(ValueError):
    """The rules file is missing a key or has a value of the wrong kind (named)."""


@dataclass(frozen=True)
class PayerRule:
    name: str
    timely_filing_days: int
    no_response_days: int
    appeal_days: dict[int, int] = field(default_factory=dict)

    def timely_filing_deadline(self, service_date: date | None) -> date | None:
        if service_date is None:
            return None
        return service_date + timedelta(days=self.timely_filing_days)

    def appeal_deadline(self, level: int, remittance_date: date) -> date:
        days = self.appeal_days.get(level)
        if days is None:
            raise PayerRulesError(
                f"{self.name}: no appeal level {level} (levels {sorted(self.appeal_days)})"
            )
        return remittance_date + timedelta(days=days)

    def describe_appeal(self, level: int) -> str:
        return f"{self.name} level {level}: {self.appeal_days.get(level)} days from the remittance"


@dataclass(frozen=True)
class PayerRules:
    default: PayerRule
    by_filing_indicator: dict[str, PayerRule]
    by_payer_id: dict[str, PayerRule]

    def for_claim(self, payer_id: str, filing_indicator: str | None) -> PayerRule:
        if payer_id in self.by_payer_id:
            return self.by_payer_id[payer_id]
        if filing_indicator and filing_indicator in self.by_filing_indicator:
            return self.by_filing_indicator[filing_indicator]
        return self.default


def _rule(where: str, raw: Any) -> PayerRule:
    if not isinstance(raw, dict):
        raise PayerRulesError(f"{where}: expected a mapping")
    try:
        appeal = {int(k): int(v) for k, v in dict(raw["appeal_days"]).items()}
        return PayerRule(
            name=str(raw.get("name", where)),
            timely_filing_days=int(raw["timely_filing_days"]),
            no_response_days=int(raw["no_response_days"]),
            appeal_days=appeal,
        )
    except KeyError as exc:
        raise PayerRulesError(f"{where}: missing key {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise PayerRulesError(f"{where}: {exc}") from None


def parse_payer_rules(text: str, source: str = "payer rules") -> PayerRules:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or "default" not in data:
        raise PayerRulesError(f"{source}: needs a 'default' entry")
    return PayerRules(
        default=_rule(f"{source}: default", data["default"]),
        by_filing_indicator={
            str(k): _rule(f"{source}: by_filing_indicator.{k}", v)
            for k, v in (data.get("by_filing_indicator") or {}).items()
        },
        by_payer_id={
            str(k): _rule(f"{source}: by_payer_id.{k}", v)
            for k, v in (data.get("by_payer_id") or {}).items()
        },
    )


@lru_cache(maxsize=8)
def load_payer_rules(path: str | None = None) -> PayerRules:
    file = Path(path) if path else DEFAULT_FILE
    return parse_payer_rules(file.read_text(encoding="utf-8"), str(file))
