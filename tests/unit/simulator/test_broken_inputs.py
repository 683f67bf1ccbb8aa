"""Files the clearinghouse cannot take get a TA1 or a 999 rejection, never a crash."""

from __future__ import annotations

import pytest

from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.envelope_writer import Party
from shared.x12.validation import validate
from shared.x12.x12_835_005010X221A1.writer import write_835
from testsupport.claims import professional_claim
from testsupport.remittances import claim_payment, remittance
from testsupport.x12 import CREATED_AT, assert_pyx12_clean


def _good_837(sim) -> str:
    sim.add_837p([professional_claim()], name="good.837")
    return (sim.inbound / "good.837").read_text()


def _answers_are_valid(sim) -> None:
    for name in sim.names():
        if name == "truth.jsonl":
            continue
        text = sim.text(name)
        assert validate(text).ok, (name, validate(text).errors)
        if not name.endswith(".ta1"):
            assert_pyx12_clean(text)


@pytest.mark.parametrize(
    ("content", "note"),
    [
        (b"hello, this is not X12\n", "024"),
        (b"", "024"),
        (bytes(range(256)) * 4, "024"),
        ("ISA*00*\u00e9\u00e8*".encode(), "024"),
    ],
)
def test_a_file_that_is_not_x12_gets_a_ta1_rejection(sim, content: bytes, note: str) -> None:
    sim.add("junk.837", content)
    result = sim.respond()
    assert result.by_kind == {"TA1": 1}
    ta1 = next(s for s in sim.segments("junk.837.ta1") if s[0] == "TA1")
    assert ta1[4:] == ["R", note]
    (record,) = sim.truth().files
    assert record.verdict == "unreadable" and record.problem
    _answers_are_valid(sim)


def test_an_interchange_with_a_wrong_iea_gets_a_ta1_naming_it(sim) -> None:
    text = _good_837(sim)
    broken = text.replace("IEA*1*000000001~", "IEA*1*000000999~")
    assert broken != text
    sim.add("good.837", broken)
    sim.respond()
    assert sim.names(".ta1") == ["good.837.ta1"]
    ta1 = next(s for s in sim.segments("good.837.ta1") if s[0] == "TA1")
    assert ta1[1] == "000000001" and ta1[4:] == ["R", "001"]
    assert not sim.names(".999") and not sim.names(".835")
    assert sim.truth().files[0].verdict == "rejected"
    _answers_are_valid(sim)


def test_a_truncated_file_is_rejected_for_its_missing_trailers(sim) -> None:
    text = _good_837(sim)
    sim.add("good.837", text[: len(text) // 2])
    sim.respond()
    assert sim.names() == ["good.837.999", "truth.jsonl"]
    segments = sim.segments("good.837.999")
    assert next(s for s in segments if s[0] == "IK5")[:3] == ["IK5", "R", "2"]  # no SE
    assert next(s for s in segments if s[0] == "AK9")[1] == "R"
    _answers_are_valid(sim)


def test_an_837_with_a_bad_element_gets_a_999_naming_segment_and_element(sim) -> None:
    text = _good_837(sim)
    broken = text.replace("CLM*PCN26031001*145.00*", "CLM*PCN26031001*ABC*")
    assert broken != text
    sim.add("good.837", broken)
    sim.respond()
    assert sim.names() == ["good.837.999", "truth.jsonl"]
    segments = sim.segments("good.837.999")
    ik3 = next(s for s in segments if s[0] == "IK3")
    ik4 = next(s for s in segments if s[0] == "IK4")
    assert ik3[1] == "CLM" and ik4[1] == "2"
    assert next(s for s in segments if s[0] == "IK5")[1] == "R"
    rejection = sim.truth().claim("PCN26031001").rejection
    assert (rejection.stage, rejection.segment_id, rejection.element) == ("999", "CLM", 2)
    _answers_are_valid(sim)


def test_a_transaction_the_clearinghouse_does_not_route_is_refused_in_the_999(sim) -> None:
    claim = professional_claim()
    text = write_835(
        [remittance([claim_payment(claim)])],
        sender=Party("RIVERBEND01"),
        receiver=Party("CLEARX"),
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    )
    sim.add("payment.835", text)
    sim.respond()
    assert sim.names() == ["payment.835.999", "truth.jsonl"]
    assert ["IK5", "R", "1"] in sim.segments("payment.835.999")
    _answers_are_valid(sim)


def test_other_delimiters_and_reserved_characters_in_values_do_not_break_the_answers(sim) -> None:
    claims = [
        professional_claim(patient_control_number="OTHERDELIM1"),
        professional_claim(patient_control_number="OTHERDELIM2"),
    ]
    sim.add_837p(claims, name="pipes.837")
    text = (sim.inbound / "pipes.837").read_text()
    # Element | and component > instead of * and :, then a * inside a name and a claim id.
    piped = text.replace("*", "|").replace(":", ">")
    piped = piped.replace("|Marlowe|Theodora", "|Mar*lowe|Theodora").replace(
        "OTHERDELIM2", "OTHER*DELIM2"
    )
    sim.add("pipes.837", piped)
    result = sim.respond()
    assert result.by_kind.get("999") == 1
    truth = sim.truth()
    assert truth.claim("OTHERDELIM1").outcome == "paid"
    assert truth.claim("OTHER-DELIM2").outcome == "rejected_277ca"
    _answers_are_valid(sim)


def test_a_folder_of_broken_files_is_answered_file_by_file(sim) -> None:
    good = _good_837(sim)
    sim.add("a-junk.txt", b"\x00\x01\x02")
    sim.add("b-half.837", good[:300])
    sim.add("c-empty.837", b"")
    result = sim.respond()
    assert result.files_read == 4
    verdicts = {f.file: f.verdict for f in sim.truth().files}
    assert verdicts == {
        "a-junk.txt": "unreadable",
        "b-half.837": verdicts["b-half.837"],
        "c-empty.837": "unreadable",
        "good.837": "answered",
    }
    assert verdicts["b-half.837"] in ("unreadable", "rejected")
    assert "good.837.277ca" in sim.names()
    _answers_are_valid(sim)


def test_non_ascii_names_and_identifiers_do_not_break_the_answers(sim) -> None:
    claims = [
        professional_claim(patient_control_number="ACCENT1"),
        professional_claim(patient_control_number="ACCENT2"),
    ]
    sim.add_837p(claims, name="accents.837")
    text = (sim.inbound / "accents.837").read_text()
    text = text.replace("Marlowe", "Muñoz").replace("ACCENT2", "ACCENTñ2")
    sim.add("accents.837", text.encode("utf-8"))
    sim.respond()
    outcomes = {c.patient_control_number: c.outcome for c in sim.truth().claims}
    if set(outcomes.values()) == {"rejected_999"}:
        # The validator refused the non-ASCII values: the whole set is returned.
        assert ["IK5", "R", "5"] in sim.segments("accents.837.999")
    else:
        assert outcomes == {"ACCENT1": "paid", "ACCENTn2": "rejected_277ca"}
        assert "NM1*QC*1*Munoz*" in sim.text("accents.837.277ca")
    _answers_are_valid(sim)


def test_mangled_837s_are_always_answered(sim) -> None:
    """Seeded random damage (cut, duplicated, swapped, junk characters): answers, no crash."""
    import random

    good = _good_837(sim)
    (sim.inbound / "good.837").unlink()
    rng = random.Random(20261129)
    junk = "*~:^|\x00\xff\u00e9ABC0123456789 \n"
    for number in range(40):
        chars = list(good)
        for _ in range(rng.randint(1, 6)):
            where = rng.randrange(len(chars))
            action = rng.choice(("cut", "dup", "swap", "junk"))
            if action == "cut":
                del chars[where : where + rng.randint(1, 40)]
            elif action == "dup":
                chars[where:where] = chars[where : where + rng.randint(1, 80)]
            elif action == "swap" and where + 1 < len(chars):
                chars[where], chars[where + 1] = chars[where + 1], chars[where]
            else:
                chars.insert(where, rng.choice(junk))
        sim.add(f"mangled-{number:02d}.837", "".join(chars).encode("utf-8"))
    result = sim.respond()
    assert result.files_read == 40
    answered = {f.file for f in sim.truth().files}
    assert len(answered) == 40
    for record in sim.truth().files:
        assert any(n.endswith((".999", ".ta1")) for n in record.answers), record.file
    _answers_are_valid(sim)
