"""`sim serve`: the clearinghouse on the far side of a folder pair, answering as files appear.

The services send through a `FolderClearinghouse(outbound, inbound)`; the simulator uses
the same two folders the other way round: it takes each new file from `outbound` (so a
file is answered once, even with two simulators running), decides every answer at once,
keeps each in its state folder until the clock reaches its due time (receipt plus the
profile's delay), then delivers it into `inbound` atomically.

State (default `<outbound>/.simulator/`, hidden from pollers): `truth.jsonl`, the payers'
memory and the ground truth; `pending/`, answers decided and not yet due, named
`<due time>-<sequence>-<name>` so that a restart delivers them in order. A file taken but
not recorded (the simulator stopped mid-file) is answered on restart; one recorded in the
truth but not marked done is only marked done, never answered twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shared.exchange.folder import FolderClearinghouse, publish_file
from shared.exchange.interface import AlreadySentError, ClaimedFile
from simulator.clock import Clock
from simulator.engine import Answer, InboundFile, Progress, Simulator
from simulator.profile import Profile
from simulator.respond import append_truth
from simulator.truth import TRUTH_FILE, read_truth_lines, rebuild_memory

__all__ = ["FolderSimulator", "PollResult"]

log = logging.getLogger(__name__)
_STAMP = "%Y%m%dT%H%M%S%fZ"  # UTC: names sort in due order


@dataclass(slots=True)
class PollResult:
    taken: list[str] = field(default_factory=list)  # inbound file names answered this poll
    delivered: list[str] = field(default_factory=list)  # answer files delivered this poll
    waiting: int = 0  # answers decided and not yet due


class FolderSimulator:
    """Answers the files of `outbound` into `inbound`, each when its delay has passed."""

    def __init__(
        self,
        outbound: Path,
        inbound: Path,
        *,
        profile: Profile,
        seed: int,
        clock: Clock,
        state_dir: Path | None = None,
    ) -> None:
        # Mirrored: our inbound is the services' outbound, and the other way round.
        self.exchange = FolderClearinghouse(outbound=inbound, inbound=outbound)
        self.clock = clock
        self.state_dir = state_dir if state_dir is not None else outbound / ".simulator"
        self.pending_dir = self.state_dir / "pending"
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        self.truth_path = self.state_dir / TRUTH_FILE
        memory = rebuild_memory(self.truth_path, profile.answering_payer_id)
        self.simulator = Simulator(profile, seed, memory)
        # Continue after the highest sequence still pending, so no pending name repeats.
        self._sequence = max(
            (int(parts[1]) for parts in (p.name.split("-", 2) for p in self.pending_dir.iterdir())
             if len(parts) == 3 and parts[1].isdigit()),
            default=0,
        )  # fmt: skip
        self._recovered = False

    def _answered_before(self) -> set[tuple[str, str]]:
        return {
            (str(raw["file"]), str(raw["sha256"]))
            for raw in read_truth_lines(self.truth_path)
            if raw.get("record") == "file"
        }

    def _take(self) -> list[ClaimedFile]:
        taken: list[ClaimedFile] = []
        if not self._recovered:
            # Files a stopped simulator had taken: finish those never answered, and only
            # mark done those whose answers it had already recorded.
            self._recovered = True
            done = self._answered_before()
            for claimed in self.exchange.unfinished():
                if (claimed.name, claimed.sha256) in done:
                    self.exchange.complete(claimed)
                else:
                    taken.append(claimed)
        taken += list(self.exchange.poll())
        return taken

    def _keep(self, answer: Answer) -> None:
        self._sequence += 1
        stamp = answer.due_at.astimezone(UTC).strftime(_STAMP)
        publish_file(
            self.pending_dir, f"{stamp}-{self._sequence:08d}-{answer.name}", answer.content
        )

    def _deliver(self, now: datetime, result: PollResult) -> None:
        for path in sorted(self.pending_dir.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            stamp, _, rest = path.name.partition("-")
            due = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
            if due > now:
                result.waiting += 1
                continue
            name = rest.partition("-")[2]
            content = path.read_bytes()
            sent_name, count = name, 1
            while True:
                try:
                    self.exchange.send(sent_name, content)
                    break
                except AlreadySentError:
                    # Two inbound files of one name, answered at different times.
                    count += 1
                    stem, dot, suffix = name.rpartition(".")
                    sent_name = f"{stem}-{count}.{suffix}" if dot else f"{name}-{count}"
            path.unlink()
            result.delivered.append(sent_name)

    def poll_once(self, progress: Progress | None = None) -> PollResult:
        """Take new files, decide their answers, deliver every answer now due."""
        now = self.clock.now()
        result = PollResult()
        taken = self._take()
        if taken:
            files = [InboundFile(c.name, c.content) for c in taken]
            batch = self.simulator.answer(files, now, progress)
            for answer in batch.answers:
                self._keep(answer)
            append_truth(self.truth_path, batch.truth)
            for claimed in taken:
                self.exchange.complete(claimed)
                result.taken.append(claimed.name)
            log.info("answered %d file(s): %d answers scheduled", len(taken), len(batch.answers))
        self._deliver(now, result)
        return result

    def run(self, *, poll_seconds: float = 2.0, stop: threading.Event | None = None) -> None:
        """Poll until `stop` is set (or forever)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            self.poll_once()
            stop.wait(poll_seconds)
