"""Dependencies shared by the routes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from interviewer import Corpus, Settings
from interviewer.service import Assessor, InterviewService, Services, SessionAdmin

from .grading_pool import GradingPool
from .limits import BUDGETS, RateLimiter, retry_after_header


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


def get_grading_pool(request: Request) -> GradingPool:
    pool: GradingPool = _state(request, "grading_pool")
    return pool


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
GradingPoolDep = Annotated[GradingPool, Depends(get_grading_pool)]
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


def verified_api_key(request: Request) -> str | None:
    """The configured key the request presents, if any; compared in constant time, once per request."""
    if hasattr(request.state, "api_key"):
        found: str | None = request.state.api_key
        return found
    presented = _presented_key(request).encode()
    found = None
    # Compare against every key so the time taken does not say which one nearly matched.
    for k in request.app.state.settings.api_key_list:
        if hmac.compare_digest(presented, k.encode()) and presented:
            found = k
    request.state.api_key = found
    return found


def require_api_key(request: Request) -> None:
    """Admin and batch endpoints: a key from INTERVIEWER_API_KEYS."""
    if not request.app.state.settings.api_key_list:
        raise HTTPException(
            status_code=403, detail="this endpoint is disabled; the operator must set INTERVIEWER_API_KEYS"
        )
    if verified_api_key(request) is None:
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API key; send it as 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def client_identity(request: Request) -> str:
    """Who a request counts against: the API key it proves it holds, else its address.

    Only a verified credential names a client: a made-up key or a new session's token costs nothing to mint, so
    counting by either would hand out a fresh allowance per request. The address is the peer's, or the one a
    trusted proxy forwarded (INTERVIEWER_TRUSTED_PROXIES; see api/main.py).
    """
    key = verified_api_key(request)
    if key is not None:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return "ip:" + (request.client.host if request.client else "unknown")


def _limit(request: Request, budget: str) -> None:
    limiters: dict[str, RateLimiter] = getattr(request.app.state, "rate_limiters", {})
    limiter = limiters.get(budget)
    if limiter is None:
        return
    wait = limiter.acquire(client_identity(request))
    if wait > 0:
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.rate_limited.inc()
        raise HTTPException(
            status_code=429,
            detail=f"too many {BUDGETS[budget]}; retry in {retry_after_header(wait)} s",
            headers={"Retry-After": retry_after_header(wait)},
        )


def rate_limited(budget: str) -> Any:
    """A dependency that takes one request from the client's ``budget`` (see api.limits.BUDGETS), or 429."""
    if budget not in BUDGETS:
        raise ValueError(f"unknown rate budget {budget!r}")

    def dependency(request: Request) -> None:
        _limit(request, budget)

    return Depends(dependency)


ApiKey = Depends(require_api_key)
