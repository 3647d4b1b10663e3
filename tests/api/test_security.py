"""API keys, rate limits, body limits, CORS, request ids, logs, metrics and idempotent answers."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings
from paths import REPO

KEY = "k-" + "x" * 30
ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"
GRADE = {"question_id": "bn-train-test", "answer": ANSWER}


def _client(corpus, tmp_path: Path, **settings) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "svc", **settings), corpus=corpus))


def _session(c: TestClient) -> tuple[str, dict]:
    r = c.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 2, "language": "zh", "seed": 1})
    assert r.status_code == 201, r.text
    return r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}


# --- API keys -----------------------------------------------------------------------------------------


def test_batch_and_admin_are_closed_without_configured_keys(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path) as c:
        for method, path in (("post", "/v1/grade/batch"), ("get", "/v1/admin/sessions"), ("get", "/v1/admin/stats")):
            r = getattr(c, method)(path, headers={"X-API-Key": "anything"})
            assert r.status_code == 403 and "INTERVIEWER_API_KEYS" in r.json()["detail"]


def test_api_keys_guard_batch_and_admin(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, api_keys=f"other-key, {KEY}") as c:
        body = json.dumps(GRADE, ensure_ascii=False).encode()
        assert c.post("/v1/grade/batch", content=body).status_code == 401
        wrong = c.post("/v1/grade/batch", content=body, headers={"X-API-Key": KEY[:-1]})
        assert wrong.status_code == 401 and "X-API-Key" in wrong.json()["detail"]
        assert c.post("/v1/grade/batch", content=body, headers={"X-API-Key": KEY}).status_code == 200
        assert c.post("/v1/grade/batch", content=body, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        # Grading one answer and interviewing stay open.
        assert c.post("/v1/grade", json=GRADE).status_code == 200


def test_admin_lists_counts_and_deletes_sessions(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, api_keys=KEY) as c:
        key = {"X-API-Key": KEY}
        sid, auth = _session(c)
        other, _ = _session(c)
        assert c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=auth).status_code == 200
        listed = c.get("/v1/admin/sessions", headers=key).json()
        assert {s["session_id"] for s in listed} == {sid, other}
        mine = next(s for s in listed if s["session_id"] == sid)
        assert mine["turns"] == 1 and mine["mean_score"] is not None and not mine["finished"]
        assert c.get("/v1/admin/sessions?limit=1", headers=key).json()[0]["session_id"] in {sid, other}
        stats = c.get("/v1/admin/stats", headers=key).json()
        assert stats["sessions"] == 2 and stats["turns"] == 1 and stats["graded_turns"] == 1
        assert c.delete(f"/v1/admin/sessions/{sid}", headers=key).status_code == 204
        assert c.get(f"/v1/sessions/{sid}", headers=auth).status_code == 404
        assert c.delete(f"/v1/admin/sessions/{sid}", headers=key).status_code == 404
        assert c.get("/v1/admin/stats", headers=key).json()["turns"] == 0


# --- rate limit and body size -------------------------------------------------------------------------


def test_grading_is_rate_limited_per_client(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, rate_limit_per_minute=1, rate_limit_burst=3) as c:
        sid, auth = _session(c)  # starting a session has a budget of its own
        assert [c.post("/v1/grade", json=GRADE).status_code for _ in range(3)] == [200, 200, 200]
        r = c.post("/v1/grade", json=GRADE)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and "retry" in r.json()["detail"]
        assert "graded answers" in r.json()["detail"]
        # One client, one bucket: neither its session token nor a made-up key refills it.
        assert c.post(f"/v1/sessions/{sid}/answers", json={"text": "skip"}, headers=auth).status_code == 429
        assert c.post("/v1/grade", json=GRADE, headers={"X-API-Key": "made-up"}).status_code == 429
        # Reading is never limited.
        assert c.get("/v1/topics").status_code == 200
        assert "interviewer_rate_limited_total 3.0" in c.get("/metrics").text


# --- the bypasses the issue 17 probe found, each now refused --------------------------------------------


def _random_credential(i: int) -> dict[str, str]:
    return {"X-API-Key": secrets.token_hex(8)} if i % 2 else {"Authorization": f"Bearer {secrets.token_hex(8)}"}


def test_made_up_credentials_do_not_make_a_new_client(corpus, tmp_path: Path) -> None:
    """30 grades with a random X-API-Key or Bearer each used to get 30 x 200: an unverified credential names no one."""
    with _client(corpus, tmp_path, rate_limit_per_minute=1, rate_limit_burst=5) as c:
        codes = [c.post("/v1/grade", json=GRADE, headers=_random_credential(i)).status_code for i in range(30)]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}


def test_a_valid_api_key_has_a_budget_of_its_own(corpus, tmp_path: Path) -> None:
    """A front end that proves its key is one client wherever its requests come from, apart from the address."""
    with _client(corpus, tmp_path, api_keys=KEY, rate_limit_per_minute=1, rate_limit_burst=2) as c:
        assert [c.post("/v1/grade", json=GRADE).status_code for _ in range(3)] == [200, 200, 429]
        keyed = [c.post("/v1/grade", json=GRADE, headers={"X-API-Key": KEY}).status_code for _ in range(3)]
        assert keyed == [200, 200, 429]


def test_new_sessions_have_a_budget_and_their_tokens_are_no_fresh_allowance(corpus, tmp_path: Path) -> None:
    limits = {"rate_limit_per_minute": 1, "rate_limit_burst": 4, "session_rate_per_minute": 1, "session_rate_burst": 3}
    with _client(corpus, tmp_path, **limits) as c:
        created = [c.post("/v1/sessions", json={"topics": ["batch-norm"]}) for _ in range(5)]
        assert [r.status_code for r in created] == [201, 201, 201, 429, 429]
        assert "new sessions" in created[3].json()["detail"] and "Retry-After" in created[3].headers
        # Each session's token answers within the one client's grading budget, not a budget per session.
        codes = []
        for r in created[:3]:
            sid, auth = r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}
            for _ in range(2):
                codes.append(c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=auth).status_code)
        assert codes == [200, 200, 200, 200, 429, 429]


def test_search_has_a_budget(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, search_rate_per_minute=1, search_rate_burst=3) as c:
        codes = [c.get("/v1/search", params={"q": "BN " * 600}).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert "searches" in c.get("/v1/search", params={"q": "BN"}).json()["detail"]
        assert c.post("/v1/grade", json=GRADE).status_code == 200  # another budget


def test_batch_has_a_budget_per_key(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, api_keys=KEY, batch_rate_per_minute=1, batch_rate_burst=2) as c:
        body = json.dumps(GRADE, ensure_ascii=False).encode()
        codes = [c.post("/v1/grade/batch", content=body, headers={"X-API-Key": KEY}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]


def _forwarded(c: TestClient, addresses: list[str]) -> list[int]:
    return [c.post("/v1/grade", json=GRADE, headers={"X-Forwarded-For": a}).status_code for a in addresses]


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(corpus, tmp_path: Path) -> None:
    """A random X-Forwarded-For each time used to get 30/30 x 200 from a loopback caller."""
    with _client(corpus, tmp_path, rate_limit_per_minute=1, rate_limit_burst=3) as c:
        assert _forwarded(c, [f"203.0.113.{i}" for i in range(6)]) == [200, 200, 200, 429, 429, 429]
    # Behind a named proxy (TestClient's peer is "testclient") the header names the client, and only there.
    with _client(corpus, tmp_path, rate_limit_per_minute=1, rate_limit_burst=1, trusted_proxies="testclient") as c:
        assert _forwarded(c, [f"203.0.113.{i}" for i in range(3)]) == [200, 200, 200]
        assert _forwarded(c, ["198.51.100.7", "198.51.100.7"]) == [200, 429]
    settings = Settings(
        data_dir=tmp_path / "svc", rate_limit_per_minute=1, rate_limit_burst=1, trusted_proxies="10.0.0.0/8"
    )
    with TestClient(create_app(settings, corpus=corpus), client=("192.0.2.9", 4000)) as c:  # not a proxy
        assert _forwarded(c, ["203.0.113.1", "203.0.113.2"]) == [200, 429]


def test_rate_limit_off_with_zero(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, rate_limit_per_minute=0, rate_limit_burst=1) as c:
        assert all(c.post("/v1/grade", json={**GRADE, "answer": "BN"}).status_code == 200 for _ in range(4))


def test_bodies_over_the_limit_get_413_before_grading(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, max_request_bytes=4096, api_keys=KEY) as c:
        big = {"question_id": "bn-train-test", "answer": "很长的回答。" * 600}
        r = c.post("/v1/grade", json=big)
        assert r.status_code == 413 and "4096" in r.json()["detail"]

        def chunks():  # no Content-Length: the limit must hold while reading
            for _ in range(10):
                yield b"x" * 1000

        r = c.post("/v1/grade/batch", content=chunks(), headers={"X-API-Key": KEY})
        assert r.status_code == 413
        assert c.post("/v1/grade", json=GRADE).status_code == 200


# --- CORS -------------------------------------------------------------------------------------------


def _preflight(c: TestClient, origin: str) -> httpx.Response:
    return c.options(
        "/v1/grade",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_is_off_by_default_and_allows_only_configured_origins(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path) as c:
        assert "access-control-allow-origin" not in _preflight(c, "https://evil.example").headers
    with _client(corpus, tmp_path, cors_origins="https://chat.example.com") as c:
        ok = _preflight(c, "https://chat.example.com")
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://chat.example.com"
        assert "access-control-allow-origin" not in _preflight(c, "https://evil.example").headers


# --- request ids, logs, metrics ------------------------------------------------------------------------


def test_request_ids_are_echoed_and_tag_json_log_lines(
    corpus, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with _client(corpus, tmp_path) as c:
        mine = c.get("/v1/topics", headers={"X-Request-ID": "trace-42.a_b"})
        assert mine.headers["x-request-id"] == "trace-42.a_b"
        odd = c.get("/v1/topics", headers={"X-Request-ID": "bad id\n{}"})
        assert odd.headers["x-request-id"] != "bad id\n{}" and len(odd.headers["x-request-id"]) == 32
        c.post("/v1/grade", json={"question_id": "nope", "answer": "x"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    access = [r for r in lines if r.get("message") == "request"]
    mine_line = next(r for r in access if r["request_id"] == "trace-42.a_b")
    assert mine_line["route"] == "/v1/topics" and mine_line["status"] == 200 and mine_line["duration_ms"] >= 0
    assert any(r["status"] == 404 and r["path"] == "/v1/grade" for r in access)
    assert all({"time", "level", "logger", "request_id"} <= r.keys() for r in lines)


def test_metrics_count_requests_by_route_and_grades_by_grader(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path) as c:
        sid, auth = _session(c)
        c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=auth)
        c.post("/v1/grade", json=GRADE)
        c.get(f"/v1/sessions/{'f' * 32}", headers=auth)
        c.get("/no/such/page")
        text = c.get("/metrics").text
    assert 'interviewer_grades_total{grader="embedding"} 2.0' in text
    assert "interviewer_llm_fallbacks_total 0.0" in text
    assert 'route="/v1/sessions/{session_id}/answers",status="200"' in text
    assert 'interviewer_http_errors_total{method="GET",route="/v1/sessions/{session_id}",status="404"} 1.0' in text
    assert 'route="unmatched"' in text and "/no/such/page" not in text


def test_metrics_count_every_row_of_a_batch() -> None:
    """Batch rows go through grade_many, not grade: each is counted all the same."""
    from api.observability import MeteredGrader, Metrics
    from fakes import KeywordGrader
    from interviewer import GraderProtocol, load_bank

    class Keywords(KeywordGrader):
        name, model_id, corpus = "keyword", "keywords", None

        def grade_many(self, items, match_confidences=None):
            return [self.grade(q, a) for q, a in items]

    metrics = Metrics()
    metered = MeteredGrader(Keywords(), metrics)
    assert isinstance(metered, GraderProtocol) and metered.llm is None
    q = load_bank(REPO / "corpus" / "bank").get("bn-train-test")
    metered.grade_many([(q, "a"), (q, "b"), (q, "c")])
    metered.grade(q, "d")
    assert metrics.grades.labels(grader="embedding")._value.get() == 4  # KeywordGrader's grades say "embedding"
    # Anything the protocol does not name is not forwarded: a new grading path must be metered explicitly.
    assert not hasattr(metered, "calls")


# --- idempotent answers -------------------------------------------------------------------------------


def test_a_retried_answer_with_the_same_key_is_stored_once(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path) as c:
        sid, auth = _session(c)
        h = {**auth, "Idempotency-Key": "answer-1"}
        first = c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=h)
        again = c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=h)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert len(c.get(f"/v1/sessions/{sid}", headers=auth).json()["transcript"]) == 1
        clash = c.post(f"/v1/sessions/{sid}/answers", json={"text": "另一个回答"}, headers=h)
        assert clash.status_code == 422 and "Idempotency-Key" in clash.json()["detail"]
        nxt = c.post(
            f"/v1/sessions/{sid}/answers", json={"text": "skip"}, headers={**auth, "Idempotency-Key": "answer-2"}
        )
        assert nxt.status_code == 200 and nxt.json()["turn"] == 1
        # A key is scoped to its session: another session may use the same one.
        sid2, auth2 = _session(c)
        r = c.post(
            f"/v1/sessions/{sid2}/answers", json={"text": ANSWER}, headers={**auth2, "Idempotency-Key": "answer-1"}
        )
        assert r.status_code == 200 and "idempotent-replayed" not in r.headers
        bad = c.post(
            f"/v1/sessions/{sid2}/answers", json={"text": ANSWER}, headers={**auth2, "Idempotency-Key": "x" * 200}
        )
        assert bad.status_code == 422
