"""The command line: `interviewer ...`, a front over the same use cases as the web API.

A module per command group; importing it registers its commands on the apps in ``common``.
"""

from __future__ import annotations

import typer

from interviewer.cli import admin_commands, bench, corpus_commands, grading_commands, practice, serve
from interviewer.cli.common import app

# Importing a command module registers its commands on the apps.
COMMANDS = (corpus_commands, grading_commands, practice, serve, bench, admin_commands)


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as e:  # a bad INTERVIEWER_* value: say which, not a traceback
        err = e.errors()[0]
        name = "INTERVIEWER_" + str(err["loc"][0]).upper() if err.get("loc") else "a setting"
        typer.echo(f"error: invalid {name}: {err['msg']}", err=True)
        raise SystemExit(2) from None


__all__ = ["app", "main"]
