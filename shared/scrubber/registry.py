"""The table of edits: every edit registers here with its code, severity and documentation."""

from __future__ import annotations

from collections.abc import Callable

from shared.claim_model import ClaimKind
from shared.scrubber.model import ALL_KINDS, Category, Check, EditSpec, Severity

REGISTRY: dict[str, EditSpec] = {}
"""Edit code -> spec, in registration order (which is also the order edits run and print)."""


def register(spec: EditSpec) -> EditSpec:
    if spec.code in REGISTRY:
        raise ValueError(f"edit code {spec.code} registered twice")
    REGISTRY[spec.code] = spec
    return spec


def edit(
    code: str,
    severity: Severity,
    category: Category,
    title: str,
    description: str,
    fix: str | None = None,
    kinds: frozenset[ClaimKind] = ALL_KINDS,
) -> Callable[[Check], Check]:
    """Register the decorated check function as edit `code`."""

    def decorate(check: Check) -> Check:
        register(
            EditSpec(
                code=code,
                severity=severity,
                category=category,
                title=title,
                description=description,
                fix=fix,
                check=check,
                kinds=kinds,
            )
        )
        return check

    return decorate


PROFESSIONAL = frozenset({ClaimKind.PROFESSIONAL})
INSTITUTIONAL = frozenset({ClaimKind.INSTITUTIONAL})
