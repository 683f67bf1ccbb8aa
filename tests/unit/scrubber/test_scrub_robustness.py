"""Whatever a valid claim holds, the scrubber answers with registered edits and never raises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.claim_model import Claim, ClaimKind, Frequency, Relationship, Sex
from shared.scrubber import REGISTRY, ScrubContext, scrub_claim
from testsupport.claims import (
    INSTITUTIONAL_VARIANTS,
    PROFESSIONAL_VARIANTS,
    professional_claim_child_patient,
)

Mutation = Callable[[Claim], Claim]


def _lines(claim: Claim, **changes: object) -> Claim:
    return claim.model_copy(
        update={"lines": tuple(line.model_copy(update=changes) for line in claim.lines)}
    )


MUTATIONS: dict[str, Mutation] = {
    "no billing provider": lambda c: c.model_copy(update={"billing_provider": None}),
    "no diagnoses": lambda c: c.model_copy(update={"diagnoses": ()}),
    "junk diagnoses": lambda c: c.model_copy(update={"diagnoses": ("", "ZZZZZZZ", "1", "E11")}),
    "no line dates": lambda c: _lines(c, service_date=None, service_date_end=None),
    "no statement dates": lambda c: c.model_copy(
        update={"statement_from": None, "statement_to": None}
    ),
    "zero units": lambda c: _lines(c, units=Decimal("0")),
    "negative charge": lambda c: _lines(c, charge=Decimal("-5.00")),
    "junk codes": lambda c: _lines(c, procedure_code="", revenue_code="x", modifiers=("", "?")),
    "pointers beyond": lambda c: _lines(c, diagnosis_pointers=(9, 9, 0)),
    "no birth date": lambda c: c.model_copy(
        update={"subscriber": c.subscriber.model_copy(update={"birth_date": None, "sex": None})}
    ),
    "unknown sex": lambda c: c.model_copy(
        update={"subscriber": c.subscriber.model_copy(update={"sex": Sex.UNKNOWN})}
    ),
    "born after service": lambda c: c.model_copy(
        update={"subscriber": c.subscriber.model_copy(update={"birth_date": date(2030, 1, 1)})}
    ),
    "dependent without patient": lambda c: c.model_copy(
        update={"patient": None, "relationship": Relationship.CHILD}
    ),
    "void": lambda c: c.model_copy(update={"frequency": Frequency.VOID}),
    "kind flipped": lambda c: c.model_copy(
        update={
            "kind": ClaimKind.INSTITUTIONAL
            if c.kind is ClaimKind.PROFESSIONAL
            else ClaimKind.PROFESSIONAL
        }
    ),
    "junk type of bill": lambda c: c.model_copy(update={"type_of_bill": "9"}),
    "junk payer": lambda c: c.model_copy(
        update={
            "payer": c.payer.model_copy(
                update={"payer_id": "", "name": "", "claim_filing_indicator": ""}
            )
        }
    ),
    "telehealth": lambda c: c.model_copy(update={"place_of_service": "02"}),
}

BASES = [
    *PROFESSIONAL_VARIANTS.values(),
    *INSTITUTIONAL_VARIANTS.values(),
    professional_claim_child_patient,
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.sampled_from(BASES),
    names=st.lists(st.sampled_from(sorted(MUTATIONS)), max_size=5, unique=True),
)
def test_scrub_answers_every_mutated_claim(
    base: Callable[[], Claim], names: list[str], context: ScrubContext
) -> None:
    claim = base()
    for name in names:
        claim = MUTATIONS[name](claim)
    result = scrub_claim(claim, context)
    for edit in result.edits:
        assert edit.code in REGISTRY
        assert edit.severity is REGISTRY[edit.code].severity
        assert edit.field and edit.message
    if not names:
        assert not result.held
