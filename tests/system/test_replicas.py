"""Two `interviewer serve` processes on one PostgreSQL database, as behind a load balancer: any replica can carry
any turn, concurrent answers never both land, and an Idempotency-Key retry on either replica stores one turn."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pg import ApiProcess, prepare_data_dir
from servers import start_session

pytestmark = pytest.mark.postgres

ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def replicas(pg_cluster, corpus, session_data, tmp_path_factory):
    """Replicas A and B, started together (both run the migrations against one fresh database)."""
    url = pg_cluster.create_database()
    root = tmp_path_factory.mktemp("replicas")
    procs = [ApiProcess(prepare_data_dir(root / name, session_data), database_url=url) for name in ("a", "b")]
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.wait_ready()
        yield procs
    finally:
        for p in procs:
            p.stop()
        pg_cluster.drop_database(url.rsplit("/", 1)[-1])


def _start(base: str, **kw) -> tuple[str, dict]:
    return start_session(base, TIMEOUT, **{"n_questions": 15, "seed": 11, **kw})


def _answer(base: str, sid: str, h: dict, text: str, key: str | None = None) -> httpx.Response:
    headers = h | ({"Idempotency-Key": key} if key else {})
    return httpx.post(f"{base}/v1/sessions/{sid}/answers", json={"text": text}, headers=headers, timeout=TIMEOUT)


def _transcript(base: str, sid: str, h: dict) -> list[dict]:
    r = httpx.get(f"{base}/v1/sessions/{sid}", headers=h, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["transcript"]


def test_both_replicas_use_one_database(replicas) -> None:
    a, b = (p.url for p in replicas)
    for base in (a, b):
        assert httpx.get(f"{base}/readyz", timeout=TIMEOUT).json()["database"] == "postgresql"
    sid, h = _start(a)
    r1 = _answer(b, sid, h, ANSWER)
    assert r1.status_code == 200 and r1.json()["turn"] == 0, r1.text
    r2 = _answer(a, sid, h, "不知道")
    assert r2.status_code == 200 and r2.json()["turn"] == 1, r2.text
    for base in (a, b):
        t = _transcript(base, sid, h)
        assert [x["answer"] for x in t] == [ANSWER, "不知道"] and [x["turn"] for x in t] == [0, 1]
    r = httpx.get(f"{b}/v1/sessions/{sid}", headers={"Authorization": "Bearer nope"}, timeout=TIMEOUT)
    assert r.status_code == 401


def test_concurrent_answers_across_replicas_store_only_the_accepted_ones(replicas) -> None:
    a, b = (p.url for p in replicas)
    sid, h = _start(a)
    assert _answer(a, sid, h, ANSWER).status_code == 200
    texts = [f"并发回答 {i}：训练用batch统计量，测试用滑动平均。" for i in range(6)]
    with ThreadPoolExecutor(len(texts)) as pool:
        responses = list(pool.map(lambda it: _answer((a, b)[it[0] % 2], sid, h, it[1]), enumerate(texts)))
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 409}, [(r.status_code, r.text) for r in responses]
    assert codes[200] >= 1
    accepted = {t for t, r in zip(texts, responses, strict=True) if r.status_code == 200}
    for r in responses:
        if r.status_code == 409:
            assert "retry" in r.json()["detail"]
    for base in (a, b):
        t = _transcript(base, sid, h)
        assert [x["turn"] for x in t] == list(range(1 + codes[200]))
        stored = [x["answer"] for x in t[1:]]
        assert len(stored) == len(set(stored)) and set(stored) == accepted
    # Each accepted response names the turn it was stored as.
    assert sorted(r.json()["turn"] for r in responses if r.status_code == 200) == list(range(1, 1 + codes[200]))


def test_idempotent_retries_on_both_replicas_store_one_turn(replicas) -> None:
    a, b = (p.url for p in replicas)
    sid, h = _start(a)
    # Concurrently: the same request sent to both replicas at once, three times each.
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda i: _answer((a, b)[i % 2], sid, h, ANSWER, key="retry-concurrent"), range(6)))
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert all(r.json() == responses[0].json() for r in responses)
    replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
    assert replayed.count("true") == 5 and replayed.count(None) == 1
    # Sequentially: the next answer first on A, then retried on B and A.
    first = _answer(a, sid, h, "不知道", key="retry-sequential")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    for base in (b, a, b):
        again = _answer(base, sid, h, "不知道", key="retry-sequential")
        assert again.status_code == 200 and again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
    other = _answer(b, sid, h, "a different answer", key="retry-sequential")
    assert other.status_code == 422, other.text
    for base in (a, b):
        t = _transcript(base, sid, h)
        assert [x["answer"] for x in t] == [ANSWER, "不知道"]
