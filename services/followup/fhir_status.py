"""Status back to the hospital as FHIR R4: ClaimResponse and ExplanationOfBenefit, built from
the claim's ledger (every adjudication, reversal and payment folded from its events).

Validated with `fhir.resources`' R4B models (the package has no plain R4; for these two
resources R4B and R4 agree on every element written here). Adjudication categories are the
terminology.hl7.org `adjudication` codes (submitted, eligible, benefit, deductible, copay)
plus CARC reasons (`https://x12.org/codes/claim-adjustment-reason-codes`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from services.followup.ledger import ClaimFacts
from shared.codes.sets import load_code_list
from shared.money import ZERO

ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
RARC = "https://x12.org/codes/remittance-advice-remark-codes"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PR_CATEGORY = {"1": "deductible", "2": "copay", "3": "copay"}


def _money(amount: Decimal) -> dict[str, Any]:
    # FHIR decimals are JSON numbers; fhir.resources keeps them as Decimal (no float).
    return {"value": amount, "currency": "USD"}


def outcome_of(facts: ClaimFacts) -> str:
    """queued (not adjudicated), complete, partial (part denied) or error (rejected/voided)."""
    if facts.status in ("rejected", "voided"):
        return "error"
    if not facts.adjudicated:
        return "queued"
    if facts.denied_amount > 0:
        return "partial"
    return "complete"


def _adjudications(facts: ClaimFacts) -> tuple[dict[int | None, list[dict[str, Any]]], Decimal]:
    """Per line number (None: claim level) the CAS adjustments as FHIR adjudications."""
    carc = load_code_list("carc")
    per_line: dict[int | None, dict[tuple[str, str], Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    for adjustment in facts.adjustments:
        per_line[adjustment.line_number][(adjustment.group, adjustment.code)] += adjustment.amount
    out: dict[int | None, list[dict[str, Any]]] = {}
    patient = ZERO
    for line, totals in per_line.items():
        entries = []
        for (group, code), amount in sorted(totals.items()):
            if not amount:
                continue
            category = PR_CATEGORY.get(code, "deductible") if group == "PR" else "eligible"
            if group == "PR":
                patient += amount
            entries.append(
                {
                    "category": {
                        "coding": [{"system": ADJUDICATION, "code": category}],
                        "text": f"{group}-{code}",
                    },
                    "reason": {
                        "coding": [{"system": CARC, "code": code, "display": carc.get(code, code)}]
                    },
                    "amount": _money(amount),
                }
            )
        out[line] = entries
    return out, patient


def _items(facts: ClaimFacts, eob: bool = False) -> list[dict[str, Any]]:
    by_line, _ = _adjudications(facts)
    items = []
    for sequence, line in enumerate(facts.lines, start=1):
        number = int(line["line_number"])
        adjudication = [
            {
                "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
                "amount": _money(Decimal(line["charge"])),
            },
            *by_line.get(number, []),
        ]
        if eob:
            code = line.get("procedure_code") or line.get("revenue_code") or "unknown"
            system = (
                "http://www.ama-assn.org/go/cpt"
                if line.get("procedure_code")
                else ("https://www.nubc.org/CodeSystem/RevenueCodes")
            )
            items.append(
                {
                    "sequence": sequence,
                    "productOrService": {"coding": [{"system": system, "code": code}]},
                    **({"servicedDate": line["service_date"]} if line.get("service_date") else {}),
                    "net": _money(Decimal(line["charge"])),
                    "adjudication": adjudication,
                }
            )
        else:
            items.append({"itemSequence": sequence, "adjudication": adjudication})
    return items


def _totals(facts: ClaimFacts) -> list[dict[str, Any]]:
    return [
        {
            "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
            "amount": _money(facts.charge),
        },
        {
            "category": {"coding": [{"system": ADJUDICATION, "code": "benefit"}]},
            "amount": _money(facts.payer_paid),
        },
        {
            "category": {
                "coding": [{"system": ADJUDICATION, "code": "deductible"}],
                "text": "patient responsibility",
            },
            "amount": _money(facts.patient_responsibility),
        },
    ]


def _common(facts: ClaimFacts, created: date, eob: bool = False) -> dict[str, Any]:
    claim_level, _ = _adjudications(facts)
    common: dict[str, Any] = {
        "id": facts.claim_id,
        "status": "cancelled" if facts.voided else "active",
        "type": {
            "coding": [
                {
                    "system": CLAIM_TYPE,
                    "code": "institutional" if facts.kind == "institutional" else "professional",
                }
            ]
        },
        "use": "claim",
        "patient": {
            "reference": f"Patient/{facts.account_id}",
            "display": "patient of the account",
        },
        "created": created.isoformat(),
        "insurer": {"identifier": {"value": facts.payer_id}, "display": facts.payer_name},
        "outcome": outcome_of(facts),
        "item": _items(facts, eob),
        "total": _totals(facts),
    }
    if facts.first_paid_on is not None or facts.payer_paid:
        common["payment"] = {
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/ex-paymenttype",
                        "code": "complete" if facts.denied_amount == 0 else "partial",
                    }
                ]
            },
            "amount": _money(facts.payer_paid),
            **({"date": facts.first_paid_on.isoformat()} if facts.first_paid_on else {}),
        }
    if claim_level.get(None):
        common["adjudication"] = claim_level[None]
    if facts.remark_codes:
        rarc = load_code_list("rarc")
        common["processNote"] = [
            {"number": n, "type": "display", "text": f"{code}: {rarc.get(code, code)}"}
            for n, code in enumerate(facts.remark_codes, start=1)
        ]
    return common


def claim_response(facts: ClaimFacts) -> dict[str, Any]:
    created = facts.first_adjudicated_on or facts.created_on
    data = {
        "resourceType": "ClaimResponse",
        **_common(facts, created),
        "request": {"reference": f"Claim/{facts.claim_id}"},
    }
    return ClaimResponse.model_validate(data).model_dump(mode="json", exclude_none=True)


def explanation_of_benefit(facts: ClaimFacts) -> dict[str, Any]:
    created = facts.first_adjudicated_on or facts.created_on
    data = {
        "resourceType": "ExplanationOfBenefit",
        **_common(facts, created, eob=True),
        "claim": {"reference": f"Claim/{facts.claim_id}"},
        "provider": {"display": "billing provider of the claim"},
        "insurance": [
            {"focal": True, "coverage": {"display": f"coverage with {facts.payer_name}"}}
        ],
    }
    return ExplanationOfBenefit.model_validate(data).model_dump(mode="json", exclude_none=True)


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)
