"""The FastAPI application: thin routes over the `interviewer` library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError

from interviewer import Corpus, Settings, __version__, get_settings
from interviewer.graders import make_grader
from interviewer.resolve import QuestionResolver

from .db import make_engine, migrate
from .routes import grading, health, questions, search, sessions
from .store import SessionStore

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, corpus: Corpus | None = None) -> FastAPI:
    """Build the app. The corpus (model + index) and the database are made ready at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start(app)
        yield
        engine = getattr(app.state, "engine", None)
        if engine is not None:
            engine.dispose()

    app = FastAPI(
        title="interviewer",
        version=__version__,
        description="Mock machine-learning interviews graded against key points of a curated question bank. "
        "Start with POST /v1/sessions; send the returned token as `Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.corpus = corpus

    def start(app: FastAPI) -> None:
        if app.state.corpus is None:
            app.state.corpus = Corpus.load(settings)
        c = app.state.corpus
        app.state.grader = make_grader(c, settings)
        app.state.resolver = QuestionResolver(c, settings.question_match_threshold)
        migrate(settings.db_url)
        app.state.engine = make_engine(settings.db_url)
        app.state.store = SessionStore(app.state.engine, c.bank, app.state.grader)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence instead of pydantic's error list.
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header"))
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return JSONResponse(status_code=422, content={"detail": "; ".join(parts) or "invalid request"})

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(
            status_code=503, content={"detail": "the database is unavailable; retry shortly"}, headers={"Retry-After": "5"}
        )

    for module in (health, search, questions, sessions, grading):
        app.include_router(module.router)

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(STATIC / "index.html")

    return app
