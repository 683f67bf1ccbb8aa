"""Mutated 837s: the 999 and the intake adapter answer with their own errors, never a crash."""

from __future__ import annotations

import random

from services.intake.adapters.x12_837 import translate_837_report
from shared.x12.ack import AckError, acknowledge
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.pyx12_judge import judge
from shared.x12.x12_837_005010X222A1.writer import write_837p
from testsupport.claims import professional_claim_child_patient, professional_claim_secondary
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER, describe_errors

GARBAGE = ["", "X" * 300, "ZZ", "-1", "0", "20261340", ":::", "1.5.5", "\t"]


def _base() -> str:
    child = professional_claim_child_patient()
    claims = [
        professional_claim_secondary(),
        professional_claim_secondary(
            patient_control_number="PCN-CHILD",
            patient=child.patient,
            relationship=child.relationship,
        ),
    ]
    return write_837p(
        claims, submitter=SUBMITTER, receiver=RECEIVER, created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )  # fmt: skip


def _mutate(segments: list[str], rng: random.Random) -> str:
    s = list(segments)
    op = rng.randrange(6)
    j = rng.randrange(len(s))
    if op == 0:
        del s[j]
    elif op == 1:
        s.insert(j, s[rng.randrange(len(s))])
    elif op == 2:
        elements = s[j].split("*")
        elements[rng.randrange(len(elements))] = rng.choice(GARBAGE)
        s[j] = "*".join(elements)
    elif op == 3:
        text = "~\n".join(s)
        return text[: rng.randrange(len(text))]
    elif op == 4:
        s[j] = s[j].replace("*", ":", 1)
    else:
        s[j] = s[j][::-1]  # garbage that is not even a segment id
    return "~\n".join(s)


def test_mutated_837s_get_a_valid_999_or_a_clear_refusal() -> None:
    segments = _base().split("~\n")
    rng = random.Random(20260311)
    acknowledged = 0
    for round_ in range(300):
        text = _mutate(segments, rng)
        try:
            result = acknowledge(text, created_at=CREATED_AT, numbers=InMemoryControlNumbers())
        except AckError as exc:
            assert str(exc)  # a message, never an empty refusal
            continue
        acknowledged += 1
        if round_ % 20 == 0:
            # pyx12 is slow: judge a sample of the 999s we wrote for broken input.
            verdict = judge(result.text)
            assert verdict.ok, describe_errors(verdict)
        report = translate_837_report(text)
        for issue in report.issues:
            assert issue.message
    assert acknowledged > 200  # most mutations still leave an envelope to answer
