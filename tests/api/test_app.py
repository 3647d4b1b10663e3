from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings


@pytest.fixture(scope="module")
def client(corpus, session_data):
    app = create_app(Settings(data_dir=session_data), corpus=corpus)
    with TestClient(app) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_search_finds_the_bn_passage(client: TestClient) -> None:
    r = client.get("/v1/search", params={"q": "BN训练和测试有什么区别", "k": 2})
    assert r.status_code == 200
    body = r.json()
    assert len(body["hits"]) == 2 and body["hits"][0]["section"] == "24"
    assert body["hits"][0]["file"] == "dl_interview_zh.md"


@pytest.mark.parametrize(
    "params,status", [({"q": "   "}, 400), ({}, 422), ({"q": "BN", "k": 0}, 422), ({"q": "x" * 3000}, 422)]
)
def test_bad_search_requests_get_a_message(client: TestClient, params: dict, status: int) -> None:
    r = client.get("/v1/search", params=params)
    assert r.status_code == status
    assert isinstance(r.json()["detail"], str) and r.json()["detail"]


def test_questions_and_topics(client: TestClient, corpus) -> None:
    r = client.get("/v1/questions")
    assert r.status_code == 200 and len(r.json()) == len(corpus.bank)
    topics = client.get("/v1/topics").json()
    assert len(topics) == len(corpus.bank.topics)
    if topics:
        t = topics[0]["id"]
        qs = client.get("/v1/questions", params={"topic": t}).json()
        assert qs and all(q["topic"] == t for q in qs)


def test_unknown_topic_is_404(client: TestClient) -> None:
    r = client.get("/v1/questions", params={"topic": "astrology"})
    assert r.status_code == 404 and "unknown topic" in r.json()["detail"]


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/v1/search", "/v1/questions", "/v1/topics"} <= set(paths)
