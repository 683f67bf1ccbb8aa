"""The claim to the next payer, built from a claim and the adjudication of the payer billed now.

Pure. The secondary (or tertiary) claim is the same claim billed to the next payer of its
other payers (2320 SBR01 S or T, not yet adjudicated), with the payer that just paid moved
into loops 2320/2330 as a prior payer: its paid amount (AMT*D), its claim-level
adjustments (2320 CAS) and, when the remittance placed every adjustment on a line, each
line's adjudication (2430 SVD, CAS, DTP*573) so that per line charge = paid + adjustments
and the lines' paid amounts add up to AMT*D. When some adjustment is claim-level only, the
prior payer is given at claim level (2320 CAS for all, 2330B DTP*573 the adjudication date),
as the guides allow. The prior payer keeps its own claim filing indicator (SBR09, e.g. MB
when Medicare Part B paid first and a Medigap plan is billed now).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from shared.events.claim_snapshot import (
    Adjustment,
    Frequency,
    OtherPayer,
    PriorLineAdjudication,
    Relationship,
    ServiceLine,
)
from shared.events.claim_snapshot_v2 import ClaimSnapshotV2
from shared.events.remittance import Adjustment as PostedAdjustment
from shared.events.remittance import ClaimPosting
from shared.ids import CLAIM_ID_MAX

RANKS = "PSTABCDEFGH"
ZERO = Decimal("0.00")


def billed_responsibility(claim: ClaimSnapshotV2) -> str:
    """SBR01 of the payer the claim bills: the first rank its other payers do not hold."""
    taken = {other.responsibility for other in claim.other_payers}
    return next((rank for rank in RANKS if rank not in taken), "U")


def secondary_claim_id(primary_claim_id: str, responsibility: str) -> str:
    """The next payer's claim id: the claim's id and the rank (clm_...-s), stable on replay."""
    candidate = f"{primary_claim_id}-{responsibility.lower()}"
    if len(candidate) <= CLAIM_ID_MAX:
        return candidate
    digest = hashlib.sha256(primary_claim_id.encode()).hexdigest()[:32]
    return f"clm_{digest}-{responsibility.lower()}"


def _adjustment(adjustment: PostedAdjustment) -> Adjustment:
    return Adjustment(
        group=adjustment.group.value, reason=adjustment.reason_code, amount=adjustment.amount
    )


def _line_adjudications(
    lines: Sequence[ServiceLine], adjudication: ClaimPosting
) -> tuple[PriorLineAdjudication, ...] | None:
    """Each line's prior-payer adjudication (2430), or None when the remittance cannot be split
    by our lines (no 835 lines, a line of theirs matched none of ours, bundled lines, a line of
    ours it does not answer): then the prior payer's adjudication goes at claim level (2320)."""
    paid_lines = adjudication.lines
    if not paid_lines or any(p.line_number is None or p.bundled_line_numbers for p in paid_lines):
        return None
    by_number = {p.line_number: p for p in paid_lines}
    if len(by_number) != len(paid_lines) or set(by_number) != {x.line_number for x in lines}:
        return None
    out = []
    for line in lines:
        paid = by_number[line.line_number]
        out.append(
            PriorLineAdjudication(
                line_number=line.line_number,
                procedure_code=paid.procedure_code or line.procedure_code or "",
                paid_amount=paid.paid,
                paid_units=paid.units_paid if paid.units_paid is not None else line.units,
                adjudication_date=adjudication.paid_on,
                adjustments=tuple(_adjustment(a) for a in paid.adjustments),
            )
        )
    if sum((line.paid_amount for line in out), ZERO) != adjudication.paid_amount:
        return None  # the remittance's lines do not balance to its payment: claim level
    return tuple(out)


def _claim_level(adjudication: ClaimPosting, by_line: bool) -> tuple[Adjustment, ...]:
    """The 2320 CAS: the claim-level adjustments, and every line's when 2430 is not written."""
    every = list(adjudication.adjustments)
    if not by_line:
        every += [a for line in adjudication.lines for a in line.adjustments]
    return tuple(_adjustment(a) for a in every)


def secondary_claim(
    claim: ClaimSnapshotV2,
    adjudication: ClaimPosting,
    next_payer: OtherPayer,
    claim_id: str,
) -> ClaimSnapshotV2:
    """`claim` billed to `next_payer`, carrying `adjudication` as the prior payer's."""
    lines = _line_adjudications(claim.lines, adjudication)
    prior = OtherPayer(
        payer=claim.payer,
        responsibility=billed_responsibility(claim),
        subscriber=claim.subscriber,
        relationship=claim.relationship,
        paid_amount=adjudication.paid_amount,
        adjudication_date=adjudication.paid_on,
        claim_adjustments=_claim_level(adjudication, by_line=lines is not None),
        line_adjudications=lines or (),
    )
    others = tuple(o for o in claim.other_payers if o is not next_payer)
    patient = None
    if next_payer.relationship is not Relationship.SELF:
        patient = claim.patient if claim.patient is not None else claim.subscriber
    return claim.model_copy(
        update={
            "claim_id": claim_id,
            "payer": next_payer.payer,
            "subscriber": next_payer.subscriber,
            "relationship": next_payer.relationship,
            "patient": patient,
            "other_payers": (*others, prior),
            "frequency": Frequency.ORIGINAL,
            "original_payer_claim_number": None,
        }
    )
