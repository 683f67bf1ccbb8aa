"""The `revcycle` command: one Typer app gathering each area's command group, loaded lazily.

`revcycle --help` lists every group and command from the table below without importing
them; a command's module (and whatever it needs: FastAPI, SQLAlchemy, the X12 toolkit) is
imported only when that command runs or its own help is asked for, so every command starts
in about the time Python and Typer take (`revcycle x12 validate` does not load FastAPI).
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import typer
from typer import _click as click  # Typer 0.29 carries its own copy of click
from typer.core import TyperCommand, TyperGroup

# name -> (module, help). Groups are the module's `app`; merged groups list extra modules
# whose commands join the group (x12 ack lives in its own module).
_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "infra": (("revcycle.commands.infra",), "Start, stop and check local Kafka and PostgreSQL."),
    "events": (("revcycle.commands.events",), "Event contracts: JSON Schema export."),
    "relay": (("revcycle.commands.relay",), "Outbox relay: publish the event store to Kafka."),
    "x12": (
        ("revcycle.commands.x12", "revcycle.commands.x12_ack"),
        "Parse, validate and acknowledge X12 files.",
    ),
    "projections": (("revcycle.commands.projections",), "Rebuild read models."),
    "sim": (("revcycle.commands.sim",), "Payer and clearinghouse simulator: answer X12 files."),
    "claims": (("revcycle.commands.claims",), "Claims: submit, show, worker, timely filing, 276s."),
    "exchange": (("revcycle.commands.exchange",), "Clearinghouse exchange: take answer files."),
    "audit": (("revcycle.commands.audit",), "Audit the books: replay events, check the money."),
    "remit": (("revcycle.commands.remit",), "Remittances: fee schedules, clearinghouse 835s."),
    "intake": (("revcycle.commands.intake",), "Intake: release HL7 visits held for billing."),
}
# Top-level commands (revcycle demo, revcycle scrub...): name -> (module, help).
_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("revcycle.commands.demo", "Run the demo on the embedded default."),
    "ingest": (
        "revcycle.commands.ingest",
        "Ingest X12 files, routed by transaction to their service.",
    ),
    "scrub": ("revcycle.commands.scrub", "Scrub claims (JSON or an 837 batch) before submission."),
    "scrub-docs": ("revcycle.commands.scrub", "Write the scrubber's edit catalogue."),
    "serve": ("revcycle.commands.serve", "Serve the HTTP API (intake and follow-up)."),
    "mllp": ("revcycle.commands.mllp", "Listen for HL7 v2 ADT and DFT messages over MLLP."),
}


def _load(name: str) -> click.Command:
    """The real click command for `name`, importing its module(s) now."""
    command: click.Command
    if name in _GROUPS:
        modules, help_text = _GROUPS[name]
        apps = [import_module(m).app for m in modules]
        group_app = typer.Typer(no_args_is_help=True, help=help_text)
        for app_ in apps:
            group_app.registered_commands.extend(app_.registered_commands)
            group_app.registered_groups.extend(app_.registered_groups)
        command = typer.main.get_group(group_app)
    else:
        module = import_module(_COMMANDS[name][0])
        group = typer.main.get_group(module.app)
        found = group.get_command(click.Context(group), name)
        if found is None:  # pragma: no cover - the table names a command the module lacks
            raise RuntimeError(f"command {name!r} is not defined in {module.__name__}")
        command = found
    command.name = name
    return command


class _LazyGroup(TyperGroup):
    """A group whose subcommands are imported on use; listing them imports nothing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_GROUPS, *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        known = super().get_command(ctx, cmd_name)
        if known is not None:
            return known
        if cmd_name in _GROUPS or cmd_name in _COMMANDS:
            # A stand-in carrying only the name and help, for the command list in --help;
            # resolve_command swaps in the real command before anything runs.
            help_text = (_GROUPS.get(cmd_name) or _COMMANDS[cmd_name])[1]
            return TyperCommand(cmd_name, help=help_text, short_help=help_text)
        return None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and (name in _GROUPS or name in _COMMANDS):
            command = _load(name)
        return name, command, rest


app = typer.Typer(
    cls=_LazyGroup,
    no_args_is_help=True,
    help="Revenue cycle platform: claims, X12, remittances, follow-up.",
    pretty_exceptions_show_locals=False,  # locals may hold patient data
)


@app.callback()
def _root() -> None:
    """Revenue cycle platform: claims, X12, remittances, follow-up."""


def main(*args: Any) -> None:
    """`revcycle` from an imported Typer (the console script is `revcycle.entry.main`,
    which imports nothing of Typer for the plain shapes)."""
    if sys.argv[1:2] == ["x12"]:
        # Plain `x12 validate|parse [flags] FILE` runs without Typer's parameter machinery
        # (pydantic adapters: ~0.2 s CPU a run); it exits. Other shapes go on to Typer.
        from revcycle.commands.x12_plain import run_plain

        run_plain(sys.argv[1:])
    app()
