"""The scrubber: run every registered edit and the payer rules over a claim; pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.claim_model import Claim, ClaimKind, ServiceLine
from shared.scrubber import edits as _edits  # noqa: F401  (registers the edits)
from shared.scrubber.context import Scrubbing, ScrubContext
from shared.scrubber.model import Category, Check, Edit, EditSpec, Finding, Severity
from shared.scrubber.registry import REGISTRY, register
from shared.scrubber.rules import REQUIRABLE_FIELDS, Action, CompiledRule, PayerRules

E, W = Severity.ERROR, Severity.WARNING

PR_HOLD = register(
    EditSpec(
        "PR001",
        E,
        Category.PAYER_RULES,
        "Held by a payer rule",
        "A rule in the payer rules file with action `hold` matched the claim; the message is "
        "the rule's own.",
        fix="Follow the rule's message, or change the rule if the payer's policy changed.",
        check=None,
    )
)
PR_WARN = register(
    EditSpec(
        "PR002",
        W,
        Category.PAYER_RULES,
        "Flagged by a payer rule",
        "A rule in the payer rules file with action `warn` matched the claim.",
        fix="Read the rule's message before sending.",
        check=None,
    )
)
PR_REQUIRE = register(
    EditSpec(
        "PR003",
        E,
        Category.PAYER_RULES,
        "Field required by a payer rule missing",
        "A rule with action `require` names a field (e.g. prior_authorization for certain "
        "procedures at this payer) that the claim does not carry.",
        fix="Obtain and enter the required value (e.g. the prior authorization number).",
        check=None,
    )
)
PR_CHANGED = register(
    EditSpec(
        "PR004",
        W,
        Category.PAYER_RULES,
        "Value changed by a payer rule",
        "A rule with action `set` or `map` changed a value on the claim (e.g. place of service "
        "02 to 10 for a payer); the corrected claim is what will be sent.",
        fix=None,
        check=None,
    )
)


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """The claim as payer rules corrected it, and every edit found on it."""

    claim: Claim
    edits: tuple[Edit, ...]

    @property
    def held(self) -> bool:
        return any(edit.severity is Severity.ERROR for edit in self.edits)

    @property
    def errors(self) -> tuple[Edit, ...]:
        return tuple(e for e in self.edits if e.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Edit, ...]:
        return tuple(e for e in self.edits if e.severity is Severity.WARNING)


_checks_cache: dict[tuple[ClaimKind, int], list[tuple[Check, EditSpec]]] = {}


def _checks_for(kind: ClaimKind) -> list[tuple[Check, EditSpec]]:
    key = (kind, len(REGISTRY))
    checks = _checks_cache.get(key)
    if checks is None:
        checks = [
            (spec.check, spec)
            for spec in REGISTRY.values()
            if spec.check is not None and kind in spec.kinds
        ]
        _checks_cache[key] = checks
    return checks


def scrub_claim(claim: Claim, context: ScrubContext) -> ScrubResult:
    """Apply the payer rules' corrections, then judge the corrected claim."""
    corrected, edits = apply_corrections(claim, context.rules)
    scrubbing = Scrubbing(corrected, context)
    for check, spec in _checks_for(corrected.kind):
        for finding in check(scrubbing):
            edits.append(spec.edit(finding))
    edits.extend(evaluate_rules(corrected, context.rules))
    return ScrubResult(claim=corrected, edits=tuple(edits))


def scrub(claim: Claim, context: ScrubContext) -> list[Edit]:
    """Every edit found on `claim`: errors hold it, warnings let it pass."""
    return list(scrub_claim(claim, context).edits)


# --- payer rules -------------------------------------------------------------------------


def _scope(compiled: CompiledRule, claim: Claim) -> list[int] | None:
    """Lines a rule applies to; None for a claim-level rule; [] when it does not apply."""
    if not compiled.claim_matches(claim):
        return []
    if compiled.line_scoped:
        return compiled.matching_lines(claim)
    return None


def apply_corrections(claim: Claim, rules: PayerRules) -> tuple[Claim, list[Edit]]:
    """Run the `set` and `map` rules in file order; each sees the previous one's result."""
    edits: list[Edit] = []
    for compiled in rules.rules:
        rule = compiled.rule
        if rule.action not in (Action.SET, Action.MAP):
            continue
        scope = _scope(compiled, claim)
        if scope == []:
            continue
        claim, changes = _correct(claim, compiled, scope)
        edits.extend(PR_CHANGED.edit(change, rule_id=rule.id) for change in changes)
    return claim, edits


def _new_value(compiled: CompiledRule, current: str | None) -> str | None:
    rule = compiled.rule
    if rule.action is Action.SET:
        return rule.value
    assert rule.mapping is not None
    return rule.mapping.get(current, current) if current is not None else None


def _correct(
    claim: Claim, compiled: CompiledRule, scope: list[int] | None
) -> tuple[Claim, list[Finding]]:
    rule = compiled.rule
    changes: list[Finding] = []
    assert rule.field is not None  # set and map rules are validated to name a field
    field = rule.field
    why = f"payer rule {rule.id}"
    old: str | None
    new: str | None
    if field == "claim_filing_indicator":
        old = claim.payer.claim_filing_indicator
        new = _new_value(compiled, old)
        if new is not None and new != old:
            payer = claim.payer.model_copy(update={"claim_filing_indicator": new})
            claim = claim.model_copy(update={"payer": payer})
            changes.append(
                Finding(
                    "payer.claim_filing_indicator",
                    f"{why}: filing indicator {old} changed to {new}",
                )
            )
        return claim, changes

    update: dict[str, Any] = {}
    if field == "place_of_service" and scope is None:
        old = claim.place_of_service
        new = _new_value(compiled, old)
        if new is not None and new != old:
            update["place_of_service"] = new
            changes.append(
                Finding("place_of_service", f"{why}: place of service {old} changed to {new}")
            )
    lines = list(claim.lines)
    for index in range(len(lines)) if scope is None else scope:
        line = lines[index]
        line_update: dict[str, Any] = {}
        if field == "place_of_service":
            old = (
                line.place_of_service
                if scope is None
                else (line.place_of_service or claim.place_of_service)
            )
            if scope is None and old is None:
                continue  # the line follows the claim's place of service, already changed
            new = _new_value(compiled, old)
            if new is not None and new != old:
                line_update["place_of_service"] = new
        elif field == "modifiers":
            assert rule.mapping is not None
            mapped = tuple(rule.mapping.get(m, m) for m in line.modifiers)
            if mapped != line.modifiers:
                old, new = ",".join(line.modifiers), ",".join(mapped)
                line_update["modifiers"] = mapped
        elif field == "procedure_code":
            old = line.procedure_code
            new = _new_value(compiled, old)
            if new is not None and new != old:
                line_update["procedure_code"] = new
        if line_update:
            lines[index] = line.model_copy(update=line_update)
            label = field.replace("_", " ")
            changes.append(
                Finding(
                    f"lines[{index}].{field}",
                    f"{why}: line {line.line_number} {label} {old} changed to {new}",
                )
            )
    if any(a is not b for a, b in zip(lines, claim.lines, strict=True)):
        update["lines"] = tuple(lines)
    if update:
        claim = claim.model_copy(update=update)
    return claim, changes


def _claim_value(claim: Claim, path: str) -> Any:
    value: Any = claim
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == ()


def evaluate_rules(claim: Claim, rules: PayerRules) -> Iterator[Edit]:
    """Edits from the `hold`, `warn` and `require` rules that match the (corrected) claim."""
    for compiled in rules.rules:
        rule = compiled.rule
        if rule.action in (Action.SET, Action.MAP):
            continue
        scope = _scope(compiled, claim)
        if scope == []:
            continue
        if rule.action is Action.REQUIRE:
            yield from _require(claim, compiled, scope)
            continue
        spec = PR_HOLD if rule.action is Action.HOLD else PR_WARN
        assert rule.message is not None
        if scope is None:
            yield spec.edit(Finding(rule.field or "claim", rule.message), rule_id=rule.id)
        else:
            for index in scope:
                yield spec.edit(
                    Finding(
                        f"lines[{index}]", f"line {claim.lines[index].line_number}: {rule.message}"
                    ),
                    rule_id=rule.id,
                )


def _require(claim: Claim, compiled: CompiledRule, scope: list[int] | None) -> Iterator[Edit]:
    rule = compiled.rule
    assert rule.field is not None
    message = rule.message or f"the payer requires {rule.field.replace('_', ' ')}"
    if REQUIRABLE_FIELDS[rule.field]:  # a line field, e.g. lines.ndc
        name = rule.field.split(".", 1)[1]
        for index in range(len(claim.lines)) if scope is None else scope:
            line: ServiceLine = claim.lines[index]
            if _missing(getattr(line, name)):
                yield PR_REQUIRE.edit(
                    Finding(f"lines[{index}].{name}", f"line {line.line_number}: {message}"),
                    rule_id=rule.id,
                )
    elif _missing(_claim_value(claim, rule.field)):
        yield PR_REQUIRE.edit(Finding(rule.field, message), rule_id=rule.id)


def default_context(today: date, rules: PayerRules | None = None, **kwargs: Any) -> ScrubContext:
    """A context with the code sets and payer rules from their configured places (does I/O)."""
    from shared.codes import load_code_sets
    from shared.scrubber.rules import load_payer_rules

    return ScrubContext(
        today=today,
        codes=load_code_sets(),
        rules=rules if rules is not None else load_payer_rules(),
        **kwargs,
    )
