"""Payer rules: an office's YAML, refused with line and reason when broken, applied when not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shared.claim_model import Claim, ServiceLine
from shared.scrubber import (
    PayerRulesError,
    ScrubContext,
    load_payer_rules,
    parse_payer_rules,
    scrub,
    scrub_claim,
)
from shared.scrubber.rules import DEFAULT_RULES_PATH, CodePatterns
from testsupport.claims import SERVICE_DATE, professional_claim


def _context(context: ScrubContext, text: str) -> ScrubContext:
    return ScrubContext(**{**context.__dict__, "rules": parse_payer_rules(text)})


def _claim(*codes: str, **changes: object) -> Claim:
    lines = tuple(
        ServiceLine(
            line_number=n,
            procedure_code=code,
            charge=Decimal("100.00"),
            service_date=SERVICE_DATE,
        )
        for n, code in enumerate(codes, start=1)
    )
    return professional_claim(lines=lines, **changes)


def _refusal(text: str) -> PayerRulesError:
    with pytest.raises(PayerRulesError) as caught:
        parse_payer_rules(text, "office.yaml")
    return caught.value


# --- refusing a broken file ---------------------------------------------------------------


def test_unknown_action_is_refused_with_its_line() -> None:
    error = _refusal(
        "version: 1\nrules:\n  - id: a\n    action: hold\n    message: m\n"
        "  - id: b\n    action: block\n    message: m\n"
    )
    assert error.problems[0][0] == 7
    assert "rules.1.action" in str(error) and "line 7" in str(error)
    assert "office.yaml" in str(error)


def test_missing_message_for_hold_points_at_the_rule() -> None:
    error = _refusal("rules:\n  - id: a\n    when: {payer_id: ['1']}\n    action: hold\n")
    assert error.problems == [(2, "rules.0: action hold needs a message")]


def test_misspelt_condition_is_refused_with_its_line() -> None:
    error = _refusal("rules:\n  - id: a\n    when:\n      procedure_code: ['99213']\n"
                     "    action: warn\n    message: m\n")  # fmt: skip
    assert error.problems[0][0] == 4
    assert "procedure_code" in error.problems[0][1]


def test_bad_code_range_is_refused() -> None:
    error = _refusal(
        "rules:\n  - id: a\n    when: {procedure_codes: ['99215-99202']}\n"
        "    action: warn\n    message: m\n"
    )
    assert error.problems[0][0] == 3 and "low first" in error.problems[0][1]


def test_require_of_an_unknown_field_is_refused() -> None:
    error = _refusal("rules:\n  - id: a\n    action: require\n    field: prior_auth\n")
    assert error.problems[0][0] == 2 and "prior_authorization" in error.problems[0][1]


def test_yaml_syntax_error_is_refused_with_its_line() -> None:
    error = _refusal("rules:\n  - id: a\n    action: [hold\n    message: m\n")
    assert error.problems[0][0] is not None and error.problems[0][0] >= 3


def test_duplicate_key_is_refused_not_silently_overwritten() -> None:
    error = _refusal("rules:\n  - id: a\n    action: warn\n    action: hold\n    message: m\n")
    assert error.problems == [(4, "duplicate key 'action'")]


def test_duplicate_rule_ids_are_refused() -> None:
    rule = "  - id: same\n    action: warn\n    message: m\n"
    error = _refusal("rules:\n" + rule + rule)
    assert "used twice" in error.problems[0][1]


def test_bad_timely_filing_limit_is_refused() -> None:
    error = _refusal(
        "payers:\n  - name: X\n    match: {payer_id: ['1']}\n    timely_filing_days: -5\n"
    )
    assert error.problems[0][0] == 4


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PayerRulesError, match="cannot read"):
        load_payer_rules(tmp_path / "missing.yaml")


def test_shipped_rules_file_loads() -> None:
    rules = load_payer_rules(DEFAULT_RULES_PATH)
    assert {r.rule.id for r in rules.rules} >= {"medicare-gt-to-95", "advanced-imaging-prior-auth"}


def test_rules_path_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared.scrubber.settings import get_scrubber_settings

    office = tmp_path / "office.yaml"
    office.write_text("rules:\n  - id: office-only\n    action: warn\n    message: m\n")
    monkeypatch.setenv("PAYER_RULES_PATH", str(office))
    get_scrubber_settings.cache_clear()
    try:
        assert [r.rule.id for r in load_payer_rules().rules] == ["office-only"]
    finally:
        get_scrubber_settings.cache_clear()


def test_unquoted_place_of_service_keeps_its_leading_zero() -> None:
    rules = parse_payer_rules("rules:\n  - id: a\n    when: {place_of_service: [02]}\n"
                              "    action: warn\n    message: m\n")  # fmt: skip
    assert rules.rules[0].rule.when.place_of_service == ["02"]


# --- applying rules -----------------------------------------------------------------------


def test_code_patterns_exact_prefix_and_range() -> None:
    patterns = CodePatterns(["G0438", "992*", "70551-70553"])
    assert all(patterns.matches(c) for c in ("G0438", "99213", "70552"))
    assert not any(patterns.matches(c) for c in ("G0439", "98213", "70554", "7055", None))


def test_map_place_of_service_returns_a_corrected_claim(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "rules:\n  - id: pos-10-to-02\n    when: {payer_id: ['87726']}\n"
        "    action: map\n    field: place_of_service\n    mapping: {'10': '02'}\n",
    )
    claim = professional_claim(place_of_service="10", lines=(
        professional_claim().lines[0].model_copy(update={"modifiers": ("95",)}),
    ))  # fmt: skip
    result = scrub_claim(claim, ctx)
    assert claim.place_of_service == "10"  # the input is frozen and untouched
    assert result.claim.place_of_service == "02"
    changed = [e for e in result.edits if e.code == "PR004"]
    assert [(e.field, e.rule_id) for e in changed] == [("place_of_service", "pos-10-to-02")]
    assert not result.held


def test_map_applies_only_to_matching_payer(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "rules:\n  - id: r\n    when: {payer_id: ['99999']}\n"
        "    action: map\n    field: place_of_service\n    mapping: {'11': '22'}\n",
    )
    assert scrub_claim(professional_claim(), ctx).claim.place_of_service == "11"


def test_set_claim_filing_indicator(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "rules:\n  - id: bcbs\n    when: {payer_name: sunshine}\n"
        "    action: set\n    field: claim_filing_indicator\n    value: BL\n",
    )
    result = scrub_claim(professional_claim(), ctx)
    assert result.claim.payer.claim_filing_indicator == "BL"


def test_medicare_gt_is_mapped_to_95_then_judged(context: ScrubContext) -> None:
    claim = _claim("99213", place_of_service="02")
    claim = claim.model_copy(
        update={
            "lines": (claim.lines[0].model_copy(update={"modifiers": ("GT",)}),),
            "payer": claim.payer.model_copy(update={"claim_filing_indicator": "MB"}),
        }
    )
    result = scrub_claim(claim, context)
    assert result.claim.lines[0].modifiers == ("95",)
    assert "TH001" not in {e.code for e in result.edits}  # 95 satisfies Medicare's policy


def test_require_prior_authorization_for_imaging(context: ScrubContext) -> None:
    held = scrub(_claim("99213", "70551"), context)
    assert [(e.code, e.field) for e in held if e.code == "PR003"] == [
        ("PR003", "prior_authorization")
    ]
    authorized = scrub(_claim("99213", "70551", prior_authorization="PA1"), context)
    assert "PR003" not in {e.code for e in authorized}


def test_require_line_field_for_matching_lines_only(context: ScrubContext) -> None:
    edits = scrub(_claim("99213", "J3490"), context)
    assert [e.field for e in edits if e.code == "PR003"] == ["lines[1].ndc"]


def test_date_conditions_select_lines(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "rules:\n  - id: window\n    when: {service_from: 2026-03-01, service_to: 2026-03-31}\n"
        "    action: hold\n    message: held in March\n",
    )
    assert "PR001" in {e.code for e in scrub(_claim("99213"), ctx)}
    april = _claim("99213").model_copy(
        update={
            "lines": (
                _claim("99213").lines[0].model_copy(update={"service_date": date(2026, 4, 2)}),
            )
        }
    )
    assert "PR001" not in {e.code for e in scrub(april, ctx)}


def test_diagnosis_and_provider_conditions(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "rules:\n  - id: dx\n    when: {diagnoses: ['E11*'], provider_taxonomy: ['207Q*']}\n"
        "    action: warn\n    message: diabetes at family medicine\n",
    )
    assert "PR002" in {e.code for e in scrub(professional_claim(), ctx)}
    assert "PR002" not in {e.code for e in scrub(professional_claim(diagnoses=("I10",)), ctx)}


def test_per_payer_timely_filing_limit(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "payers:\n  - name: Sunshine\n    match: {payer_id: ['87726']}\n"
        "    timely_filing_days: 60\n",
    )
    # 2026-03-10 + 60 days = 2026-05-09, before the pinned today (2026-06-01).
    assert "DT004" in {e.code for e in scrub(professional_claim(), ctx)}
    assert "DT004" not in {e.code for e in scrub(professional_claim(), context)}


def test_payer_without_telehealth_modifier_requirement(context: ScrubContext) -> None:
    ctx = _context(
        context,
        "payers:\n  - name: Sunshine\n    match: {payer_id: ['87726']}\n"
        "    telehealth: {required_modifiers: []}\n",
    )
    claim = professional_claim(place_of_service="10")
    assert "TH001" in {e.code for e in scrub(claim, context)}
    assert "TH001" not in {e.code for e in scrub(claim, ctx)}
