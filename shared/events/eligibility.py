"""Eligibility answers on the claim stream (intake): the 271's details, and the failed variant.

`claim.eligibility_verified` v2 adds to v1 what a billing office reads in a 271: plan
dates, coinsurance, the annual deductible, out-of-pocket remaining, the date asked about,
and whether the answer came from intake's cache. It subclasses v1, so code matching
`shared.events.claims.ClaimEligibilityVerified` (the claims service's readiness) still
matches a decoded v2; v1 events are upcast with the new fields absent.

`claim.eligibility_failed` is the check that got no usable answer: the payer refused the
request (271 AAA, with each reject reason) or it could not be asked (no NPI, no service
date). The claim stays waiting for eligibility until a later check answers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from shared.events.base import Event, Money, Part
from shared.events.claims import ClaimEligibilityVerified as ClaimEligibilityVerifiedV1
from shared.events.ownership import Service


class ClaimEligibilityVerifiedV2(ClaimEligibilityVerifiedV1):
    """A 270/271 exchange confirmed (or refuted) the patient's coverage with the payer."""

    event_version: ClassVar[int] = 2

    service_date: date | None = Field(default=None, description="The date asked about (DTP*291)")
    plan_begin: date | None = Field(default=None, description="DTP*346 (or 291/292 start)")
    plan_end: date | None = Field(default=None, description="DTP*347 (or 291/292 end)")
    coinsurance: Decimal | None = Field(
        default=None, description="EB*A EB08: the patient's share as a fraction (0.2 is 20%)"
    )
    deductible: Money | None = Field(default=None, description="EB*C for the plan year (EB06 23)")
    out_of_pocket_remaining: Money | None = Field(default=None, description="EB*G, EB06 29")
    inactive_reason: str | None = Field(default=None, description="EB01 6, 7 or 8 as words")
    from_cache: bool = Field(
        default=False, description="Answered from an earlier 271 for this member, payer and date"
    )


def upcast_eligibility_verified_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 -> v2: the 271's further details were not recorded; they stay absent."""
    return dict(data)


class EligibilityProblem(Part):
    """Why a check failed: an AAA03 reject reason (with AAA04 follow-up), or our own code."""

    code: str = Field(description="AAA03 (e.g. 72, 75), or NO_NPI / NO_SERVICE_DATE / ...")
    description: str
    follow_up: str | None = Field(default=None, description="AAA04: C correct and resubmit...")
    level: str | None = Field(default=None, description="Loop of the AAA: 2100A, 2100B, 2100C")


class ClaimEligibilityFailed(Event):
    """The eligibility check got no usable answer; the claim keeps waiting for one."""

    event_type: ClassVar[str] = "claim.eligibility_failed"
    event_version: ClassVar[int] = 1
    owner: ClassVar[Service] = Service.INTAKE

    claim_id: str
    payer_id: str
    problems: tuple[EligibilityProblem, ...] = Field(min_length=1)
    trace_number: str | None = Field(default=None, description="TRN02 of the 270, when sent")
