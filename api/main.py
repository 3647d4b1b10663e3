"""The FastAPI application: thin routes over the `interviewer` library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from interviewer import Corpus, Settings, __version__, get_settings

from .routes import health, questions, search


def create_app(settings: Settings | None = None, corpus: Corpus | None = None) -> FastAPI:
    """Build the app. The corpus (model + index) loads at start-up unless one is given."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.corpus is None:
            app.state.corpus = Corpus.load(settings)
        yield

    app = FastAPI(
        title="interviewer",
        version=__version__,
        description="Mock machine-learning interviews graded against key points of a curated question bank.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.corpus = corpus

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence instead of pydantic's error list.
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return JSONResponse(status_code=422, content={"detail": "; ".join(parts) or "invalid request"})

    app.include_router(health.router)
    app.include_router(search.router)
    app.include_router(questions.router)
    return app
