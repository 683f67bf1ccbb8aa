"""The simulator's profile: the clearinghouse and each payer's behaviour, as a YAML file.

Every key is documented in docs/simulator.md; the shipped profiles live beside this module
(`default.yaml`: realistic shares of every behaviour; `clean.yaml`: every claim accepted
and paid by the fee schedule, for tests and demos that want no surprises). A profile is
validated whole on load: a broken file is refused with the key path and the line, e.g.
`profile my.yaml refused: line 42: payers[0].shares.deny: Input should be less than or
equal to 1`, never half used.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.money import CENT, ZERO, Money
from shared.scrubber.rules import CodePatterns
from shared.scrubber.yaml_marks import YamlStructureError, line_of, load_with_lines

__all__ = [
    "ProfileError",
    "Outcome",
    "DenialCode",
    "Denial",
    "RejectionCode",
    "FrontEndRejection",
    "FeeSchedule",
    "CostShare",
    "Shares",
    "Timing",
    "PayerProfile",
    "Rule",
    "Profile",
    "load_profile",
    "parse_profile",
    "BUILTIN_PROFILES",
]

PROFILE_DIR = Path(__file__).with_name("profiles")
BUILTIN_PROFILES = ("default", "clean")
HUNDRED = Decimal(100)

Share = Annotated[float, Field(ge=0, le=1)]
Days = Annotated[int, Field(ge=0, le=3650)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]
Weight = Annotated[int, Field(ge=1, le=1_000_000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
PayerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]


class ProfileError(ValueError):
    """The profile is unusable: names the file, each key at fault and its line."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        text = "; ".join(f"line {line}: {reason}" if line else reason for line, reason in problems)
        super().__init__(f"profile {source} refused: {text}")


class Outcome(StrEnum):
    """What the payer does with one claim (a rule may force one; shares draw the rest)."""

    PAY = "pay"
    REJECT_999 = "reject_999"  # the clearinghouse rejects the claim's whole transaction set
    REJECT_277CA = "reject_277ca"  # the payer's front end returns the claim
    DENY = "deny"  # adjudicated, nothing paid (CLP02 = 4)
    PARTIAL_PAYMENT = "partial_payment"  # some lines denied, the rest paid
    UNDERPAYMENT = "underpayment"  # paid below the fee schedule
    REVERSAL = "reversal"  # paid, later reversed (CLP02 = 22) and paid again corrected
    CROSSOVER = "crossover"  # paid and forwarded to the secondary payer (MA18, NM1*TT)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_CODE_PATTERN = re.compile(r"^[A-Z0-9]+(\*|-[A-Z0-9]+)?$")


def _code_patterns(values: tuple[str, ...]) -> tuple[str, ...]:
    """Codes as a billing office writes them: 99213, a prefix 992*, a range 99202-99215."""
    for value in values:
        if not _CODE_PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not a code, a prefix ending in * or a range like 99202-99215"
            )
    return values


def _carc(code: str) -> str:
    from shared.codes.sets import load_code_sets

    if code not in load_code_sets().carc:
        raise ValueError(f"{code!r} is not a claim adjustment reason code (shared/codes CARC list)")
    return code


def _rarc(code: str) -> str:
    from shared.codes.sets import load_code_sets

    if code not in load_code_sets().rarc:
        raise ValueError(f"{code!r} is not a remittance remark code (shared/codes RARC list)")
    return code


class Party(_Model):
    name: Text
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2,15}$")]


class PostalAddress(_Model):
    line1: Text
    city: Text
    state: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    postal_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}([0-9]{4})?$")]


class DenialCode(_Model):
    """A denying adjustment: CAS group and CARC, with its RARCs."""

    group: Literal["CO", "OA", "PI", "PR"]
    reason: Code
    remarks: tuple[Code, ...] = ()

    _reason = field_validator("reason")(_carc)

    @field_validator("remarks")
    @classmethod
    def _known_remarks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_rarc(code) for code in value)


class Denial(DenialCode):
    """A denial a payer draws, by its weight among its list."""

    weight: Weight = 1


class RejectionCode(_Model):
    """A 277CA rejection: STC category, status code (code list 508), entity, message."""

    category: Literal["A3", "A6", "A7", "A8"]
    status: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,5}$")]
    entity: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{2,3}$")] | None = None
    message: Annotated[str, StringConstraints(max_length=264)] | None = None


class FrontEndRejection(RejectionCode):
    """A rejection a payer's front end draws, by its weight among its list."""

    weight: Weight = 1


class FeeSchedule(_Model):
    """Allowed amount per unit by procedure (with modifiers) or revenue code, else % of charge.

    Keys are `99213`, `99213:25` (a modifier-specific rate wins over the plain code), or a
    revenue code such as `0450`.
    """

    percent_of_charge: Percent = Decimal(60)
    rates: dict[
        Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{4,5}(:[0-9A-Z]{2}){0,4}$")], Money
    ] = Field(default_factory=dict)

    @field_validator("rates")
    @classmethod
    def _positive(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for key, amount in value.items():
            if amount <= ZERO:
                raise ValueError(f"rate for {key} must be more than 0.00")
        return value

    def allowed(self, keys: tuple[str, ...], units: Decimal, charge: Decimal) -> Decimal:
        """The contracted amount for a line (never more than billed)."""
        for key in keys:
            rate = self.rates.get(key)
            if rate is not None:
                return min(_cents(rate * units), charge)
        return min(_cents(charge * self.percent_of_charge / HUNDRED), charge)


def _cents(value: Decimal) -> Decimal:
    # Payers compute allowed amounts and cost shares to the cent, rounding half up.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class CostShare(_Model):
    """The member's share per plan (calendar) year: deductible, then copay and coinsurance."""

    deductible: Money = ZERO
    coinsurance_percent: Percent = Decimal(0)
    copay: Money = ZERO
    copay_procedures: tuple[str, ...] = ()  # codes, prefixes (992*) or ranges (99202-99215)
    out_of_pocket_max: Money | None = None
    # Members who come to the year's first claim with the deductible already met (care
    # billed elsewhere): drawn per member and plan year.
    deductible_met_share: Share = 0

    _patterns = field_validator("copay_procedures")(_code_patterns)

    @cached_property
    def copay_codes(self) -> CodePatterns:
        return CodePatterns(list(self.copay_procedures))


class Shares(_Model):
    """Probabilities (0..1) of each behaviour; claim outcomes together at most 1."""

    reject_999: Share = 0  # per 837 transaction set
    reject_277ca: Share = 0
    deny: Share = 0
    partial_payment: Share = 0
    underpayment: Share = 0
    reversal: Share = 0
    crossover: Share = 0  # of paid claims naming a next payer (2320 SBR01 = S): drawn apart
    provider_adjustment: Share = 0  # per check
    split_check: Share = 0  # per check with at least two claims

    @model_validator(mode="after")
    def _claim_outcomes_fit(self) -> Shares:
        total = (
            self.reject_277ca + self.deny + self.partial_payment + self.underpayment + self.reversal
        )
        if total > 1 + 1e-9:
            raise ValueError(
                f"reject_277ca + deny + partial_payment + underpayment + reversal"
                f" is {total:g}; at most 1"
            )
        return self


class Underpayment(_Model):
    """How far below the fee schedule an underpaid claim's allowed amounts fall."""

    min_percent: Percent = Decimal(5)
    max_percent: Percent = Decimal(15)

    @model_validator(mode="after")
    def _ordered(self) -> Underpayment:
        if self.min_percent > self.max_percent or self.max_percent == 0:
            raise ValueError("min_percent must not exceed max_percent, and max_percent > 0")
        return self


class ProviderAdjustmentChoice(_Model):
    """A PLB the payer may put on a check: WO recovery, L6 interest, FB forward balance."""

    reason: Literal["WO", "L6", "FB"]
    weight: Weight = 1
    min_percent: Percent = Decimal(1)  # of the check's claim payments
    max_percent: Percent = Decimal(10)


class Eligibility(_Model):
    """Who a 270 finds: members not matching the pattern or listed unknown get AAA."""

    member_id_pattern: str | None = None
    unknown_members: tuple[Text, ...] = ()
    inactive_members: tuple[Text, ...] = ()
    not_found_share: Share = 0

    @field_validator("member_id_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class Timing(_Model):
    """Days from the submission's receipt to each answer (the 835 reversal: after the 835)."""

    ack_999: Days = 0
    ack_277ca: Days = 1
    remittance_835: Days = 14
    reversal_after_835: Days = 14
    eligibility_271: Days = 0
    status_277: Days = 0


class PayerBehaviour(_Model):
    """Everything about how a payer adjudicates (shared by named payers and the default)."""

    tax_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")] = "990000001"
    address: PostalAddress = PostalAddress(
        line1="PO Box 1", city="Springfield", state="IL", postal_code="62701"
    )
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")] = "8005550100"
    payment_method: Literal["ACH", "CHK"] = "ACH"
    claim_filing_indicator: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{2}$")] | None = (
        None
    )
    timely_filing_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    authorization_required: tuple[str, ...] = ()
    secondary_method: Literal["standard", "remaining_balance"] = "standard"
    fee_schedule: FeeSchedule = FeeSchedule()
    cost_share: CostShare = CostShare()
    shares: Shares = Shares()
    rejections_277ca: tuple[FrontEndRejection, ...] = (
        FrontEndRejection(category="A7", status="21", message="Missing or invalid information"),
    )
    denials: tuple[Denial, ...] = (Denial(group="CO", reason="16", remarks=("M51",)),)
    line_denials: tuple[Denial, ...] = (Denial(group="CO", reason="97", remarks=("M15",)),)
    underpayment: Underpayment = Underpayment()
    provider_adjustments: tuple[ProviderAdjustmentChoice, ...] = (
        ProviderAdjustmentChoice(reason="L6"),
    )
    eligibility: Eligibility = Eligibility()

    _auth = field_validator("authorization_required")(_code_patterns)

    @cached_property
    def authorization_codes(self) -> CodePatterns:
        return CodePatterns(list(self.authorization_required))

    @model_validator(mode="after")
    def _lists_for_shares(self) -> PayerBehaviour:
        for share, choices, key in (
            (self.shares.reject_277ca, self.rejections_277ca, "rejections_277ca"),
            (self.shares.deny, self.denials, "denials"),
            (self.shares.partial_payment, self.line_denials, "line_denials"),
            (self.shares.provider_adjustment, self.provider_adjustments, "provider_adjustments"),
        ):
            if share and not choices:
                raise ValueError(f"{key} must list at least one choice when its share is above 0")
        return self


class PayerProfile(PayerBehaviour):
    """A named payer: its ids (the 837's 2010BB NM109) and how it behaves."""

    payer_id: PayerId
    name: Text
    also_answers: tuple[PayerId, ...] = ()  # more payer ids routed to this payer


class Rule(_Model):
    """A forced behaviour for the claims it matches (tests and demos): first match wins."""

    patient_control_number: str  # a regular expression matched against the whole CLM01
    payer_id: PayerId | None = None
    outcome: Outcome | None = None
    denial: DenialCode | None = None  # for deny / partial_payment
    rejection: RejectionCode | None = None  # for reject_277ca
    underpayment_percent: Percent | None = None
    provider_adjustment: Literal["WO", "L6", "FB"] | None = None  # on the claim's check
    split_check: bool | None = None  # split the claim's check across two 835s

    @field_validator("patient_control_number")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.patient_control_number)

    def matches(self, patient_control_number: str, payer_id: str) -> bool:
        if self.payer_id is not None and self.payer_id != payer_id:
            return False
        return self.pattern.fullmatch(patient_control_number) is not None


class Profile(_Model):
    """The whole profile: clearinghouse identity, timing, payers, the default payer, rules."""

    version: Annotated[int, Field(ge=1, le=1)] = 1
    clearinghouse: Party = Party(name="Simulated Clearinghouse", id="SIMCLEAR")
    timing: Timing = Timing()
    payers: tuple[PayerProfile, ...] = ()
    default_payer: PayerBehaviour = PayerBehaviour()
    rules: tuple[Rule, ...] = ()

    @field_validator("payers")
    @classmethod
    def _unique_payer_ids(cls, payers: tuple[PayerProfile, ...]) -> tuple[PayerProfile, ...]:
        seen: set[str] = set()
        for index, payer in enumerate(payers):
            for payer_id in (payer.payer_id, *payer.also_answers):
                if payer_id in seen:
                    raise ValueError(f"payer id {payer_id!r} is listed twice (payers[{index}])")
                seen.add(payer_id)
        return payers

    @cached_property
    def _by_id(self) -> dict[str, PayerProfile]:
        return {pid: p for p in self.payers for pid in (p.payer_id, *p.also_answers)}

    def payer(self, payer_id: str) -> PayerBehaviour:
        """The payer answering for `payer_id` (the default behaviour when none is named)."""
        return self._by_id.get(payer_id, self.default_payer)

    def answering_payer_id(self, payer_id: str) -> str:
        """The id the payer answers under (a named payer's own id for its aliases)."""
        named = self._by_id.get(payer_id)
        return named.payer_id if named is not None else payer_id

    def payer_name(self, payer_id: str, fallback: str) -> str:
        named = self._by_id.get(payer_id)
        return named.name if named is not None else (fallback or payer_id)

    def rule_for(self, patient_control_number: str, payer_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.matches(patient_control_number, payer_id):
                return rule
        return None


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    """A profile from YAML text; ProfileError names every key at fault with its line."""
    try:
        data, lines = load_with_lines(text)
    except YamlStructureError as exc:
        raise ProfileError(source, [(exc.line, exc.reason)]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProfileError(source, [(1, "a profile is a mapping of keys (version, payers...)")])
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            problems.append((line_of(lines, error["loc"]), f"{_key(error['loc'])}: {message}"))
        raise ProfileError(source, problems) from exc


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "profile"


def load_profile(profile: str | Path | None = None) -> Profile:
    """A shipped profile by name (`default`, `clean`) or a YAML file; None: `default`."""
    if profile is None:
        profile = "default"
    if isinstance(profile, str) and profile in BUILTIN_PROFILES:
        path = PROFILE_DIR / f"{profile}.yaml"
    else:
        path = Path(profile)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(str(path), [(None, f"cannot read the file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(str(path), [(None, "the file is not UTF-8 text")]) from exc
    return parse_profile(text, str(path))
