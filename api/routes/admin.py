"""Operator endpoints, behind an API key: who is interviewing, how it goes, and deleting a session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response

from ..deps import ApiKey, StoreDep
from ..schemas import AdminSession, AdminStats, ErrorBody
from ..store import StoreError

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    dependencies=[ApiKey],
    # 422: this app answers invalid parameters with ErrorBody (one sentence), not FastAPI's error list.
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


@router.get("/sessions", response_model=list[AdminSession], summary="Sessions, newest first")
def list_sessions(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    finished: Annotated[bool | None, Query()] = None,
) -> list[AdminSession]:
    rows = store.list_sessions(limit, offset, finished)
    means = store.mean_scores([r.id for r in rows])
    return [
        AdminSession(
            session_id=r.id,
            language=r.language,
            finished=r.finished,
            turns=r.turns,
            mean_score=means.get(r.id),
            created_at=r.created_at.isoformat(),
            updated_at=r.updated_at.isoformat(),
        )
        for r in rows
    ]


@router.get("/stats", response_model=AdminStats, summary="Totals over all sessions")
def stats(store: StoreDep) -> AdminStats:
    return AdminStats(**store.stats())


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    summary="Delete a session and its turns",
    responses={404: {"model": ErrorBody}},
)
def delete_session(
    store: StoreDep, session_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
) -> Response:
    try:
        store.delete(session_id)
    except StoreError as e:
        raise HTTPException(status_code=e.status, detail=e.message) from e
    return Response(status_code=204)
