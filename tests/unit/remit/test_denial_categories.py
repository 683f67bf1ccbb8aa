"""The denial category table: shipped as data, edited by a billing office, reloaded without
code change, a bad file refused naming its line (and the last good table kept)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.remit.config import DEFAULT_DENIAL_CATEGORIES
from services.remit.denials import DenialTableError, load_denial_table, parse_denial_table
from shared.codes import load_code_sets
from shared.events.registry import decode
from shared.events.remittance import ClaimDenied
from testsupport.claims import professional_claim, professional_claim_modifiers
from testsupport.remit import RemitWorld, temporary_world, x12_835
from testsupport.remittances import denied_claim_payment, remittance

CATEGORIES = {
    "eligibility",
    "authorization",
    "coding",
    "medical-necessity",
    "duplicate",
    "timely-filing",
    "coordination-of-benefits",
    "bundling",
    "non-covered",
    "contractual",
    "missing-information",
}


def test_the_shipped_table_names_every_category_and_files_codes_by_group_and_rarcs() -> None:
    table = load_denial_table(DEFAULT_DENIAL_CATEGORIES)
    assert CATEGORIES <= set(table.categories)
    assert all(c.queue == f"denials.{c.name}" for c in table.categories.values())
    assert table.is_payment_adjustment("CO", "45")
    assert table.is_payment_adjustment("PR", "2")
    assert not table.is_payment_adjustment("CO", "50")
    assert table.category_for("50", "CO").name == "medical-necessity"
    assert table.category_for("197", "CO").name == "authorization"
    # CARC 16 (missing information) with M51 is a coding problem; with MA04 it is COB.
    assert table.category_for("16", "CO").name == "missing-information"
    assert table.category_for("16", "CO", ["M51"]).name == "coding"
    assert table.category_for("16", "CO", ["MA04"]).name == "coordination-of-benefits"
    assert table.category_for("B13", "CO").name == "other"  # no rule: the default


def test_the_carc_and_rarc_lists_are_data_with_source_and_as_of_date() -> None:
    codes = load_code_sets()
    assert "45" in codes.carc and "N211" in codes.rarc
    assert codes.carc["45"] and codes.rarc["N211"]  # each with its description
    text = (Path(__file__).parents[3] / "shared/codes/data/sources.yaml").read_text()
    for name in ("carc:", "rarc:"):
        entry = text[text.index(name) :].split("\n\n")[0]
        assert "source:" in entry and "as_of:" in entry


def _table(rules: str) -> str:
    return (
        "version: 1\n"
        "default_category: other\n"
        "categories:\n"
        "  other: {queue: denials.other}\n"
        "  coding: {queue: denials.coding}\n"
        "rules:\n" + rules
    )


@pytest.mark.parametrize(
    ("rules", "line", "says"),
    [
        ('  - {carc: "XX9", category: coding}\n', 7, "CARC"),
        ('  - {carc: "16", rarcs: [ZZ12], category: coding}\n', 7, "RARC"),
        ('  - {carc: "50", category: coding}\n  - {carc: "29", category: nowhere}\n', 8, "nowhere"),
        # Unclosed: the parser notices at the end of the text (the line after).
        ('  - {carc: "50", category: coding\n', 8, "expected"),
    ],
)
def test_a_bad_table_is_refused_naming_its_line(rules: str, line: int, says: str) -> None:
    with pytest.raises(DenialTableError) as refused:
        parse_denial_table(_table(rules), "denials.yaml")
    lines = [where for where, _ in refused.value.problems]
    assert line in lines, refused.value.problems
    assert says in str(refused.value)


@pytest.fixture
def edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RemitWorld, Path]]:
    table = tmp_path / "denials.yaml"
    table.write_text(DEFAULT_DENIAL_CATEGORIES.read_text())
    monkeypatch.setenv("REMIT_DENIAL_CATEGORIES", str(table))
    world = temporary_world()
    try:
        yield world, table
        world.audit()
    finally:
        world.close()


def _denial(world: RemitWorld, claim_id: str) -> ClaimDenied:
    (event,) = [decode(e) for e in world.events(claim_id) if e.type == "claim.denied"]
    assert isinstance(event, ClaimDenied)
    return event


def _touch(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_an_edited_table_is_used_for_the_next_file_and_a_broken_edit_keeps_the_last_good_one(
    edited: tuple[RemitWorld, Path],
) -> None:
    world, table = edited
    first, second = professional_claim(), professional_claim_modifiers()
    first_id = world.create_submitted(first)
    second_id = world.create_submitted(second)

    world.ingest(x12_835(remittance([denied_claim_payment(first, reason="29")])))
    assert _denial(world, first_id).denial_category == "timely-filing"

    # The office decides CARC 29 goes to the eligibility team: no code change, no restart.
    _touch(
        table,
        table.read_text().replace(
            '{carc: "29", category: timely-filing}', '{carc: "29", category: eligibility}'
        ),
    )
    world.ingest(
        x12_835(remittance([denied_claim_payment(second, reason="29")], trace_number="T2"))
    )
    denial = _denial(world, second_id)
    assert (denial.denial_category, denial.queue) == ("eligibility", "denials.eligibility")

    # A broken edit is refused (naming the line) and the last good table stays in use.
    _touch(table, table.read_text().replace('{carc: "50",', '{carc: "5O",', 1))
    third = professional_claim(patient_control_number="PCN26031099")
    third_id = world.create_submitted(third)
    report = world.ingest(
        x12_835(remittance([denied_claim_payment(third, reason="29")], trace_number="T3"))
    )
    assert report.ok
    assert any("line" in w and "5O" in w for w in report.warnings), report.warnings
    assert _denial(world, third_id).denial_category == "eligibility"
