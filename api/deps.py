"""Dependencies shared by the routes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from interviewer import Corpus, Question, Settings
from interviewer.graders import GraderProtocol as Grader
from interviewer.resolve import QuestionResolver

from .limits import RateLimiter, retry_after_header
from .store import SessionStore


def _state(request: Request, name: str) -> Any:
    value = getattr(request.app.state, name, None)
    if value is None:
        raise HTTPException(status_code=503, detail="the service is still loading; retry shortly", headers={"Retry-After": "5"})
    return value


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_corpus(request: Request) -> Corpus:
    return _state(request, "corpus")


def get_grader(request: Request) -> Grader:
    return _state(request, "grader")


def get_resolver(request: Request) -> QuestionResolver:
    return _state(request, "resolver")


def get_store(request: Request) -> SessionStore:
    return _state(request, "store")


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
GraderDep = Annotated[Grader, Depends(get_grader)]
ResolverDep = Annotated[QuestionResolver, Depends(get_resolver)]
StoreDep = Annotated[SessionStore, Depends(get_store)]


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
        raise HTTPException(status_code=403, detail="this endpoint is disabled; the operator must set INTERVIEWER_API_KEYS")
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
    """Who a request counts against: its credential when it has one, else its address."""
    cred = _presented_key(request)
    if cred:
        return "k:" + hashlib.sha256(cred.encode()).hexdigest()[:32]
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


def passages_for(corpus: Corpus):  # noqa: ANN201
    """The report's "what to read": source passages for a question's missed points."""

    def find(question: Question, missed: list[str]) -> list[dict[str, Any]]:
        hits = corpus.search(" ".join([question.question.zh or question.question.en, *missed])[:500], k=2)
        return [
            {"file": h.chunk.file, "start_line": h.chunk.start_line, "end_line": h.chunk.end_line, "title": h.chunk.title, "text": h.chunk.text}
            for h in hits
        ]

    return find
