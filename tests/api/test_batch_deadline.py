"""POST /v1/grade/batch over INTERVIEWER_GRADE_DEADLINE_SECONDS: a 200 with what was graded, the rest as problems,
and ``partial`` set. The assessor's clock is replaced by one that ticks a second per reading, so the test does
not depend on how fast the machine grades."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings

KEY = {"X-API-Key": "deadline-key", "Content-Type": "application/x-ndjson"}
ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"


@pytest.fixture(scope="module")
def client(corpus, tmp_path_factory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("deadline"),
        api_keys="deadline-key",
        rate_limit_per_minute=0,
        grade_deadline_seconds=1.5,
        log_level="ERROR",
    )
    with TestClient(create_app(settings, corpus=corpus), raise_server_exceptions=False) as c:
        yield c


def _body(n: int) -> bytes:
    rows = [{"id": f"r{i}", "question_id": "bn-train-test", "answer": f"{ANSWER}（{i}）"} for i in range(n)]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def test_a_batch_over_its_deadline_is_a_partial_200(client: TestClient) -> None:
    assessor = client.app.state.services.assessor
    assert assessor.deadline_seconds == 1.5  # the setting reaches the use case
    ticks = itertools.count()
    assessor.clock = lambda: float(next(ticks))  # each reading is one second later
    try:
        r = client.post("/v1/grade/batch", content=_body(40), headers=KEY)
    finally:
        assessor.clock = time.monotonic
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    # One chunk of 32 rows before the deadline (clock 1 of 1.5 s), none after (clock 2).
    assert body["partial"] is True
    assert [x["id"] for x in body["results"]] == [f"r{i}" for i in range(32)]
    assert all(x["grade"]["score"] >= 60 for x in body["results"])
    assert body["problems"] == [
        f"line {i + 1} (id r{i}): not graded: the batch passed its 1.5 s grading deadline; "
        "send the remaining rows in another request"
        for i in range(32, 40)
    ]


def test_a_batch_within_its_deadline_is_whole(client: TestClient) -> None:
    # One chunk: the deadline is checked before it, when no time has passed.
    r = client.post("/v1/grade/batch", content=_body(3), headers=KEY)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["partial"] is False and r.json()["problems"] == [] and len(r.json()["results"]) == 3
