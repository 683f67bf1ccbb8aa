"""Payer rules: a YAML file a billing office edits (conditions -> hold, warn, require, set, map).

The shipped default is `payer_rules.yaml` next to this module; an office points
`PAYER_RULES_PATH` (or `revcycle scrub --rules`) at its own copy. The file is validated as a
whole on load: a broken file is refused with the line and the reason, never half used.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.claim_model import Claim, ClaimKind, Payer
from shared.scrubber.yaml_marks import YamlStructureError, line_of, load_with_lines

DEFAULT_RULES_PATH = Path(__file__).with_name("payer_rules.yaml")

_PATTERN = re.compile(r"^[A-Z0-9.]+(\*|-[A-Z0-9.]+)?$")


class PayerRulesError(ValueError):
    """The rules file is unusable: names the file, the line and the reason."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        text = "; ".join(f"line {line}: {reason}" if line else reason for line, reason in problems)
        super().__init__(f"payer rules {source} refused: {text}")


class CodePatterns:
    """Codes as a billing office writes them: exact `99213`, prefix `992*`, range `99202-99215`."""

    __slots__ = ("exact", "prefixes", "ranges", "_memo")

    def __init__(self, patterns: list[str]) -> None:
        # A batch bills a few hundred distinct codes over and over: remember each answer.
        self._memo: dict[str, bool] = {}
        self.exact: frozenset[str] = frozenset(p for p in patterns if "*" not in p and "-" not in p)
        self.prefixes: tuple[str, ...] = tuple(p[:-1] for p in patterns if p.endswith("*"))
        self.ranges: tuple[tuple[str, str], ...] = tuple(
            (low, high) for low, high in (p.split("-", 1) for p in patterns if "-" in p)
        )

    def matches(self, code: str | None) -> bool:
        if code is None:
            return False
        known = self._memo.get(code)
        if known is None:
            known = self._memo[code] = self._matches(code.replace(".", "").upper())
        return known

    def _matches(self, code: str) -> bool:
        if code in self.exact:
            return True
        if self.prefixes and code.startswith(self.prefixes):
            return True
        # Ranges compare codes of the range's own length: 99202-99215 never matches 9921.
        return any(len(code) == len(low) and low <= code <= high for low, high in self.ranges)


def _check_patterns(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    cleaned = [value.replace(".", "").strip().upper() for value in values]
    for value in cleaned:
        if not _PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not a code, a prefix ending in * or a range like 99202-99215"
            )
        if "-" in value:
            low, high = value.split("-", 1)
            if len(low) != len(high) or low > high:
                raise ValueError(f"range {value!r} needs two codes of one length, low first")
    return cleaned


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class PayerMatch(_Strict):
    """Which payer a profile or rule is about: by id, or by a part of its name."""

    payer_id: list[str] | None = None
    payer_name: str | None = Field(default=None, description="Case-insensitive part of the name")
    claim_filing_indicator: list[str] | None = None

    def matches(self, payer: Payer) -> bool:
        if self.payer_id is not None and payer.payer_id not in self.payer_id:
            return False
        if self.payer_name is not None and self.payer_name.lower() not in payer.name.lower():
            return False
        if (
            self.claim_filing_indicator is not None
            and payer.claim_filing_indicator not in self.claim_filing_indicator
        ):
            return False
        return True


class TelehealthPolicy(_Strict):
    """What a payer wants on a telehealth line (POS 02 or 10)."""

    place_of_service: list[str] = Field(
        default=["02", "10"], description="Places of service that mean telehealth"
    )
    required_modifiers: list[str] = Field(
        default=["95", "93", "GT"],
        description="One of these on each telehealth line; empty: the payer requires none",
    )
    modifier_requires_telehealth_pos: bool = Field(
        default=True,
        description="Warn when 95/93/GT appears on a line billed with an in-person POS",
    )


class Defaults(_Strict):
    timely_filing_days: Annotated[int, Field(ge=1, le=3650)] = 365
    telehealth: TelehealthPolicy = TelehealthPolicy()


class PayerProfile(_Strict):
    """Standing facts about one payer: filing limit and telehealth policy."""

    name: str = Field(description="A label for people reading the file")
    match: PayerMatch = Field(
        description="`payer_id` list, `payer_name` part, or `claim_filing_indicator` list"
    )
    timely_filing_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="Days from the date of service (discharge, 837I) to file"
    )
    telehealth: TelehealthPolicy | None = Field(
        default=None, description="This payer's telehealth policy (else the default)"
    )


class Conditions(_Strict):
    """All given conditions must hold. Line conditions (codes, modifiers, POS, dates) pick lines."""

    payer_id: list[str] | None = Field(default=None, description="Payer ids (claim)")
    payer_name: str | None = Field(
        default=None, description="Part of the payer's name, any case (claim)"
    )
    claim_filing_indicator: list[str] | None = Field(
        default=None, description="SBR09 codes, e.g. MB, MC, CI (claim)"
    )
    kind: ClaimKind | None = Field(default=None, description="professional or institutional")
    procedure_codes: list[str] | None = Field(
        default=None, description="CPT/HCPCS codes, prefixes, ranges (lines)"
    )
    modifiers: list[str] | None = Field(
        default=None, description="Any of these modifiers on the line (lines)"
    )
    place_of_service: list[str] | None = Field(
        default=None, description="Line's or claim's place of service (lines)"
    )
    provider_npi: list[str] | None = Field(
        default=None, description="Billing or rendering NPI, claim or line (claim)"
    )
    provider_taxonomy: list[str] | None = Field(
        default=None, description="Billing or rendering taxonomy codes/prefixes (claim)"
    )
    diagnoses: list[str] | None = Field(
        default=None, description="Any diagnosis matching these codes/prefixes/ranges (claim)"
    )
    service_from: date | None = Field(
        default=None, description="Lines served on or after this date (lines)"
    )
    service_to: date | None = Field(
        default=None, description="Lines served on or before this date (lines)"
    )

    @field_validator("procedure_codes", "provider_taxonomy", "diagnoses")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        return _check_patterns(value)

    @field_validator("modifiers")
    @classmethod
    def _upper(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [m.upper() for m in value]

    @model_validator(mode="after")
    def _dates_in_order(self) -> Conditions:
        if self.service_from and self.service_to and self.service_to < self.service_from:
            raise ValueError("service_to is before service_from")
        return self

    @property
    def has_line_conditions(self) -> bool:
        return any(
            value is not None
            for value in (
                self.procedure_codes,
                self.modifiers,
                self.place_of_service,
                self.service_from,
                self.service_to,
            )
        )


class Action(StrEnum):
    HOLD = "hold"
    WARN = "warn"
    REQUIRE = "require"
    SET = "set"
    MAP = "map"


# Fields a rule may require: the name an office writes -> whether it is a line field.
REQUIRABLE_FIELDS: dict[str, bool] = {
    "prior_authorization": False,
    "referral_number": False,
    "referring_provider": False,
    "rendering_provider": False,
    "onset_date": False,
    "billing_provider.taxonomy": False,
    "subscriber.group_number": False,
    "attending_provider": False,
    "admission_type": False,
    "lines.ndc": True,
    "lines.rendering_provider": True,
    "lines.place_of_service": True,
}
SETTABLE_FIELDS = frozenset({"claim_filing_indicator", "place_of_service"})
MAPPABLE_FIELDS = frozenset(
    {"claim_filing_indicator", "place_of_service", "modifiers", "procedure_code"}
)


class PayerRule(_Strict):
    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str | None = None
    when: Conditions = Conditions()
    action: Action
    message: str | None = None
    field: str | None = None
    value: str | None = None
    mapping: dict[str, str] | None = None

    @model_validator(mode="after")
    def _action_has_what_it_needs(self) -> PayerRule:
        action = self.action
        if action in (Action.HOLD, Action.WARN) and not self.message:
            raise ValueError(f"action {action.value} needs a message")
        if action is Action.REQUIRE and self.field not in REQUIRABLE_FIELDS:
            raise ValueError(
                f"action require needs field: one of {', '.join(sorted(REQUIRABLE_FIELDS))}"
            )
        if action is Action.SET and (self.field not in SETTABLE_FIELDS or not self.value):
            raise ValueError(
                f"action set needs field (one of {', '.join(sorted(SETTABLE_FIELDS))}) and value"
            )
        if action is Action.MAP and (self.field not in MAPPABLE_FIELDS or not self.mapping):
            raise ValueError(
                f"action map needs field (one of {', '.join(sorted(MAPPABLE_FIELDS))}) "
                "and a non-empty mapping"
            )
        return self


class PayerRulesFile(_Strict):
    version: int = 1
    defaults: Defaults = Defaults()
    payers: list[PayerProfile] = []
    rules: list[PayerRule] = []

    @field_validator("version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version != 1:
            raise ValueError(f"version {version} is not understood; this scrubber reads version 1")
        return version

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[PayerRule]) -> list[PayerRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return rules


class CompiledRule:
    """A rule with its code patterns compiled once, so matching a claim costs little."""

    __slots__ = (
        "rule",
        "procedures",
        "taxonomies",
        "diagnoses",
        "payer",
        "modifiers",
        "pos",
        "line_scoped",
        "dated",
    )

    def __init__(self, rule: PayerRule) -> None:
        when = rule.when
        self.rule = rule
        self.payer = PayerMatch(
            payer_id=when.payer_id,
            payer_name=when.payer_name,
            claim_filing_indicator=when.claim_filing_indicator,
        )
        self.procedures = CodePatterns(when.procedure_codes) if when.procedure_codes else None
        self.taxonomies = CodePatterns(when.provider_taxonomy) if when.provider_taxonomy else None
        self.diagnoses = CodePatterns(when.diagnoses) if when.diagnoses else None
        self.modifiers = frozenset(when.modifiers) if when.modifiers else None
        self.pos = frozenset(when.place_of_service) if when.place_of_service else None
        self.line_scoped = when.has_line_conditions
        self.dated = when.service_from is not None or when.service_to is not None

    def claim_matches(self, claim: Claim) -> bool:
        when = self.rule.when
        if not self.payer.matches(claim.payer):
            return False
        if when.kind is not None and claim.kind is not when.kind:
            return False
        if when.provider_npi is not None:
            npis = {
                p.npi
                for p in (claim.billing_provider, claim.rendering_provider)
                if p is not None and p.npi
            }
            npis.update(
                line.rendering_provider.npi
                for line in claim.lines
                if line.rendering_provider is not None and line.rendering_provider.npi
            )
            if npis.isdisjoint(when.provider_npi):
                return False
        if self.taxonomies is not None:
            taxonomies = [
                p.taxonomy
                for p in (claim.billing_provider, claim.rendering_provider)
                if p is not None
            ]
            if not any(self.taxonomies.matches(t) for t in taxonomies):
                return False
        if self.diagnoses is not None and not any(
            self.diagnoses.matches(d) for d in claim.diagnoses
        ):
            return False
        return True

    def matching_lines(self, claim: Claim) -> list[int]:
        """Indexes of the lines that meet the rule's line conditions."""
        when = self.rule.when
        result = []
        for index, line in enumerate(claim.lines):
            if self.procedures is not None and not self.procedures.matches(line.procedure_code):
                continue
            if self.modifiers is not None and self.modifiers.isdisjoint(line.modifiers):
                continue
            if (
                self.pos is not None
                and (line.place_of_service or claim.place_of_service) not in self.pos
            ):
                continue
            if self.dated:
                served = line.service_date or claim.statement_from
                if served is None:
                    continue
                if when.service_from is not None and served < when.service_from:
                    continue
                if when.service_to is not None and served > when.service_to:
                    continue
            result.append(index)
        return result


class PayerRules:
    """A validated rules file, compiled: profiles by payer and the rules in file order."""

    def __init__(self, document: PayerRulesFile, source: str = "<memory>") -> None:
        self.document = document
        self.source = source
        self.rules = [CompiledRule(rule) for rule in document.rules]
        self._profiles: dict[tuple[str, str, str], PayerProfile | None] = {}

    def profile(self, payer: Payer) -> PayerProfile | None:
        """The first profile matching `payer` (cached: a batch has few distinct payers)."""
        key = (payer.payer_id, payer.name, payer.claim_filing_indicator)
        if key not in self._profiles:
            self._profiles[key] = next(
                (p for p in self.document.payers if p.match.matches(payer)), None
            )
        return self._profiles[key]

    def timely_filing_days(self, payer: Payer, profile: PayerProfile | None = None) -> int:
        profile = profile or self.profile(payer)
        if profile is not None and profile.timely_filing_days is not None:
            return profile.timely_filing_days
        return self.document.defaults.timely_filing_days

    def telehealth(self, payer: Payer, profile: PayerProfile | None = None) -> TelehealthPolicy:
        profile = profile or self.profile(payer)
        if profile is not None and profile.telehealth is not None:
            return profile.telehealth
        return self.document.defaults.telehealth


def parse_payer_rules(text: str, source: str = "<text>") -> PayerRules:
    """Validate a rules document; raise PayerRulesError naming line and reason."""
    try:
        data, lines = load_with_lines(text)
    except YamlStructureError as exc:
        raise PayerRulesError(source, [(exc.line, exc.reason)]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PayerRulesError(source, [(1, "the file must be a mapping with version/payers/rules")])
    try:
        document = PayerRulesFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "file"
            message = error["msg"].removeprefix("Value error, ")
            problems.append((line_of(lines, error["loc"]), f"{where}: {message}"))
        raise PayerRulesError(source, problems) from exc
    return PayerRules(document, source)


def load_payer_rules(path: Path | str | None = None) -> PayerRules:
    """Load rules from `path`, else from the PAYER_RULES_PATH setting, else the shipped default."""
    if path is None:
        from shared.scrubber.settings import get_scrubber_settings

        path = get_scrubber_settings().payer_rules_path or DEFAULT_RULES_PATH
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PayerRulesError(str(path), [(None, f"cannot read the file: {exc.strerror}")]) from exc
    return parse_payer_rules(text, str(path))
