"""`docs/claim-lifecycle.md`, generated from the claim's transition table (services.claims.domain).

`revcycle claims lifecycle-docs` writes it; a test fails when the page and the table differ.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from services.claims.domain import (
    COMMAND_EVENTS,
    RECORDED_ANYWHERE,
    STATUS_MEANING,
    TRANSITIONS,
    ClaimStatus,
)
from shared.config import REPO_ROOT
from shared.events.registry import registry

DOC_PATH: Path = REPO_ROOT / "docs" / "claim-lifecycle.md"

HEADER = """\
# The claim lifecycle

Generated from `services/claims/domain.py` (`TRANSITIONS`) by `revcycle claims lifecycle-docs`;
a test fails when this page and the table differ. Do not edit by hand.

A claim's whole life is one event stream (stream id = claim id). Intake creates, scrubs and
amends it; the claims service marks it ready, submits it, records the clearinghouse's and
the payer's acknowledgements and answers, corrects, voids and bills the next payer; remit
posts the payer's adjudication; follow-up closes it. Every status change below is one row
of the table: the claims aggregate (`apply`, `decide`) and the claims index both follow it.
A command whose event the table does not allow in the claim's status is refused with an
error naming the status and the command, and nothing is appended.
"""


def _label(event_type: str, when: str | None) -> str:
    return event_type + (f" [{when}]" if when else "")


def _diagram() -> list[str]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t in TRANSITIONS:
        if t.source is t.target:
            continue
        source = "[*]" if t.source is ClaimStatus.NOT_CREATED else t.source.value
        label = _label(t.event_type.removeprefix("claim."), t.when)
        if label not in edges[(source, t.target.value)]:
            edges[(source, t.target.value)].append(label)
    lines = ["```mermaid", "stateDiagram-v2"]
    for (source, target), labels in edges.items():
        lines.append(f"    {source} --> {target} : {'<br/>'.join(labels)}")
    lines.append("```")
    return lines


def render() -> str:
    out = [HEADER, "## Diagram", ""]
    out += _diagram()
    out += [
        "",
        "Self-transitions (an event recorded without a status change) are listed in the "
        "table below, not drawn.",
        "",
        "## Statuses",
        "",
        "| status | meaning |",
        "| --- | --- |",
    ]
    out += [f"| `{status.value}` | {STATUS_MEANING[status]} |" for status in ClaimStatus]
    out += [
        "",
        "## Transitions",
        "",
        "| from | event | when | to | appended by |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in TRANSITIONS:
        owner = registry.owner(t.event_type).value
        target = "(stays)" if t.source is t.target else f"`{t.target.value}`"
        out.append(
            f"| `{t.source.value}` | `{t.event_type}` | {t.when or ''} | {target} | {owner} |"
        )
    out += [
        "",
        "Other services' facts never stop a claim's history from being read: where the table "
        "names no row for them, these leave the status as it is: "
        + ", ".join(f"`{t}`" for t in sorted(RECORDED_ANYWHERE))
        + ". Any other type the table does not list (appeals, write-offs, underpayment notes) "
        "leaves the status alone too.",
        "",
        "## Commands",
        "",
        "| command | appends | allowed from |",
        "| --- | --- | --- |",
    ]
    for command, event_types in COMMAND_EVENTS.items():
        sources = sorted(
            {t.source.value for t in TRANSITIONS if t.event_type in event_types},
            key=[s.value for s in ClaimStatus].index,
        )
        appended = ", ".join(f"`{e}`" for e in event_types)
        out.append(f"| {command} | {appended} | {', '.join(f'`{s}`' for s in sources)} |")
    return "\n".join(out) + "\n"
