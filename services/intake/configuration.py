"""Intake's own configuration: which organizations may send claims, and what each payer needs.

One YAML file (`INTAKE_CONFIG_PATH`; the shipped default is `intake.yaml` beside this
module, which configures nothing), validated whole when it is loaded: a mistake is refused
with its line and the reason, never half used.

```yaml
version: 1
organizations:            # who may send claims, besides ORGANIZATION_ID (always served)
  - id: st-elsewhere
    name: St. Elsewhere Hospital
    payer_rules: /etc/revcycle/st-elsewhere-payer-rules.yaml   # optional: its scrubber rules
payers:                   # what intake does per payer; the first entry that matches wins
  - name: Sunshine Mutual
    match: {payer_id: ["87726"]}
    eligibility: required    # a 270/271 check before the claim may be submitted
defaults:
  eligibility: not_required  # any payer no entry matches: accepted, with these defaults
```

- **Organizations.** A token whose `org` is neither `ORGANIZATION_ID`, nor listed here, nor
  in `INTAKE_ORGANIZATIONS` (comma-separated ids, for a deployment without a file) is
  refused with 403 naming the organization: intake would not know whose payer rules to
  scrub its claims with. Each organization's claims are scrubbed with its own
  `payer_rules` file, else the deployment's (`PAYER_RULES_PATH`, else the shipped rules).
- **Payers.** A payer nobody configured is accepted with `defaults`, as clearinghouses
  route by payer id. `eligibility: required` makes intake append
  `claim.eligibility_requested` with every new or amended claim for that payer (the
  intake-channels' 270/271 exchange answers it; the claim waits for the answer before
  it is ready). `match` is the scrubber's payer match: `payer_id` list, `payer_name` part,
  `claim_filing_indicator` list.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.claim_model import Payer
from shared.ids import ORGANIZATION_ID_PATTERN, is_organization_id
from shared.scrubber.rules import PayerMatch
from shared.scrubber.yaml_marks import YamlStructureError, line_of, load_with_lines

DEFAULT_CONFIG_PATH = Path(__file__).with_name("intake.yaml")


class IntakeConfigError(ValueError):
    """The intake configuration is unusable: names the file, the line and the reason."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        text = "; ".join(f"line {line}: {reason}" if line else reason for line, reason in problems)
        super().__init__(f"intake configuration {source} refused: {text}")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Eligibility(StrEnum):
    REQUIRED = "required"
    NOT_REQUIRED = "not_required"


class PayerSettings(_Strict):
    """What intake does for claims to the payers `match` selects."""

    name: str = Field(description="A label for people reading the file")
    match: PayerMatch
    eligibility: Eligibility | None = Field(
        default=None, description="required: a 270/271 check before submission"
    )


class PayerDefaults(_Strict):
    eligibility: Eligibility = Eligibility.NOT_REQUIRED


class Organization(_Strict):
    id: Annotated[str, Field(pattern=ORGANIZATION_ID_PATTERN)]
    name: str | None = None
    payer_rules: Path | None = Field(
        default=None, description="The scrubber's payer rules for this organization's claims"
    )


class IntakeConfigFile(_Strict):
    version: int = 1
    organizations: list[Organization] = []
    payers: list[PayerSettings] = []
    defaults: PayerDefaults = PayerDefaults()

    @field_validator("version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version != 1:
            raise ValueError(f"version {version} is not understood; intake reads version 1")
        return version

    @field_validator("organizations")
    @classmethod
    def _unique(cls, organizations: list[Organization]) -> list[Organization]:
        seen: set[str] = set()
        for organization in organizations:
            if organization.id in seen:
                raise ValueError(f"organization {organization.id!r} is listed twice")
            seen.add(organization.id)
        return organizations


class IntakeConfig:
    """The validated configuration: organizations served and per-payer settings."""

    def __init__(
        self,
        document: IntakeConfigFile,
        *,
        default_organization: str,
        more_organizations: tuple[str, ...] = (),
        source: str = "<memory>",
        base_dir: Path | None = None,
    ) -> None:
        self.document = document
        self.source = source
        self._organizations: dict[str, Organization] = {
            o: Organization(id=o) for o in (default_organization, *more_organizations)
        }
        for organization in document.organizations:
            rules = organization.payer_rules
            if rules is not None and not rules.is_absolute() and base_dir is not None:
                # A relative rules path is read beside the configuration file.
                organization = organization.model_copy(update={"payer_rules": base_dir / rules})
            self._organizations[organization.id] = organization
        self._eligibility: dict[tuple[str, str, str], bool] = {}

    def serves(self, organization_id: str) -> bool:
        return organization_id in self._organizations

    def organization(self, organization_id: str) -> Organization | None:
        return self._organizations.get(organization_id)

    @property
    def organization_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._organizations))

    def eligibility_required(self, payer: Payer) -> bool:
        """Whether a claim to `payer` needs a 270/271 check (first matching entry, else default)."""
        key = (payer.payer_id, payer.name, payer.claim_filing_indicator)
        known = self._eligibility.get(key)
        if known is None:
            setting = next(
                (
                    p.eligibility
                    for p in self.document.payers
                    if p.eligibility is not None and p.match.matches(payer)
                ),
                self.document.defaults.eligibility,
            )
            known = self._eligibility[key] = setting is Eligibility.REQUIRED
        return known


def parse_intake_config(
    text: str,
    *,
    default_organization: str,
    more_organizations: tuple[str, ...] = (),
    source: str = "<text>",
    base_dir: Path | None = None,
) -> IntakeConfig:
    """Validate a configuration document; IntakeConfigError names line and reason."""
    try:
        data, lines = load_with_lines(text)
    except YamlStructureError as exc:
        raise IntakeConfigError(source, [(exc.line, exc.reason)]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise IntakeConfigError(source, [(1, "the file must be a mapping (version, ...)")])
    try:
        document = IntakeConfigFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "file"
            message = error["msg"].removeprefix("Value error, ")
            problems.append((line_of(lines, error["loc"]), f"{where}: {message}"))
        raise IntakeConfigError(source, problems) from exc
    for organization in more_organizations:
        if not is_organization_id(organization):
            raise IntakeConfigError(
                "INTAKE_ORGANIZATIONS", [(None, f"{organization!r} is not an organization id")]
            )
    return IntakeConfig(
        document,
        default_organization=default_organization,
        more_organizations=more_organizations,
        source=source,
        base_dir=base_dir,
    )


def load_intake_config(
    path: Path | None, *, default_organization: str, more_organizations: tuple[str, ...] = ()
) -> IntakeConfig:
    """The configuration at `path` (None: the shipped default, which configures nothing)."""
    path = path or DEFAULT_CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IntakeConfigError(
            str(path), [(None, f"cannot read the file: {exc.strerror}")]
        ) from exc
    return parse_intake_config(
        text,
        default_organization=default_organization,
        more_organizations=more_organizations,
        source=str(path),
        base_dir=path.parent,
    )
