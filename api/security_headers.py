"""Security headers on every response, and a Content-Security-Policy on every document (HTML, SVG).

- ``X-Content-Type-Options: nosniff`` everywhere: the Markdown report and JSON bodies carry candidate text, and a
  browser that sniffed one as HTML would run it.
- ``Referrer-Policy: no-referrer`` everywhere: the app's URLs carry session ids, nothing in it reads a Referer,
  and its pages link nowhere else; ``strict-origin-when-cross-origin`` would still tell a linked site our origin
  for no gain. (The Origin header that CORS needs is sent all the same.)
- A policy per kind of document, by path (policies below). A response that set its own header keeps it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The HTML report is self-contained: an inline <style>, inline SVG and MathML, no script, image, font or link to
# fetch. Inline styles cannot leak anything when nothing else may load.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# The chat page (api/static/index.html): its scripts, styles and KaTeX's fonts from /static, fetch and the event
# streams to the same origin, the speech APIs need no source. The page's own <meta> policy says the same (a
# browser enforces both); only a header can forbid framing. Inline styles stay allowed: the HTML report the page
# opens from a blob: URL inherits this policy and styles itself with a <style> element, and KaTeX writes some
# style attributes with setAttribute (a formula's error colour, \fbox), which CSP treats as inline style. No inline
# or foreign script can run, which is what stops injected markup.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN and start them with an inline script. A policy
# that allowed that would list CDN hosts that change with FastAPI's versions and allow inline scripts anyway, so
# the docs are left out of the resource rules; they only may not be framed.
DOCS_POLICY = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'"

# Types a browser renders as a document that could run script.
_DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml")


class SecurityHeadersMiddleware:
    """Adds the headers above to each HTTP response (pure ASGI, so streamed responses pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
                if content_type in _DOCUMENT_TYPES:
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def policy_for(path: str) -> str:
    """The policy of a document at ``path``: FastAPI's docs (at its default URLs, and Swagger's OAuth2 redirect
    page under /docs), the chat page and its static files, or, for any other, the report's strict one."""
    if any(path == p or path.startswith(p + "/") for p in ("/docs", "/redoc")):
        return DOCS_POLICY
    if path == "/" or path.startswith("/static/"):
        return PAGE_POLICY
    return REPORT_POLICY


__all__ = ["DOCS_POLICY", "PAGE_POLICY", "REPORT_POLICY", "SecurityHeadersMiddleware", "policy_for"]
