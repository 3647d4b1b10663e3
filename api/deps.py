"""Dependencies shared by the routes."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from interviewer import Corpus, Settings
from interviewer.service import Assessor, InterviewService, Services, SessionAdmin

from .limits import RateLimiter, retry_after_header


def _state(request: Request, name: str) -> Any:
    value = getattr(request.app.state, name, None)
    if value is None:
        raise HTTPException(
            status_code=503, detail="the service is still loading; retry shortly", headers={"Retry-After": "5"}
        )
    return value


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_services(request: Request) -> Services:
    services: Services = _state(request, "services")
    return services


def get_corpus(request: Request) -> Corpus:
    return get_services(request).corpus


def get_interviews(request: Request) -> InterviewService:
    return get_services(request).interviews


def get_assessor(request: Request) -> Assessor:
    return get_services(request).assessor


def get_admin(request: Request) -> SessionAdmin:
    return get_services(request).admin


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
InterviewsDep = Annotated[InterviewService, Depends(get_interviews)]
AssessorDep = Annotated[Assessor, Depends(get_assessor)]
AdminDep = Annotated[SessionAdmin, Depends(get_admin)]


def _presented_key(request: Request) -> str:
    key = request.headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def require_api_key(request: Request) -> None:
    """Admin and batch endpoints: a key from INTERVIEWER_API_KEYS, compared in constant time."""
    keys = request.app.state.settings.api_key_list
    if not keys:
        raise HTTPException(
            status_code=403, detail="this endpoint is disabled; the operator must set INTERVIEWER_API_KEYS"
        )
    presented = _presented_key(request).encode()
    # Compare against every key so the time taken does not say which one nearly matched.
    ok = False
    for k in keys:
        ok |= hmac.compare_digest(presented, k.encode())
    if not presented or not ok:
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API key; send it as 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def client_key(request: Request) -> str:
    """Who a request counts against: its address. Not a session token or a presented key: anyone can mint a new
    session (or make up a key) and would start with a full bucket each time."""
    return "ip:" + (request.client.host if request.client else "unknown")


def rate_limit(request: Request) -> None:
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    wait = limiter.acquire(client_key(request))
    if wait > 0:
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.rate_limited.inc()
        raise HTTPException(
            status_code=429,
            detail=f"too many grading requests; retry in {retry_after_header(wait)} s",
            headers={"Retry-After": retry_after_header(wait)},
        )


RateLimited = Depends(rate_limit)
ApiKey = Depends(require_api_key)
