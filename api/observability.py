"""Request ids, structured logs and Prometheus metrics.

Every request gets an id (the caller's ``X-Request-ID`` when it is a sane token, else a new one), which is
echoed in the response and attached to every log line written while the request runs. Metrics live in a
registry per app, so several apps in one process (tests, embedding) never collide.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interviewer import Question, Settings
from interviewer.grading.protocol import GraderProtocol, PendingLike, ProgressiveGrader
from interviewer.grading.result import Grade
from interviewer.llm.client import LLMClient

log = logging.getLogger("interviewer.api")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HANDLER_NAME = "interviewer-root"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(settings: Settings) -> None:
    """One handler on the root logger (replaced, not stacked, when called again); uvicorn's loggers join it."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(_RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{request_id}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True


class Metrics:
    """The service's Prometheus metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "interviewer_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
        )
        self.errors = Counter(
            "interviewer_http_errors_total",
            "Responses with status >= 400 (and requests that raised), by route template.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.grades = Counter(
            "interviewer_grades_total",
            "Answers graded, by the grader that graded them.",
            ["grader"],
            registry=self.registry,
        )
        self.llm_fallbacks = Counter(
            "interviewer_llm_fallbacks_total",
            "Grades where the LLM failed and embeddings decided some key points.",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "interviewer_rate_limited_total",
            "Requests refused with 429 by the per-client limit.",
            registry=self.registry,
        )

    def observe_grade(self, grader: str, fallback: str | None) -> None:
        self.grades.labels(grader=grader).inc()
        if fallback:
            self.llm_fallbacks.inc()


class MeteredGrader:
    """Counts every grade (interview answers, /v1/grade and batch rows) without the use cases having to.

    It implements the grader protocol itself rather than forwarding unknown attributes, so a grading method added
    to the protocol cannot bypass the count unnoticed: the type checker asks for it here.
    """

    def __init__(self, inner: GraderProtocol, metrics: Metrics) -> None:
        self.inner = inner
        self._metrics = metrics
        self.name = inner.name
        self.model_id = inner.model_id
        self.corpus = inner.corpus

    @property
    def llm(self) -> LLMClient | None:
        return self.inner.llm

    def _count(self, grade: Grade) -> Grade:
        self._metrics.observe_grade(grade.grader, grade.fallback)
        return grade

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return self._count(self.inner.grade(question, answer, match_confidence))

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]:
        return [self._count(g) for g in self.inner.grade_many(items, match_confidences)]


class MeteredProgressiveGrader(MeteredGrader):
    """The same count for a grader whose final grade comes later: an interview answer counts once, when final."""

    def __init__(self, inner: ProgressiveGrader, metrics: Metrics) -> None:
        super().__init__(inner, metrics)
        self.progressive = inner

    def begin(self, question: Question, answer: str, match_confidence: float | None = None) -> PendingLike:
        pending = self.progressive.begin(question, answer, match_confidence)
        if not pending.needs_llm:  # final already: finish() will not be called
            self._count(pending.instant)
        return pending

    async def finish(self, pending: PendingLike, on_point: Callable[[str, Grade], None] | None = None) -> Grade:
        return self._count(await self.progressive.finish(pending, on_point))


def metered(inner: GraderProtocol, metrics: Metrics) -> GraderProtocol:
    """``inner`` with every grade counted, progressive when it is."""
    if isinstance(inner, ProgressiveGrader):
        return MeteredProgressiveGrader(inner, metrics)
    return MeteredGrader(inner, metrics)


# Methods anyone can make up (a method is any token): each would be a new series, kept for the process's life.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method_label(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in _METHODS else "other"


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if path:
        return str(path)
    # Unmatched paths would give every scanner's guess its own series.
    return "/static" if scope.get("path", "").startswith("/static/") else "unmatched"


class RequestContextMiddleware:
    """Request id, one access-log line per request, latency and error metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = 500
            log.exception("unhandled error", extra={"method": scope["method"], "path": scope["path"]})
            raise
        finally:
            elapsed = time.perf_counter() - start
            route, method = _route_label(scope), _method_label(scope)
            self.metrics.latency.labels(method=method, route=route, status=str(status)).observe(elapsed)
            if status >= 400:
                self.metrics.errors.labels(method=method, route=route, status=str(status)).inc()
            client = scope.get("client")
            log.info(
                "request",
                extra={
                    "method": scope["method"][:16],
                    "path": scope["path"][:512],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "client": client[0] if client else None,
                },
            )
            request_id_var.reset(token)
