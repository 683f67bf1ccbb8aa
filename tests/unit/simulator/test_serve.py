"""`sim serve`: files answered as they appear, each answer delivered when the clock says so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from revcycle.cli import app
from shared.exchange import FolderClearinghouse
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.x12_837_005010X222A1.writer import write_837p
from simulator.clock import ManualClock
from simulator.profile import load_profile
from simulator.serve import FolderSimulator
from simulator.truth import load_truth
from testsupport.claims import professional_claim, random_professional_claims
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

START = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def _837(claims) -> bytes:
    return write_837p(
        list(claims),
        submitter=SUBMITTER,
        receiver=RECEIVER,
        created_at=CREATED_AT,
        numbers=InMemoryControlNumbers(),
    ).encode()


def _waiting(services: FolderClearinghouse) -> list[str]:
    return [f.name for f in services.list_inbound()]


def test_answers_arrive_after_the_profiles_delays_on_a_moved_clock(tmp_path: Path) -> None:
    services = FolderClearinghouse(tmp_path / "outbound", tmp_path / "inbound")
    clock = ManualClock(START)
    simulator = FolderSimulator(
        tmp_path / "outbound",
        tmp_path / "inbound",
        profile=load_profile("clean"),
        seed=1,
        clock=clock,
    )
    services.send("batch-0001.837", _837(random_professional_claims(5, seed=3)))
    result = simulator.poll_once()
    assert result.taken == ["batch-0001.837"]
    assert _waiting(services) == ["batch-0001.837.999"]
    assert result.waiting == 2  # the 277CA and the 835
    clock.advance(hours=23)
    assert simulator.poll_once().delivered == []
    clock.advance(hours=1)
    assert simulator.poll_once().delivered == ["batch-0001.837.277ca"]
    clock.advance(days=12, hours=23)
    assert simulator.poll_once().delivered == []
    clock.advance(hours=1)
    (remit,) = simulator.poll_once().delivered
    assert remit.endswith(".835")
    assert _waiting(services) == ["batch-0001.837.999", "batch-0001.837.277ca", remit]
    truth = load_truth(simulator.state_dir / "truth.jsonl")
    assert len(truth.claims) == 5
    assert truth.files[0].received_at == START
    # The services' outbound file was taken once and kept as done, not answered again.
    assert simulator.poll_once().taken == []


def test_a_restarted_simulator_delivers_what_was_pending_once(tmp_path: Path) -> None:
    services = FolderClearinghouse(tmp_path / "outbound", tmp_path / "inbound")
    clock = ManualClock(START)
    profile = load_profile("clean")

    def start() -> FolderSimulator:
        return FolderSimulator(
            tmp_path / "outbound", tmp_path / "inbound", profile=profile, seed=1, clock=clock
        )

    services.send("a.837", _837([professional_claim()]))
    start().poll_once()
    clock.advance(days=20)
    delivered = start().poll_once().delivered  # a new process, the same state folder
    assert [name.rsplit(".", 1)[-1] for name in delivered] == ["277ca", "835"]
    assert start().poll_once().delivered == []
    assert len(_waiting(services)) == 3


def test_a_file_taken_by_a_stopped_simulator_is_answered_on_restart(tmp_path: Path) -> None:
    services = FolderClearinghouse(tmp_path / "outbound", tmp_path / "inbound")
    clock = ManualClock(START)
    profile = load_profile("clean")
    first = FolderSimulator(
        tmp_path / "outbound", tmp_path / "inbound", profile=profile, seed=1, clock=clock
    )
    services.send("a.837", _837([professional_claim()]))
    assert first.exchange.claim("a.837") is not None  # taken, then the process died
    second = FolderSimulator(
        tmp_path / "outbound", tmp_path / "inbound", profile=profile, seed=1, clock=clock
    )
    assert second.poll_once().taken == ["a.837"]
    assert _waiting(services) == ["a.837.999"]


def test_a_file_answered_but_not_marked_done_is_not_answered_twice(tmp_path: Path) -> None:
    services = FolderClearinghouse(tmp_path / "outbound", tmp_path / "inbound")
    clock = ManualClock(START)
    profile = load_profile("clean")
    simulator = FolderSimulator(
        tmp_path / "outbound", tmp_path / "inbound", profile=profile, seed=1, clock=clock
    )
    services.send("a.837", _837([professional_claim()]))
    simulator.poll_once()
    # Put the file back among the taken ones, as if the simulator died before completing it.
    done = simulator.exchange.inbound / ".done" / "a.837"
    done.rename(simulator.exchange.inbound / ".claimed" / "a.837")
    restarted = FolderSimulator(
        tmp_path / "outbound", tmp_path / "inbound", profile=profile, seed=1, clock=clock
    )
    assert restarted.poll_once().taken == []
    assert len(load_truth(restarted.truth_path).claims) == 1
    assert restarted.exchange.unfinished() == []


def test_the_serve_command_runs_on_a_clock_file(tmp_path: Path) -> None:
    services = FolderClearinghouse(tmp_path / "outbound", tmp_path / "inbound")
    clock = tmp_path / "now.txt"
    clock.write_text("2026-03-12T09:00:00+00:00")
    services.send("a.837", _837([professional_claim()]))
    command = [
        "sim", "serve", "--outbound", str(tmp_path / "outbound"), "--inbound",
        str(tmp_path / "inbound"), "--profile", "clean", "--once", "--clock-file", str(clock),
    ]  # fmt: skip
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "delivered a.837.999" in result.output
    clock.write_text("2026-03-27T09:00:00+00:00")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "delivered a.837.277ca" in result.output
    assert len(_waiting(services)) == 3
