"""Operator use cases: who is interviewing, how it goes, and deleting a session."""

from __future__ import annotations

from typing import Any

from interviewer.service.errors import NotFound
from interviewer.storage.repository import SessionRepository, SessionSummary


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
