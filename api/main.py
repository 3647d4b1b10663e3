"""The FastAPI application: thin routes over the `interviewer` library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from interviewer import Corpus, Settings, __version__, get_settings
from interviewer.grading.protocol import GraderProtocol
from interviewer.service import ServiceError, build_services

from .grading_pool import GradingPool
from .http_errors import not_json, service_error
from .limits import BodyLimitMiddleware, rate_budgets
from .observability import Metrics, RequestContextMiddleware, configure_logging, log, metered
from .readiness import ReadinessMonitor
from .retention import periodic_prune
from .routes import admin, grade, health, questions, search, sessions
from .security_headers import SecurityHeadersMiddleware

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, corpus: Corpus | None = None) -> FastAPI:
    """Build the app. The corpus (model + index) and the database are made ready at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start(app)
        app.state.grading_pool = GradingPool(settings.grading_workers)  # per run: its limiter joins this loop
        app.state.readiness = readiness = ReadinessMonitor(app.state.services.engine)
        readiness.start()
        async with periodic_prune(app):  # with INTERVIEWER_PRUNE_INTERVAL_MINUTES > 0
            yield
        readiness.stop()
        services = getattr(app.state, "services", None)
        if services is not None:
            services.close()

    app = FastAPI(
        title="interviewer",
        version=__version__,
        description="Mock machine-learning interviews graded against key points of a curated question bank. "
        "Start with POST /v1/sessions; send the returned token as `Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = None
    app.state.metrics = metrics = Metrics()
    app.state.rate_limiters = rate_budgets(settings)
    app.state.readiness = None
    app.state.grading_pool = None

    configure_logging(settings)

    def count_grades(grader: GraderProtocol) -> GraderProtocol:
        return metered(grader, metrics)

    def start(app: FastAPI) -> None:
        app.state.services = build_services(settings, corpus, wrap_grader=count_grades)

    app.add_exception_handler(ServiceError, service_error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        unsupported = not_json(request, exc.errors())
        if unsupported is not None:
            return unsupported
        # One readable sentence instead of pydantic's error list.
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header"))
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return JSONResponse(status_code=422, content={"detail": "; ".join(parts) or "invalid request"})

    async def _db_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable", extra={"error": type(exc).__name__})
        return JSONResponse(
            status_code=503,
            content={"detail": "the database is unavailable; retry shortly"},
            headers={"Retry-After": "5"},
        )

    # Lost connections surface as OperationalError, InterfaceError or a DBAPIError marked as a disconnect.
    app.add_exception_handler(OperationalError, _db_down)
    app.add_exception_handler(InterfaceError, _db_down)

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return await _db_down(request, exc)
        log.error("database error", exc_info=exc)
        return JSONResponse(status_code=500, content={"detail": "internal database error"})

    for module in (health, search, questions, sessions, grade, admin):
        app.include_router(module.router)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # Outermost last: the request id and metrics wrap everything, including 413s and CORS preflights.
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-API-Key", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID", "Idempotent-Replayed"],
        )
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_request_bytes, timeout=settings.body_timeout_seconds
    )
    app.add_middleware(SecurityHeadersMiddleware)  # outside CORS and the body limit: preflights and 413s too
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    if settings.trusted_proxy_list:
        # In the app rather than left to the server, so that which X-Forwarded-For is believed does not
        # depend on how the app is served (uvicorn itself trusts 127.0.0.1 unless told otherwise; serve turns
        # that off). Outermost: logs, metrics and rate limits all see the forwarded client.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(STATIC / "index.html")

    return app
