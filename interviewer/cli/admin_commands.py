"""`interviewer admin prune`: delete old and never-answered sessions, from cron or by hand.

It opens only the database (no embedding model, no corpus), so it is quick enough for a cron job.
"""

from __future__ import annotations

import json
import math

import typer
from sqlalchemy.exc import SQLAlchemyError

from interviewer.cli.common import admin_app, fail
from interviewer.service.operator import PruneResult, SessionAdmin
from interviewer.settings import get_settings
from interviewer.storage.engine import make_engine, migrate
from interviewer.storage.repository import SessionRepository


def _report(result: PruneResult) -> list[str]:
    verb = "would delete" if result.dry_run else "deleted"
    return [
        f"{verb} {result.stale} sessions not updated since {result.updated_before:%Y-%m-%d %H:%M} UTC",
        f"{verb} {result.unanswered} sessions never answered, started before "
        f"{result.unanswered_created_before:%Y-%m-%d %H:%M} UTC",
    ]


@admin_app.command("prune")
def prune(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be deleted; delete nothing."),
    days: float | None = typer.Option(
        None, "--days", help="Delete sessions not updated for this many days (default: SESSION_RETENTION_DAYS)."
    ),
    unanswered_hours: float | None = typer.Option(
        None,
        "--unanswered-hours",
        help="Delete sessions without an answer this many hours old (default: UNANSWERED_SESSION_HOURS).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts and cutoffs as JSON."),
) -> None:
    """Delete, with their turns, the sessions not updated for --days and those never answered for
    --unanswered-hours; --dry-run only counts them."""
    from alembic.util import CommandError

    s = get_settings()
    retention = s.session_retention_days if days is None else days
    unanswered = s.unanswered_session_hours if unanswered_hours is None else unanswered_hours
    # Refused before the database is touched; the settings' own values were checked when they were read.
    for flag, value in (("--days", retention), ("--unanswered-hours", unanswered)):
        if math.isnan(value) or value <= 0:
            fail(f"{flag} must be a positive number, not {value:g}")
    try:
        # As the server does at start-up: the schema the repository expects, created in an empty database.
        migrate(s.db_url)
        engine = make_engine(s.db_url)
    except (SQLAlchemyError, CommandError) as e:
        fail(f"cannot open the session database: {_one_line(e)}", code=1)
    try:
        result = SessionAdmin(SessionRepository(engine)).prune(retention, unanswered, dry_run=dry_run)
    except SQLAlchemyError as e:
        fail(f"pruning failed: {_one_line(e)}", code=1)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.as_dict()))
    else:
        for line in _report(result):
            typer.echo(line)


def _one_line(error: Exception) -> str:
    # The driver's message without SQLAlchemy's statement dump and background link.
    cause = getattr(error, "orig", None) or error
    return " ".join(str(cause).split())
