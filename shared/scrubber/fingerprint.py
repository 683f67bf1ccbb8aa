"""A claim's duplicate-detection fingerprint: same patient, payer, dates and services."""

from __future__ import annotations

import hashlib

from shared.claim_model import Claim


def claim_fingerprint(claim: Claim) -> str:
    """Hex digest identifying what was billed, not how it was keyed.

    Two claims with the same fingerprint bill the same services, on the same dates, for the
    same patient, to the same payer: a payer denies the second as a duplicate (CARC 18).
    The patient control number is left out on purpose: a re-keyed claim gets a new one.
    Names are case-folded; the digest keeps patient data out of anything that stores it.
    """
    patient = claim.patient_person
    parts = [
        claim.organization_id or "",
        claim.payer.payer_id,
        claim.subscriber.member_id.upper(),
        patient.last_name.casefold(),
        (patient.first_name or "").casefold(),
        patient.birth_date.isoformat() if patient.birth_date else "",
        str(claim.total_charge),
    ]
    services = sorted(
        "|".join(
            (
                (line.service_date or claim.statement_from or "").__str__(),
                line.procedure_code or "",
                line.revenue_code or "",
                ",".join(line.modifiers),
                str(line.units.normalize()),
                str(line.charge),
            )
        )
        for line in claim.lines
    )
    text = "\x1f".join(parts + services)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
