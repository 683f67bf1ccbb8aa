"""revcycle x12_ack commands."""

import typer

app = typer.Typer(no_args_is_help=True, help="x12_ack commands")
