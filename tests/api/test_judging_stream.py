"""Progressive grading over HTTP: the answer comes back with the embedding grade at once, the LLM's judgements
stream from /turns/{n}/judging, and the session and the report then hold the final grade. A fake
OpenAI-compatible server on a real socket, a little slow so that the judging outlasts the follow-up budget."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings
from servers import serve_in_thread, yes_llm

ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_the_llm_grade_streams_after_the_instant_one_and_replaces_it(corpus, tmp_path: Path) -> None:
    with serve_in_thread(yes_llm(0.2), name="slow-yes") as url:
        settings = Settings(
            data_dir=tmp_path / "svc",
            grader="hybrid",
            llm_base_url=f"{url}/v1",
            llm_followup_budget=0,
            rate_limit_per_minute=0,
        )
        with TestClient(create_app(settings, corpus=corpus)) as c:
            r = c.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 1, "seed": 5})
            sid, auth = r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}
            a = c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=auth).json()
            instant = a["grade"]
            assert instant["judging"] == "pending"
            assert all(p["decided_by"] == "embedding" for p in instant["key_points"])
            stream = c.get(f"/v1/sessions/{sid}/turns/{a['turn']}/judging", headers=auth)
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            events = _events(stream.text)
            kinds = [k for k, _ in events]
            assert kinds[-1] == "final" and set(kinds[:-1]) <= {"point"}
            final = events[-1][1]["grade"]
            assert final["judging"] == "done" and final["llm_calls"] >= 1
            assert all(p["decided_by"] == "hybrid" for p in final["key_points"])
            # A stream that joins late still gets the final grade; so do the transcript and the report.
            again = _events(c.get(f"/v1/sessions/{sid}/turns/{a['turn']}/judging", headers=auth).text)
            assert again == [("final", {"grade": final})]
            stored = c.get(f"/v1/sessions/{sid}", headers=auth).json()["transcript"][0]["grade"]
            assert stored == final
            assert c.get(f"/v1/sessions/{sid}/turns/7/judging", headers=auth).status_code == 404
            wrong = {"Authorization": "Bearer nope"}
            assert c.get(f"/v1/sessions/{sid}/turns/0/judging", headers=wrong).status_code == 401
