"""revcycle scrub: judge claims from a file (JSON claim, JSON list, or X12 837), show edits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from shared.claim_model import Claim

app = typer.Typer(no_args_is_help=True, help="Scrub claims before they go to the payer.")

EXIT_CLEAN, EXIT_HELD, EXIT_UNREADABLE = 0, 1, 2


class InputError(Exception):
    """The input file cannot be turned into claims; the message says where and why."""


@dataclass(frozen=True)
class LoadedClaim:
    label: str  # how the operator finds the claim in the file: "claim 2" / "837 claim 3"
    claim: Claim


def _validation_message(where: str, exc: ValidationError) -> str:
    # Only locations and reasons: the offending values may be patient data.
    problems = [
        f"{'.'.join(str(p) for p in error['loc']) or 'claim'}: {error['msg']}"
        for error in exc.errors()
    ]
    return f"{where} is not a valid claim: " + "; ".join(problems)


def load_claims(path: Path) -> list[LoadedClaim]:
    """Read `path` as a JSON claim, a JSON list of claims, or an X12 837 (by its content)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    stripped = text.lstrip()
    if stripped.startswith("ISA"):
        return _load_837(path, stripped)
    if not stripped:
        raise InputError(f"{path} is empty")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    items: list[Any] = data if isinstance(data, list) else [data]
    if not items:
        raise InputError(f"{path} holds an empty list: no claims")
    claims = []
    for number, item in enumerate(items, start=1):
        where = f"claim {number}" if isinstance(data, list) else "the claim"
        if not isinstance(item, dict):
            raise InputError(f"{where} in {path} is not a JSON object")
        try:
            claims.append(LoadedClaim(f"claim {number}", Claim.model_validate(item)))
        except ValidationError as exc:
            raise InputError(_validation_message(f"{where} in {path}", exc)) from exc
    return claims


def _load_837(path: Path, text: str) -> list[LoadedClaim]:
    try:
        from services.intake.adapters.x12_837 import translate_837_report
    except ImportError as exc:  # the intake service is optional for this command
        raise InputError(f"{path} is an X12 file but the 837 intake adapter is missing") from exc
    translation = translate_837_report(text)
    if translation.issues:
        # The whole file is refused, as intake would: every problem, by segment and element.
        problems = "; ".join(f"{issue.where()}: {issue.message}" for issue in translation.issues)
        raise InputError(f"{path} is not a usable 837: {problems}")
    if not translation.claims:
        raise InputError(f"{path} holds no claims")
    return [LoadedClaim(f"837 claim {n}", c) for n, c in enumerate(translation.claims, start=1)]


def _print_tables(console: Console, results: list[tuple[LoadedClaim, Any]]) -> None:
    for loaded, result in results:
        status = "[bold red]HELD[/]" if result.held else "[bold green]clean[/]"
        title = (
            f"{loaded.label}: {loaded.claim.patient_control_number} "
            f"({loaded.claim.kind.value}) {status}"
        )
        if not result.edits:
            console.print(f"{title}: no edits")
            continue
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in ("Code", "Severity", "Field", "Message", "Fix"):
            table.add_column(column, overflow="fold")
        for edit in result.edits:
            severity = "[red]error[/]" if edit.holds else "[yellow]warning[/]"
            code = f"{edit.code} ({edit.rule_id})" if edit.rule_id else edit.code
            table.add_row(code, severity, edit.field, edit.message, edit.fix or "")
        console.print(table)
    held = sum(1 for _, r in results if r.held)
    console.print(f"{len(results)} claim(s): {held} held, {len(results) - held} passed")


@app.command("scrub")
def scrub_file(
    file: Annotated[
        Path, typer.Argument(help="A JSON claim, a JSON list of claims, or an X12 837")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs")] = False,
    today: Annotated[
        str | None, typer.Option("--today", help="Judge as of this date (YYYY-MM-DD)")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Payer rules YAML (default: PAYER_RULES_PATH)")
    ] = None,
) -> None:
    """Scrub claims: print each claim's edits; exit 1 when any claim is held, 2 on bad input."""
    from shared.codes.errors import CodeFileError
    from shared.scrubber import PayerRulesError, default_context, load_payer_rules, scrub_claim

    err = Console(stderr=True, soft_wrap=True)
    try:
        as_of = date.fromisoformat(today) if today else date.today()
    except ValueError:
        err.print(f"--today {today!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(EXIT_UNREADABLE) from None
    try:
        claims = load_claims(file)
        context = default_context(as_of, rules=load_payer_rules(rules))
    except (InputError, PayerRulesError, CodeFileError) as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from None
    results = [(loaded, scrub_claim(loaded.claim, context)) for loaded in claims]
    if as_json:
        payload = [
            {
                "label": loaded.label,
                "patient_control_number": loaded.claim.patient_control_number,
                "held": result.held,
                "corrected": result.claim != loaded.claim,
                "edits": [edit.to_dict() for edit in result.edits],
            }
            for loaded, result in results
        ]
        typer.echo(json.dumps(payload, indent=2))
    else:
        _print_tables(Console(), results)
    raise typer.Exit(EXIT_HELD if any(r.held for _, r in results) else EXIT_CLEAN)


@app.command("scrub-docs")
def scrub_docs(
    check: Annotated[
        bool, typer.Option("--check", help="Fail if docs/scrub-edits.md is stale")
    ] = False,
) -> None:
    """Write docs/scrub-edits.md from the edit registry (or --check that it is current)."""
    from shared.scrubber.docs import main

    raise typer.Exit(main(["--check"] if check else []))
