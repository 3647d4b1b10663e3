from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..readiness import ReadinessMonitor
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
async def readyz(request: Request) -> Ready | JSONResponse:
    # On the event loop and from cached state (api/readiness.py): it answers at once while grading requests
    # hold every worker thread.
    services = getattr(request.app.state, "services", None)
    monitor: ReadinessMonitor | None = getattr(request.app.state, "readiness", None)
    if services is None or monitor is None:
        return JSONResponse(status_code=503, content={"detail": "still loading"}, headers={"Retry-After": "5"})
    db = monitor.status()
    if not db.ok:
        return JSONResponse(status_code=503, content={"detail": db.detail}, headers={"Retry-After": "5"})
    corpus, engine = services.corpus, services.engine
    return Ready(
        status="ready",
        model=corpus.embedder.model_id,
        index_vectors=sum(i.ntotal for i in corpus.index.indexes.values()),
        database=engine.url.get_backend_name(),
    )
