"""revcycle x12 ack: write our 999 acknowledgment of an inbound X12 file (an 837 batch)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="x12_ack commands")


@app.command("ack")
def ack(
    file: Annotated[
        Path, typer.Argument(help="Inbound X12 file (837P/837I batch)", exists=True, dir_okay=False)
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the 999 here (default: stdout)")
    ] = None,
) -> None:
    """Write the 999 for an inbound file: A accepted, E accepted with errors, R rejected.

    Control numbers come from the persistent sequence in the project database. The exit
    status is 0 when a 999 was written (whatever its verdict), 1 when none can be written.
    """
    # Imported here so `revcycle --help` does not load the X12 toolkit and the database.
    from shared.x12.ack import AckError, acknowledge
    from shared.x12.control_numbers import ControlNumberError, DatabaseControlNumbers

    numbers = DatabaseControlNumbers()
    try:
        result = acknowledge(file, created_at=datetime.now(UTC), numbers=numbers)
    except (AckError, ControlNumberError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        numbers.close()
    if output is None:
        typer.echo(result.text, nl=False)
    else:
        # Write next to the target then rename, so a reader never sees half a 999.
        partial = output.with_name(output.name + ".partial")
        partial.write_text(result.text, encoding="ascii")
        partial.replace(output)
    for group in result.groups:
        verdicts = ", ".join(f"{s.control_number}={s.status}" for s in group.sets)
        typer.echo(
            f"group {group.control_number}: AK9 {group.group_status}, "
            f"{group.accepted} of {len(group.sets)} sets accepted ({verdicts})",
            err=True,
        )
    for issue in result.interchange_issues:
        typer.echo(f"interchange: {issue}", err=True)
