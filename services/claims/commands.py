"""Claims service commands: what can be asked of a claim (by a request, a file or a process)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class MarkReady:
    """Queue a clean, created claim for submission (the claims process runs it on claim.created)."""

    name: ClassVar[str] = "mark_ready"


Command = MarkReady
"""Every claims command (a union as more are added: Submit, Acknowledge, Void, ...)."""
