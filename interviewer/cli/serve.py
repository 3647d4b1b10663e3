"""`interviewer serve`: the web service."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import typer

from interviewer.cli.common import (
    app,
    fail,
    load_corpus,
)
from interviewer.settings import get_settings

if TYPE_CHECKING:
    import uvicorn


def browser_url(host: str, port: int) -> str:
    """The address to open in a browser for a server listening on ``host``: a wildcard address is not one."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:  # a host name
        pass
    return f"http://{host}:{port}"


def _announcing_server(config: uvicorn.Config) -> uvicorn.Server:
    """A server that says where to open the page once it listens: the JSON log lines are for machines."""
    import socket

    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                port = self.config.port or self.servers[0].sockets[0].getsockname()[1]
                url = browser_url(self.config.host, port)
                typer.echo(f"interviewer: open {url} in a browser (API documentation: {url}/docs)", err=True)

    return AnnouncingServer(config)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Listen address (default from INTERVIEWER_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(
        None, min=0, max=65535, help="Port (default from INTERVIEWER_PORT, 8000; 0 for any free one)."
    ),
) -> None:
    """Run the web service: the API under /v1 and the chat page."""
    from api.main import create_app
    from api.server import uvicorn_config
    from interviewer.grading.registry import GraderConfigError, make_grader

    s = get_settings()
    corpus = load_corpus(s)  # before the server starts, so a bad setting is one line, not a traceback
    try:
        make_grader(corpus, s)
    except GraderConfigError as e:
        fail(str(e))
    config = uvicorn_config(create_app(s, corpus), s, host=host, port=port)
    server = _announcing_server(config)
    server.run()
    if not server.started:  # as uvicorn.run: a server that never listened is a failure
        raise typer.Exit(3)
