"""Security headers: nosniff and no-referrer on every response, a Content-Security-Policy on every HTML page (the
report's strict one, the chat page's, the docs' framing rule)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.main import STATIC, create_app
from api.security_headers import DOCS_POLICY, PAGE_POLICY, REPORT_POLICY, SecurityHeadersMiddleware, policy_for
from interviewer import Settings

ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"


@pytest.fixture(scope="module")
def client(corpus, tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("svc"), rate_limit_per_minute=0, max_request_bytes=4096)
    with TestClient(create_app(settings, corpus=corpus)) as c:
        yield c


def _directives(policy: str) -> dict[str, str]:
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


def _assert_common(r) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def _report(c: TestClient, fmt: str):
    r = c.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 1, "language": "zh", "seed": 1})
    assert r.status_code == 201, r.text
    _assert_common(r)
    sid, auth = r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}
    assert c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=auth).status_code == 200
    return c.get(f"/v1/sessions/{sid}/report", params={"format": fmt}, headers=auth)


def test_the_html_report_gets_the_strict_policy(client: TestClient) -> None:
    r = _report(client, "html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    _assert_common(r)
    assert r.headers["content-security-policy"] == REPORT_POLICY
    policy = _directives(REPORT_POLICY)
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'" and "script-src" not in policy
    # The policy holds for the page as it is: nothing in it would be blocked but what it never needs.
    page = r.text
    assert "<script" not in page and "<img" not in page and "<link" not in page and "style=" not in page
    assert "<style>" in page and "<svg" in page


def test_the_markdown_and_json_reports_are_not_sniffed(client: TestClient) -> None:
    for fmt, kind in (("md", "text/markdown"), ("json", "application/json")):
        r = _report(client, fmt)
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
        _assert_common(r)
        assert "content-security-policy" not in r.headers  # not a document: a policy would mean nothing


def test_the_chat_page_gets_its_own_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    _assert_common(r)
    assert r.headers["content-security-policy"] == PAGE_POLICY
    header = _directives(PAGE_POLICY)
    assert header["script-src"] == "'self'" and header["frame-ancestors"] == "'none'"
    # The page's own <meta> policy and the header say the same (a browser enforces both: the stricter wins).
    meta = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', r.text)
    assert meta is not None
    assert _directives(meta.group(1)) == {k: v for k, v in header.items() if k != "frame-ancestors"}


def test_the_chat_pages_files_are_served_with_types_nosniff_accepts(client: TestClient) -> None:
    """With nosniff a browser refuses a script or style sheet not labelled as one."""
    for path in sorted(p for p in STATIC.rglob("*") if p.suffix in (".js", ".css")):
        r = client.get(f"/static/{path.relative_to(STATIC).as_posix()}")
        kind = "text/css" if path.suffix == ".css" else "javascript"
        assert r.status_code == 200 and kind in r.headers["content-type"], path
        _assert_common(r)
    assert client.get("/static/index.html").headers["content-security-policy"] == PAGE_POLICY


def test_the_docs_are_only_kept_from_being_framed(client: TestClient) -> None:
    """Swagger UI and ReDoc load from a CDN and start with an inline script: no resource rule, only framing."""
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        _assert_common(r)
        assert r.headers["content-security-policy"] == DOCS_POLICY
    assert "default-src" not in DOCS_POLICY and "script-src" not in DOCS_POLICY


def test_json_and_error_responses_carry_nosniff(client: TestClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/openapi.json"),
        client.get("/v1/sessions/nope", headers={"Authorization": "Bearer x"}),  # 4xx from a route
        client.get("/no/such/route"),  # 404 from the router
        client.post("/v1/sessions", json={"n_questions": "many"}),  # 422
        client.post("/v1/sessions", content=b"{" + b" " * 5000 + b"}", headers={"Content-Type": "application/json"}),
    ]
    assert [r.status_code for r in responses][-1] == 413  # from the body limit, outside the routes
    for r in responses:
        _assert_common(r)
        assert "content-security-policy" not in r.headers


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/", PAGE_POLICY),
        ("/static/index.html", PAGE_POLICY),
        ("/docs", DOCS_POLICY),
        ("/docs/oauth2-redirect", DOCS_POLICY),
        ("/redoc", DOCS_POLICY),
        ("/docsx", REPORT_POLICY),
        ("/staticx", REPORT_POLICY),
        ("/v1/sessions/abc/report", REPORT_POLICY),
    ],
)
def test_any_other_document_gets_the_strict_policy(path: str, policy: str) -> None:
    assert policy_for(path) == policy


def test_a_response_keeps_headers_it_set_and_documents_of_any_html_type_get_a_policy() -> None:
    own = "default-src 'self'"

    def routes() -> list[Route]:
        return [
            Route("/own", lambda _: HTMLResponse("<p>x</p>", headers={"Content-Security-Policy": own})),
            Route("/upper", lambda _: Response("<p>x</p>", media_type="TEXT/HTML; charset=utf-8")),
            Route("/svg", lambda _: Response("<svg/>", media_type="image/svg+xml")),
            Route("/text", lambda _: PlainTextResponse("<p>x</p>", headers={"Referrer-Policy": "same-origin"})),
        ]

    app = Starlette(routes=routes())
    app.add_middleware(SecurityHeadersMiddleware)
    with TestClient(app) as c:
        assert c.get("/own").headers["content-security-policy"] == own
        assert c.get("/upper").headers["content-security-policy"] == REPORT_POLICY
        assert c.get("/svg").headers["content-security-policy"] == REPORT_POLICY
        text = c.get("/text")
        assert "content-security-policy" not in text.headers and text.headers["referrer-policy"] == "same-origin"
        assert text.headers["x-content-type-options"] == "nosniff"
