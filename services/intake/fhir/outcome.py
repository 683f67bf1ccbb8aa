"""OperationOutcome: how every FHIR error is told, each issue with its FHIRPath location.

Issues name the element (`expression`, FHIRPath such as `Claim.item[0].net.value`) and the
rule (`code`, from the FHIR issue-type value set), never the value the sender gave: it may
be patient data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue: severity, issue-type code, where (FHIRPath) and why."""

    code: str  # issue-type: structure, required, value, code-invalid, not-supported, ...
    diagnostics: str
    expression: str | None = None
    severity: str = "error"

    def to_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression is not None:
            issue["expression"] = [self.expression]
        return issue


class FhirProblem(Exception):
    """A request refused with an OperationOutcome: the HTTP status and every issue found."""

    def __init__(self, status_code: int, issues: Sequence[Issue]) -> None:
        if not issues:
            raise ValueError("a FHIR problem needs at least one issue")
        super().__init__("; ".join(f"{i.expression or '-'}: {i.diagnostics}" for i in issues))
        self.status_code = status_code
        self.issues = tuple(issues)


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """The OperationOutcome resource for `issues` (in the order given)."""
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}


def fhirpath(root: str, loc: Sequence[str | int]) -> str:
    """A FHIRPath expression for a JSON location: ('item', 0, 'net') -> `Claim.item[0].net`.

    A primitive's extension twin (`_status`, or `status__ext` as the models name it) is
    reported at the primitive it extends.
    """
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        name = part.removesuffix("__ext")
        if name.startswith("_") and len(name) > 1:
            name = name[1:]
        path += f".{name}"
    return path
