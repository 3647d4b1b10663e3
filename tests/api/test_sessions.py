from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings

API_KEY = "test-batch-key"
KEY = {"X-API-Key": API_KEY}
ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "svc"


@pytest.fixture
def client(corpus, data_dir: Path):
    # Limits have tests of their own (test_security.py); here they would only count this module's requests.
    settings = Settings(data_dir=data_dir, api_keys=API_KEY, rate_limit_per_minute=0)
    with TestClient(create_app(settings, corpus=corpus)) as c:
        yield c


def _start(c: TestClient, **kw) -> tuple[str, dict]:
    body = {"topics": ["batch-norm"], "n_questions": 2, "language": "zh", "max_followups": 1, "seed": 5, **kw}
    r = c.post("/v1/sessions", json=body)
    assert r.status_code == 201, r.text
    data = r.json()
    return data["session_id"], {"Authorization": f"Bearer {data['token']}"} | {"x-first": json.dumps(data["next"])}


def test_a_whole_interview_over_the_api(client: TestClient) -> None:
    sid, h = _start(client)
    first = json.loads(h.pop("x-first"))
    assert first["kind"] == "question" and first["index"] == 1 and first["total"] == 2
    moves = []
    for _ in range(10):
        r = client.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        moves.append(body["next"]["kind"])
        if body["done"]:
            break
    assert moves[-1] == "done" and "followup" in moves
    assert body["grade"] is not None and 0 <= body["score_so_far"] <= 100
    s = client.get(f"/v1/sessions/{sid}", headers=h).json()
    assert s["finished"] and len(s["transcript"]) == len(moves) and s["next"]["kind"] == "done"
    assert s["transcript"][0]["answer"] == ANSWER and s["transcript"][0]["created_at"]
    rep = client.get(f"/v1/sessions/{sid}/report", headers=h).json()
    assert rep["finished"] and len(rep["questions"]) == 2 and rep["topics"][0]["id"] == "batch-norm"
    md = client.get(f"/v1/sessions/{sid}/report", params={"format": "md"}, headers=h)
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("# 模拟面试报告")
    page = client.get(f"/v1/sessions/{sid}/report", params={"format": "html"}, headers=h)
    assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text
    r = client.post(f"/v1/sessions/{sid}/answers", json={"text": "again"}, headers=h)
    assert r.status_code == 409 and "finished" in r.json()["detail"]


PARTIAL = {
    "zh": ("训练时BN用当前mini-batch的均值和方差。", "测试时用滑动平均的全局均值和方差。"),
    "en": ("In training BN uses the mini-batch mean and variance.", "At test time it uses running averages."),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_turn_says_its_question_score_and_how_it_was_reached(client: TestClient, lang: str) -> None:
    sid, h = _start(client, language=lang)
    assert json.loads(h.pop("x-first"))["question_id"] == "bn-train-test"
    answered = []
    for text in (*PARTIAL[lang], "skip"):
        r = client.post(f"/v1/sessions/{sid}/answers", json={"text": text}, headers=h)
        assert r.status_code == 200, r.text
        answered.append(r.json())
    first, followup, skipped = answered
    assert first["next"]["kind"] == "followup" and followup["next"]["kind"] == "question"
    # A first attempt scores as graded; a follow-up's grade covers only the missing points, the question's score
    # keeps the best of both.
    assert 0 < first["question_score"] < 100 and abs(first["question_score"] - first["grade"]["score"]) < 0.5
    assert followup["question_score"] >= first["question_score"]
    assert skipped["skipped"] and skipped["grade"] is None and skipped["question_score"] == 0
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for body in answered:
        assert body["explanation"] and "\n" not in body["explanation"]
        assert bool(cjk.search(body["explanation"])) == (lang == "zh"), body["explanation"]
        assert f"{round(body['question_score'])}/100" in body["explanation"]
    transcript = client.get(f"/v1/sessions/{sid}", headers=h).json()["transcript"]
    assert [(t["question_score"], t["explanation"]) for t in transcript] == [
        (b["question_score"], b["explanation"]) for b in answered
    ]


def test_restart_loses_nothing_and_the_interview_continues(corpus, data_dir: Path) -> None:
    with TestClient(create_app(Settings(data_dir=data_dir), corpus=corpus)) as c1:
        sid, h = _start(c1, max_followups=0)
        h.pop("x-first")
        assert c1.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=h).status_code == 200
    with TestClient(create_app(Settings(data_dir=data_dir), corpus=corpus)) as c2:  # a new process on the same database
        s = c2.get(f"/v1/sessions/{sid}", headers=h).json()
        assert len(s["transcript"]) == 1 and s["next"]["index"] == 2
        r = c2.post(f"/v1/sessions/{sid}/answers", json={"text": "skip"}, headers=h)
        assert r.status_code == 200 and r.json()["done"]


def test_tokens_guard_sessions(client: TestClient) -> None:
    sid, h = _start(client)
    h.pop("x-first")
    other, h2 = _start(client)
    h2.pop("x-first")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, h2):
        r = client.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=headers)
        assert r.status_code == 401 and "token" in r.json()["detail"]
        assert client.get(f"/v1/sessions/{sid}", headers=headers).status_code == 401
        assert client.get(f"/v1/sessions/{sid}/report", headers=headers).status_code == 401
    assert client.get(f"/v1/sessions/{sid}", headers=h).json()["transcript"] == []  # nothing stored by rejected calls
    assert client.get("/v1/sessions/0123abcd", headers=h).status_code == 404


@pytest.mark.parametrize(
    "body,status,message",
    [
        ({"text": ""}, 400, "empty"),
        ({"text": " \n\t "}, 400, "empty"),
        ({"text": "x" * 9000}, 413, "limit"),
        ({"text": 5}, 422, "text"),
        ({}, 422, "text"),
        ({"text": "ok", "extra": 1}, 422, "extra"),
    ],
)
def test_bad_answers_get_a_clear_4xx_and_store_nothing(
    client: TestClient, body: dict, status: int, message: str
) -> None:
    sid, h = _start(client)
    h.pop("x-first")
    r = client.post(f"/v1/sessions/{sid}/answers", json=body, headers=h)
    assert r.status_code == status and message in r.json()["detail"].lower()
    assert client.get(f"/v1/sessions/{sid}", headers=h).json()["transcript"] == []


def test_an_interview_limited_to_a_topic_group(client: TestClient, corpus) -> None:
    groups = {g["id"]: g for g in client.get("/v1/topic-groups").json()}
    assert set(groups) == {"seed", "modern"}
    assert groups["modern"]["questions"] == sum(len(corpus.bank.by_topic(t)) for t in groups["modern"]["topics"])
    topics = client.get("/v1/topics").json()
    assert {t["id"] for t in topics if t["group"] == "modern"} == set(groups["modern"]["topics"])
    r = client.post("/v1/sessions", json={"topics": ["modern"], "n_questions": 3, "seed": 1})
    assert r.status_code == 201, r.text
    first = corpus.bank.get(r.json()["next"]["question_id"])
    assert first.topic in groups["modern"]["topics"]
    r = client.post("/v1/sessions", json={"topics": ["vintage"]})
    assert r.status_code == 400 and "groups: modern, seed" in r.json()["detail"]


def test_malformed_bodies_and_bad_options(client: TestClient) -> None:
    r = client.post("/v1/sessions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    for body, msg in (
        ({"topics": ["astrology"]}, "unknown topic"),
        ({"n_questions": 0}, "n_questions"),
        ({"language": "fr"}, "language"),
        ({"difficulty": [3, 1]}, "difficulty"),
    ):
        r = client.post("/v1/sessions", json=body)
        assert r.status_code in (400, 422) and msg in r.json()["detail"], (body, r.json())


def test_control_characters_are_removed_not_fatal(client: TestClient) -> None:
    sid, h = _start(client)
    h.pop("x-first")
    r = client.post(f"/v1/sessions/{sid}/answers", json={"text": "BN\x00训练\x07用batch统计量 😀 émoji"}, headers=h)
    assert r.status_code == 200
    assert "\x00" not in client.get(f"/v1/sessions/{sid}", headers=h).json()["transcript"][0]["answer"]


def test_grade_endpoint(client: TestClient) -> None:
    r = client.post("/v1/grade", json={"question_id": "bn-train-test", "answer": ANSWER})
    assert r.status_code == 200 and r.json()["question_id"] == "bn-train-test" and r.json()["score"] > 40
    r = client.post("/v1/grade", json={"question": "BN层训练和测试有什么不同？", "answer": ANSWER})
    assert r.status_code == 200 and r.json()["match_confidence"] >= 0.85
    r = client.post(
        "/v1/grade",
        json={
            "question": "What is dropout?",
            "reference": "Dropout randomly zeroes units.",
            "answer": "It zeroes random units.",
        },
    )
    assert r.status_code == 200 and r.json()["key_points"]
    assert client.post("/v1/grade", json={"question_id": "nope", "answer": "x"}).status_code == 404
    assert client.post("/v1/grade", json={"answer": "x"}).status_code == 422
    assert client.post("/v1/grade", json={"question_id": "bn-train-test", "answer": "  "}).status_code == 400


def test_batch_endpoint(client: TestClient) -> None:
    rows = [
        {"id": "a", "question_id": "bn-train-test", "answer": ANSWER, "score": 9},
        {"id": "b", "question_id": "bn-train-test", "answer": "不知道", "score": 0},
        {"id": "c", "question_id": "bn-train-test", "answer": "BN训练时用batch统计量", "score": 4},
    ]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{oops\n"
    r = client.post("/v1/grade/batch", content=body.encode(), headers={"content-type": "application/x-ndjson", **KEY})
    assert r.status_code == 200
    out = r.json()
    assert [x["id"] for x in out["results"]] == ["a", "b", "c"] and len(out["problems"]) == 1
    assert out["metrics"]["n"] == 3 and out["metrics"]["pearson"] is not None
    r = client.post(
        "/v1/grade/batch", content=json.dumps({"question_id": "bn-train-test", "answer": "x"}).encode(), headers=KEY
    )
    assert r.status_code == 200 and r.json()["metrics"] is None
    assert client.post("/v1/grade/batch", content=b"", headers=KEY).status_code == 400
    assert client.post("/v1/grade/batch", content=b"\xff\xfe", headers=KEY).status_code == 400


def test_question_detail_readyz_and_chat_page(client: TestClient) -> None:
    q = client.get("/v1/questions/bn-param-count").json()
    assert q["key_points"] and q["reference_en"] and q["source"]["file"] == "dl_interview_zh.txt"
    assert client.get("/v1/questions/nope").status_code == 404
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["database"] == "sqlite" and ready["index_vectors"] > 100
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()


def test_migrations_create_and_then_leave_an_existing_database_alone(tmp_path: Path) -> None:
    from sqlalchemy import inspect, text

    from interviewer.storage.engine import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'x' / 'db.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO interview_session "
                "(id, token_hash, language, finished, state, turns, created_at, updated_at) "
                "VALUES ('ab', 'h', 'zh', 0, '{}', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    migrate(url)  # an existing, current database: nothing happens, nothing is lost
    assert {"interview_session", "turn", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM interview_session")).scalar() == 1


def _sse(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_followup_stream_without_an_llm_sends_the_probe(client: TestClient) -> None:
    sid, h = _start(client, max_followups=2)
    h.pop("x-first")
    r = client.post(f"/v1/sessions/{sid}/answers", json={"text": "BN就是一种归一化。"}, headers=h)
    nxt = r.json()["next"]
    assert nxt["kind"] == "followup"
    s = client.get(f"/v1/sessions/{sid}/followup", headers=h)
    assert s.status_code == 200 and s.headers["content-type"].startswith("text/event-stream")
    events = _sse(s.text)
    assert events[-1][0] == "done" and events[-1][1]["origin"] == "bank"
    assert events[-1][1]["text"] == nxt["text"] and events[-1][1]["sources"][0].startswith("dl_interview_zh.md:")
    client.post(f"/v1/sessions/{sid}/answers", json={"text": "skip"}, headers=h)
    assert client.get(f"/v1/sessions/{sid}/followup", headers=h).status_code == 409


def test_feedback_stream_without_an_llm_summarises_the_grade(client: TestClient) -> None:
    sid, h = _start(client, max_followups=1, language="en")
    h.pop("x-first")
    assert client.get(f"/v1/sessions/{sid}/feedback", headers=h).status_code == 409
    client.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=h)
    events = _sse(client.get(f"/v1/sessions/{sid}/feedback", headers=h).text)
    done = events[-1][1]
    assert events[-1][0] == "done" and done["origin"] == "bank" and done["sources"]
    assert (
        done["text"].startswith(("You covered:", "The answer did not"))
        and "You could add:" in done["text"]
        or "All key points" in done["text"]
    )
