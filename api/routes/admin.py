"""Operator endpoints, behind an API key: who is interviewing, how it goes, deleting a session (the right to
erasure: its turns go with it) and pruning old ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from ..deps import AdminDep, ApiKey, SettingsDep
from ..schemas import AdminSession, AdminStats, ErrorBody

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    dependencies=[ApiKey],
    # 422: this app answers invalid parameters with ErrorBody (one sentence), not FastAPI's error list.
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


@router.get("/sessions", response_model=list[AdminSession], summary="Sessions, newest first")
def list_sessions(
    admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    finished: Annotated[bool | None, Query()] = None,
) -> list[AdminSession]:
    return [
        AdminSession(
            session_id=r.id,
            language=r.language,
            finished=r.finished,
            turns=r.turns,
            mean_score=r.mean_score,
            created_at=r.created_at.isoformat(),
            updated_at=r.updated_at.isoformat(),
        )
        for r in admin.sessions(limit, offset, finished)
    ]


@router.get("/stats", response_model=AdminStats, summary="Totals over all sessions")
def stats(admin: AdminDep) -> AdminStats:
    return AdminStats(**admin.stats())


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    summary="Delete a session and its turns",
    responses={404: {"model": ErrorBody}},
)
def delete_session(
    admin: AdminDep, session_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
) -> Response:
    admin.delete(session_id)
    return Response(status_code=204)


class PruneReport(BaseModel):
    stale: int = Field(description="Sessions not updated since `updated_before`.")
    unanswered: int = Field(description="Sessions without a single answer, started before `unanswered_created_before`.")
    total: int
    dry_run: bool = Field(description="True: counted, nothing deleted.")
    updated_before: str
    unanswered_created_before: str


@router.post("/prune", response_model=PruneReport, summary="Delete old and never-answered sessions")
def prune(admin: AdminDep, settings: SettingsDep, dry_run: Annotated[bool, Query()] = False) -> PruneReport:
    """What `interviewer admin prune` does, with the retention settings (INTERVIEWER_SESSION_RETENTION_DAYS,
    INTERVIEWER_UNANSWERED_SESSION_HOURS)."""
    result = admin.prune(settings.session_retention_days, settings.unanswered_session_hours, dry_run=dry_run)
    return PruneReport(**result.as_dict())
