"""Documents follow-up prints: appeal letters and patient statements (PDF), the print vendor's
data file. Letters come from an editable Jinja2 template (rules/appeal_letter.md, or
FOLLOWUP_APPEAL_TEMPLATE); PDFs are drawn with fpdf2's core fonts (no font files shipped).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.followup.ledger import ClaimFacts
from shared.events.appeals import AppealFiled
from shared.events.patient_account import StatementIssued

RULES_DIR = Path(__file__).resolve().parent / "rules"
LEVEL_NAMES = {
    1: "redetermination (first-level appeal)",
    2: "reconsideration (second-level appeal)",
}


def _latin1(text: str) -> str:
    # Core PDF fonts are Latin-1: anything else is shown as '?' rather than failing.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_appeal_text(
    appeal: AppealFiled,
    facts: ClaimFacts,
    *,
    office: dict[str, str],
    payer_claim_number: str | None,
    template: str | None = None,
) -> str:
    """The letter's text from the template (the office's own when configured)."""
    path = Path(template) if template else RULES_DIR / "appeal_letter.md"
    env = Environment(
        loader=FileSystemLoader(str(path.parent)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    claim: dict[str, Any] = {
        "patient_control_number": facts.patient_control_number,
        "payer_claim_number": payer_claim_number,
        "service_date": facts.service_date.isoformat() if facts.service_date else "not given",
        "charge": facts.charge,
        "lines": list(facts.lines),
    }
    return env.get_template(path.name).render(
        appeal=appeal,
        claim=claim,
        payer={"name": facts.payer_name, "payer_id": facts.payer_id},
        office=office,
        level_name=LEVEL_NAMES.get(appeal.level, f"level {appeal.level} appeal"),
    )


def text_to_pdf(text: str, title: str) -> bytes:
    pdf = FPDF(format="letter")
    pdf.set_title(_latin1(title))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    for raw in text.splitlines():
        line = _latin1(raw.rstrip())
        if line.startswith("# "):
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(0, 7, line[2:], new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def statement_text(statement: StatementIssued, *, office: dict[str, str], guarantor: str) -> str:
    rows = [
        f"{office['name']}",
        f"{office['address']}    {office['phone']}",
        "",
        f"# Patient statement {statement.statement_id}",
        f"Account: {statement.account_id.split(':', 1)[-1]}    Statement date: "
        f"{statement.statement_date}    Statement {statement.statement_number}",
        f"Guarantor: {guarantor}",
        "",
        "# Services",
    ]
    for line in statement.lines:
        rows.append(
            f"{line.service_date or '':<10}  {line.description[:40]:<40}  charges {line.charges:>9}"
            f"  insurance paid {line.insurance_paid:>9}  adjusted {line.adjustments:>9}"
            f"  you paid {line.patient_paid:>8}  you owe {line.patient_due:>9}"
        )
    rows += [
        "",
        f"# Amount due: ${statement.balance_due} by {statement.due_date}",
    ]
    if statement.dunning_message:
        rows += ["", statement.dunning_message]
    rows += ["", f"Questions about your bill? Call {office['phone']}."]
    return "\n".join(rows)


VENDOR_COLUMNS = (
    "record_type",
    "statement_id",
    "account_number",
    "statement_date",
    "due_date",
    "statement_number",
    "cycle",
    "dunning_level",
    "guarantor_name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "claim_id",
    "service_date",
    "description",
    "charges",
    "insurance_paid",
    "adjustments",
    "patient_paid",
    "amount_due",
    "message",
)


def vendor_file(statements: Sequence[tuple[StatementIssued, dict[str, str]]]) -> str:
    """The print vendor's data file: CSV, one H (header) row per statement and one D (detail)
    row per claim line, documented in docs/reporting.md ("Statements")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(VENDOR_COLUMNS)
    for statement, guarantor in statements:
        head = {
            "record_type": "H",
            "statement_id": statement.statement_id,
            "account_number": statement.account_id.split(":", 1)[-1],
            "statement_date": statement.statement_date.isoformat(),
            "due_date": statement.due_date.isoformat(),
            "statement_number": str(statement.statement_number),
            "cycle": str(statement.cycle),
            "dunning_level": str(statement.dunning_level),
            "amount_due": format(statement.balance_due, "f"),
            "message": statement.dunning_message,
            **guarantor,
        }
        writer.writerow([head.get(c, "") for c in VENDOR_COLUMNS])
        for line in statement.lines:
            detail = {
                "record_type": "D",
                "statement_id": statement.statement_id,
                "account_number": head["account_number"],
                "claim_id": line.claim_id,
                "service_date": line.service_date.isoformat() if line.service_date else "",
                "description": line.description,
                "charges": format(line.charges, "f"),
                "insurance_paid": format(line.insurance_paid, "f"),
                "adjustments": format(line.adjustments, "f"),
                "patient_paid": format(line.patient_paid, "f"),
                "amount_due": format(line.patient_due, "f"),
            }
            writer.writerow([detail.get(c, "") for c in VENDOR_COLUMNS])
    return out.getvalue()


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()


def rows_to_xlsx(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append(list(header))
    for row in rows:
        # Money and rates stay exact: Decimal is written as its text, never as a float.
        ws.append([str(v) if isinstance(v, Decimal) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
