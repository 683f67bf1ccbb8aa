"""revcycle events commands."""

import typer

app = typer.Typer(no_args_is_help=True, help="events commands")
