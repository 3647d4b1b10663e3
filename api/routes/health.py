from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ..schemas import ErrorBody, Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    # On the event loop, not in the worker threads that grading requests can all occupy: a busy replica
    # still answers its liveness probe at once.
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    summary="Model loaded, index ready, database reachable",
    responses={503: {"model": ErrorBody}},
)
def readyz(request: Request) -> Ready | JSONResponse:
    services = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse(status_code=503, content={"detail": "still loading"}, headers={"Retry-After": "5"})
    corpus, engine = services.corpus, services.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # any driver error means "not ready"
        return JSONResponse(
            status_code=503,
            content={"detail": f"database unreachable: {type(e).__name__}"},
            headers={"Retry-After": "5"},
        )
    return Ready(
        status="ready",
        model=corpus.embedder.model_id,
        index_vectors=sum(i.ntotal for i in corpus.index.indexes.values()),
        database=engine.url.get_backend_name(),
    )
