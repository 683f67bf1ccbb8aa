"""Intake's HTTP request and response models: `ClaimCreate` / `ClaimAmend` in, `*Public` out.

`ClaimCreate` is what a client may send: the claim's content (bounded per X12 element and
read-model column, `shared.claim_model`) and, optionally, the client's own reference for it.
The claim id is the server's to assign, so a client cannot choose one (nor learn from a
conflict that another organization's claim exists). `to_claim` maps the request onto the
intake claim at the edge; the client reference stays with intake (its own table) and never
enters the frozen event snapshot.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from shared.claim_model import MAX_LINES, Claim, ClaimFields, ClaimKind, ServiceLine, x12_text

CLIENT_REFERENCE_MAX = 100

ClientReference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=CLIENT_REFERENCE_MAX),
    AfterValidator(x12_text),
]


AmendReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(x12_text),
]


def _guide_line_count(
    value: tuple[ServiceLine, ...], info: ValidationInfo
) -> tuple[ServiceLine, ...]:
    """Loop 2400 repeats 50 times in an 837P and 999 in an 837I."""
    kind = info.data.get("kind")
    if isinstance(kind, ClaimKind) and len(value) > MAX_LINES[kind.value]:
        guide = "837P" if kind is ClaimKind.PROFESSIONAL else "837I"
        raise ValueError(
            f"a {kind.value} claim ({guide}) carries at most {MAX_LINES[kind.value]} "
            f"service lines, got {len(value)}"
        )
    return value


class ClaimCreate(ClaimFields):
    """A claim as a client submits it (`POST /v1/claims`)."""

    client_reference: ClientReference | None = Field(
        default=None,
        description=(
            "The sender's own id for this claim (1-100 characters), unique within the "
            "organization; the claim id itself is assigned by the server"
        ),
    )

    # Declared only to answer a client that sends one with the reason (not in the schema).
    claim_id: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @field_validator("claim_id", mode="before")
    @classmethod
    def _assigned_by_the_server(cls, value: object) -> None:
        if value is not None:
            raise ValueError(
                "is assigned by the server; send your own id for the claim as client_reference"
            )
        return None

    @field_validator("lines")
    @classmethod
    def _lines_within_the_guide(
        cls, value: tuple[ServiceLine, ...], info: ValidationInfo
    ) -> tuple[ServiceLine, ...]:
        return _guide_line_count(value, info)

    def to_claim(self) -> Claim:
        """The intake claim with this content (no id yet; the handler assigns it)."""
        content = {name: getattr(self, name) for name in ClaimFields.model_fields}
        return Claim(**content)


class ClaimAmend(ClaimFields):
    """A corrected claim replacing the content of one not yet submitted (`PUT /v1/claims/{id}`)."""

    reason: AmendReason | None = Field(
        default=None, description="Why the claim was corrected (1-200 characters), kept with it"
    )
    claim_id: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @field_validator("claim_id", mode="before")
    @classmethod
    def _named_by_the_path(cls, value: object) -> None:
        if value is not None:
            raise ValueError("is the path's: leave it out of the body")
        return None

    @field_validator("lines")
    @classmethod
    def _lines_within_the_guide(
        cls, value: tuple[ServiceLine, ...], info: ValidationInfo
    ) -> tuple[ServiceLine, ...]:
        return _guide_line_count(value, info)

    def to_claim(self) -> Claim:
        content = {name: getattr(self, name) for name in ClaimFields.model_fields}
        return Claim(**content)


class ClaimLinks(BaseModel):
    self: str
    account: str


class FindingPublic(BaseModel):
    """One scrubber edit: `error` holds the claim, `warning` lets it pass."""

    code: str = Field(description="Edit code, e.g. 'NPI001' (docs/scrub-edits.md)")
    severity: str
    field: str | None = Field(default=None, description="Path in the claim, e.g. 'lines[0].charge'")
    message: str


class ClaimCreatedPublic(BaseModel):
    claim_id: str
    client_reference: str | None = None
    account_id: str
    status: str = Field(description="'created' (clean) or 'held' (the findings say why)")
    findings: list[FindingPublic] = Field(
        default_factory=list, description="Every scrubber edit found: errors hold, warnings pass"
    )
    eligibility_requested: bool = Field(
        default=False, description="The payer requires a 270/271 check before submission"
    )
    event_id: str
    links: ClaimLinks


class ClaimAmendedPublic(BaseModel):
    claim_id: str
    account_id: str
    status: str = Field(description="'amended' (clean) or 'held' (the findings say why)")
    findings: list[FindingPublic] = Field(default_factory=list)
    eligibility_requested: bool = False
    event_id: str
    links: ClaimLinks


class ClientReferencePublic(BaseModel):
    client_reference: str
    claim_id: str
    links: ClaimLinks
