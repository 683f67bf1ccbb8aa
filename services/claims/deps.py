"""What the claims service's handlers, jobs and routes need, wired once by the bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import uuid4

from sqlalchemy.engine import Connection, Engine

from services.claims.config import ClaimsSettings
from services.claims.partners import TradingPartners
from shared.eventstore.interface import EventStore
from shared.exchange import FolderClearinghouse
from shared.kernel import UnitOfWork
from shared.scrubber.rules import PayerRules
from shared.x12.control_numbers import ControlNumberSource

if TYPE_CHECKING:
    from shared.codes import CodeSets
    from shared.scrubber.context import ScrubContext

PRODUCER = "claims"

CrashHook = Callable[[str], None]
"""hook(point): tests inject one to kill the process at a named point ("prepared", "sent")."""


def new_id(prefix: str) -> str:
    # Random, not sequential: ids reveal nothing about volumes and never collide across nodes.
    return f"{prefix}_{uuid4().hex[:24]}"


@dataclass
class ClaimsDeps:
    settings: ClaimsSettings
    engine: Engine
    store: EventStore[Connection]
    clock: Callable[[], datetime]
    partners: TradingPartners
    numbers: ControlNumberSource
    ids: Callable[[str], str] = new_id
    crash_hook: CrashHook | None = None
    payer_rules_loader: Callable[[], PayerRules] | None = field(default=None, repr=False)

    def uow(self) -> UnitOfWork[Connection]:
        """A unit of work appending as the claims service (one per command or transaction)."""
        return UnitOfWork(self.store, producer=PRODUCER, clock=self.clock)

    def adapter(self, outbound: Path | None = None) -> FolderClearinghouse:
        """The clearinghouse folder pair (outbound overridden by `--outbound DIR`)."""
        return FolderClearinghouse(
            outbound or self.settings.outbound_dir, self.settings.inbound_dir
        )

    @cached_property
    def payer_rules(self) -> PayerRules:
        """Each payer's filing limit (the scrubber's payer rules file; loaded once)."""
        if self.payer_rules_loader is not None:
            return self.payer_rules_loader()
        from shared.scrubber.rules import load_payer_rules

        return load_payer_rules(self.settings.payer_rules_path)

    @cached_property
    def code_sets(self) -> CodeSets:
        """The code sets the scrubber checks corrected claims against (loaded once)."""
        from shared.codes import load_code_sets

        return load_code_sets()

    def scrub_context(self, today: date) -> ScrubContext:
        """What the scrubber needs to judge a corrected claim on `today`."""
        from shared.scrubber.context import ScrubContext

        return ScrubContext(today=today, codes=self.code_sets, rules=self.payer_rules)

    def crash_point(self, point: str) -> None:
        if self.crash_hook is not None:
            self.crash_hook(point)
