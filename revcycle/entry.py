"""The `revcycle` console script: plain `x12 validate|parse` without Typer, the rest by Typer.

`revcycle x12 validate FILE` is what a user (and a clearinghouse's checker) runs most,
often once per file: importing Typer and click and building the command tree costs more
CPU than validating a small file. So the plain shapes of those two commands run from
`revcycle.commands.x12_plain` with nothing else imported; everything else, including their
help and any shape `x12_plain.plain_call` does not take, goes to the Typer app in
`revcycle.cli`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["x12"]:
        from revcycle.commands.x12_plain import run_plain

        run_plain(sys.argv[1:])  # exits when it ran the command
    from revcycle.cli import app

    app()
