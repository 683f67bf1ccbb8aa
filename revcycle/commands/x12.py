"""revcycle x12 commands."""

import typer

app = typer.Typer(no_args_is_help=True, help="x12 commands")
