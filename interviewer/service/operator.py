"""Operator use cases: who is interviewing, how it goes, deleting a session, and pruning old ones."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from interviewer.service.errors import InvalidRequest, NotFound
from interviewer.storage.repository import PruneCounts, SessionRepository, SessionSummary

# Older than anything stored: the cutoff of a retention longer than the calendar goes back.
_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PruneResult:
    stale: int  # sessions not updated since updated_before
    unanswered: int  # sessions without a turn created before unanswered_created_before
    dry_run: bool  # counted, nothing deleted
    updated_before: datetime
    unanswered_created_before: datetime

    @property
    def total(self) -> int:
        return self.stale + self.unanswered

    def as_dict(self) -> dict[str, Any]:
        return {
            "stale": self.stale,
            "unanswered": self.unanswered,
            "total": self.total,
            "dry_run": self.dry_run,
            "updated_before": self.updated_before.isoformat(),
            "unanswered_created_before": self.unanswered_created_before.isoformat(),
        }


def _before(now: datetime, age: timedelta) -> datetime:
    try:
        return now - age
    except OverflowError:
        return _EPOCH


def _age(value: float, unit: str, what: str) -> timedelta:
    if math.isnan(value) or value <= 0:
        raise InvalidRequest(f"{what} must be a positive number of {unit}, not {value:g}")
    try:
        return timedelta(**{unit: value})
    except OverflowError:  # longer than a timedelta holds (infinity: keep for ever): nothing stored is that old
        return timedelta.max


def prune_cutoffs(
    retention_days: float, unanswered_hours: float, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """(updated_before, unanswered_created_before): sessions last updated before the first, and sessions without
    an answer created before the second, are due for deletion at ``now`` (the current time if not given; a naive
    ``now`` is UTC, as the tables keep it)."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (
        _before(moment, _age(retention_days, "days", "the retention")),
        _before(moment, _age(unanswered_hours, "hours", "the wait for a first answer")),
    )


class SessionAdmin:
    def __init__(self, repository: SessionRepository) -> None:
        self.repository = repository

    def sessions(self, limit: int, offset: int, finished: bool | None = None) -> list[SessionSummary]:
        """Newest first, with each session's mean score over its graded turns."""
        return self.repository.list_sessions(limit, offset, finished)

    def stats(self) -> dict[str, Any]:
        return self.repository.stats()

    def delete(self, session_id: str) -> None:
        if not self.repository.delete(session_id):
            raise NotFound(f"no session {session_id!r}")

    def prune(
        self,
        retention_days: float,
        unanswered_hours: float,
        now: datetime | None = None,
        dry_run: bool = False,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> PruneResult:
        """Delete the sessions (with their turns) not updated for ``retention_days`` and those never answered
        ``unanswered_hours`` after they started; with ``dry_run`` only count them. ``keep_going`` is asked
        between batches, so a shutdown can stop a long prune (see SessionRepository.prune)."""
        updated_before, unanswered_before = prune_cutoffs(retention_days, unanswered_hours, now)
        counts: PruneCounts = (
            self.repository.count_prunable(updated_before, unanswered_before)
            if dry_run
            else self.repository.prune(updated_before, unanswered_before, keep_going)
        )
        return PruneResult(counts.stale, counts.unanswered, dry_run, updated_before, unanswered_before)
