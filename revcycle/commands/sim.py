"""revcycle sim: the payer and clearinghouse simulator (answer a folder, or serve a folder pair)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    help="Payer and clearinghouse simulator: 999, 277CA, 835, 271 and 277 answers to our files.",
)

ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="Profile YAML file, or a shipped profile: default, clean (default: default).",
    ),
]
SeedOption = Annotated[
    int, typer.Option("--seed", help="Seed of every draw (same seed, same answers).")
]


def _load_profile(profile: str | None) -> object:
    from simulator.profile import ProfileError, load_profile

    try:
        return load_profile(profile)
    except ProfileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command("respond")
def respond(
    in_dir: Annotated[
        Path,
        typer.Option(
            "--in", help="Folder of X12 files to answer (837, 270, 276).", file_okay=False
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder the answers and truth.jsonl go to.", file_okay=False),
    ],
    profile: ProfileOption = None,
    seed: SeedOption = 0,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="When the files are received (ISO date or date-time; default now, UTC). "
            "Answers are dated from it plus the profile's delays.",
        ),
    ] = None,
) -> None:
    """Answer every file of --in at once into --out, with truth.jsonl beside the answers.

    Each 837 gets a 999 (or a TA1 when its interchange is unreadable), a 277CA for its
    accepted claims and 835s per payer and check; each 270 a 271, each 276 a 277. Answers
    are written atomically; truth.jsonl is appended. Exit 0 when every file was answered
    (rejections included), 2 for a bad option or profile.
    """
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from simulator.clock import parse_instant
    from simulator.profile import Profile
    from simulator.respond import respond as answer_folder
    from simulator.truth import read_truth_lines

    if not in_dir.is_dir():
        typer.echo(f"error: --in {in_dir} is not a folder", err=True)
        raise typer.Exit(2)
    if out_dir.exists() and out_dir.resolve() == in_dir.resolve():
        # The answers (and truth.jsonl) would be read as inbound files on the next run.
        typer.echo("error: --out must be another folder than --in", err=True)
        raise typer.Exit(2)
    loaded = _load_profile(profile)
    assert isinstance(loaded, Profile)
    try:
        received = parse_instant(as_of) if as_of else datetime.now(UTC)
    except ValueError as exc:
        typer.echo(f"error: --as-of {as_of!r} is not an ISO 8601 date or date-time", err=True)
        raise typer.Exit(2) from exc
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        tasks: dict[str, object] = {}

        def progress(stage: str, done: int, total: int) -> None:
            task = tasks.get(stage)
            if task is None:
                task = tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(task, completed=done, total=max(total, 1))  # type: ignore[arg-type]

        before = sum(1 for _ in read_truth_lines(out_dir / "truth.jsonl"))
        result = answer_folder(
            in_dir, out_dir, profile=loaded, seed=seed, as_of=received, progress=progress
        )
    outcomes: dict[str, int] = {}
    for number, raw in enumerate(read_truth_lines(out_dir / "truth.jsonl")):
        if number >= before and raw.get("record") == "claim":
            outcomes[str(raw["outcome"])] = outcomes.get(str(raw["outcome"]), 0) + 1
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.by_kind.items()))
    typer.echo(f"read {result.files_read} file(s); wrote {len(result.answers)}: {kinds or 'none'}")
    if outcomes:
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        typer.echo(f"claims: {result.claims} ({summary})")
    typer.echo(f"truth: {result.truth_path}")


@app.command("serve")
def serve(
    outbound: Annotated[
        Path,
        typer.Option(
            "--outbound", help="Folder our services send files to (read here).", file_okay=False
        ),
    ],
    inbound: Annotated[
        Path,
        typer.Option(
            "--inbound",
            help="Folder our services take answers from (written here).",
            file_okay=False,
        ),
    ],
    profile: ProfileOption = None,
    seed: SeedOption = 0,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="State folder: truth.jsonl, pending answers (default <outbound>/.simulator).",
        ),
    ] = None,
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", min=0.05, help="Seconds between polls.")
    ] = 2.0,
    once: Annotated[
        bool, typer.Option("--once", help="Poll once (take, answer, deliver what is due) and exit.")
    ] = False,
    clock_file: Annotated[
        Path | None,
        typer.Option(
            "--clock-file", help="Read the time from this file (ISO 8601) at each poll, for tests."
        ),
    ] = None,
) -> None:
    """Answer files as they appear in --outbound, delivering each answer into --inbound when
    the profile's delay for it has passed (a 277CA a day later, an 835 two weeks later)."""
    import signal
    import threading

    from simulator.clock import Clock, FileClock, SystemClock
    from simulator.profile import Profile
    from simulator.serve import FolderSimulator

    loaded = _load_profile(profile)
    assert isinstance(loaded, Profile)
    clock: Clock = FileClock(clock_file) if clock_file is not None else SystemClock()
    simulator = FolderSimulator(
        outbound, inbound, profile=loaded, seed=seed, clock=clock, state_dir=state
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    typer.echo(f"serving {outbound} -> {inbound} (state {simulator.state_dir})", err=True)
    try:
        while not stop.is_set():
            result = simulator.poll_once()
            for name in result.taken:
                typer.echo(f"took {name}", err=True)
            for name in result.delivered:
                typer.echo(f"delivered {name}", err=True)
            if once:
                typer.echo(f"{result.waiting} answer(s) waiting for their due time", err=True)
                return
            stop.wait(poll_seconds)
    except KeyboardInterrupt:
        pass
