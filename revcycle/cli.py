"""The `revcycle` command: one Typer app gathering each area's command group."""

from __future__ import annotations

import typer

from revcycle.commands import demo, events, infra, projections, relay, scrub, serve, x12, x12_ack

app = typer.Typer(
    no_args_is_help=True,
    help="Revenue cycle platform: claims, X12, remittances, follow-up.",
    pretty_exceptions_show_locals=False,  # locals may hold patient data
)
app.add_typer(infra.app, name="infra", help="Start, stop and check local Kafka and PostgreSQL.")
app.add_typer(events.app, name="events", help="Event contracts: JSON Schema export.")
app.add_typer(relay.app, name="relay", help="Outbox relay: publish the event store to Kafka.")
app.add_typer(x12.app, name="x12", help="Parse, validate and acknowledge X12 files.")
app.add_typer(projections.app, name="projections", help="Rebuild read models.")
app.add_typer(__import__("revcycle.commands.sim").commands.sim.app, name="sim")
for module in (demo, scrub, serve):
    # These modules expose top-level commands (revcycle demo, revcycle scrub, revcycle serve).
    app.registered_commands.extend(module.app.registered_commands)
x12.app.registered_commands.extend(x12_ack.app.registered_commands)


def main() -> None:
    app()
