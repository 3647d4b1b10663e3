"""`interviewer serve`: the web service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from interviewer.cli.common import (
    app,
    fail,
    load_corpus,
)
from interviewer.settings import get_settings

if TYPE_CHECKING:
    pass


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Listen address (default from INTERVIEWER_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default from INTERVIEWER_PORT, 8000)."),
) -> None:
    """Run the web service: the API under /v1 and the chat page."""
    import uvicorn

    from api.main import create_app
    from interviewer.grading.registry import GraderConfigError, make_grader

    s = get_settings()
    corpus = load_corpus(s)  # before the server starts, so a bad setting is one line, not a traceback
    try:
        make_grader(corpus, s)
    except GraderConfigError as e:
        fail(str(e))
    # log_config=None: uvicorn's loggers go through the app's handler (JSON lines with the request id); the
    # app writes its own access line, so uvicorn's is off. Keep-alive outlasts the 60 s idle timeout of common
    # proxies and clients, so a reused connection is never closed under a request in flight (seen at 5 s).
    uvicorn.run(
        create_app(s, corpus),
        host=host or s.host,
        port=port or s.port,
        log_config=None,
        access_log=False,
        timeout_keep_alive=65,
    )
