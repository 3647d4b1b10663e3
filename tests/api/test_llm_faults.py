"""The LLM down, slow beyond its timeout, or talking garbage: every answer is still graded through the API,
and each fallback is counted in the grade and in /metrics. Real sockets, a fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.main import create_app
from interviewer import Settings
from servers import free_port, serve_in_thread

ANSWERS = [
    "训练时用mini-batch的均值和方差，测试时用滑动平均的全局统计量。",
    "BN normalises each channel with batch statistics.",
]


def fake_llm(mode: str) -> Starlette:
    async def chat(request: Request) -> Response:
        await request.body()
        if mode == "slow":
            await asyncio.sleep(3)
            return JSONResponse({"choices": [{"message": {"content": '{"explained": true}'}}]})
        if mode == "garbage":
            return PlainTextResponse("<html>502 from a confused proxy</html>")
        if mode == "error":
            return JSONResponse({"error": "boom"}, status_code=500)
        return JSONResponse({"choices": [{"message": {"content": "I think the answer is quite good!"}}]})

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def _run_interview(corpus, tmp_path: Path, base_url: str) -> tuple[list[dict], str]:
    settings = Settings(
        data_dir=tmp_path / "svc",
        grader="hybrid",
        llm_base_url=base_url,
        llm_timeout=0.5,
        llm_retries=0,
        rate_limit_per_minute=0,
        # Answers wait for the judging to end: this test is about its fallbacks, not about progressive grading.
        llm_followup_budget=30,
    )
    with TestClient(create_app(settings, corpus=corpus)) as c:
        r = c.post(
            "/v1/sessions",
            json={"topics": ["batch-norm"], "n_questions": 2, "language": "zh", "max_followups": 0, "seed": 3},
        )
        assert r.status_code == 201 and r.json()["llm"] is True
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        grades = []
        for text in ANSWERS:
            a = c.post(f"/v1/sessions/{r.json()['session_id']}/answers", json={"text": text}, headers=auth)
            assert a.status_code == 200, a.text
            grades.append(a.json()["grade"])
        g = c.post("/v1/grade", json={"question_id": "bn-param-count", "answer": "每个通道两个参数 gamma 和 beta"})
        assert g.status_code == 200
        grades.append(g.json())
        return grades, c.get("/metrics").text


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "error", "prose"])
def test_every_answer_is_graded_and_the_fallback_counted(corpus, tmp_path: Path, mode: str) -> None:
    if mode == "down":
        grades, metrics = _run_interview(corpus, tmp_path, f"http://127.0.0.1:{free_port()}/v1")
    else:
        with serve_in_thread(fake_llm(mode), name=f"fake-llm-{mode}") as url:
            grades, metrics = _run_interview(corpus, tmp_path, f"{url}/v1")
    assert len(grades) == 3
    for g in grades:
        assert g["grader"] == "hybrid" and g["fallback"], g
        assert 0 <= g["score"] <= 100 and g["key_points"]
        assert all(kp["decided_by"] == "embedding" for kp in g["key_points"])
    assert 'interviewer_grades_total{grader="hybrid"} 3.0' in metrics
    assert "interviewer_llm_fallbacks_total 3.0" in metrics
