"""Crashes: the API process killed with SIGKILL mid-interview, and PostgreSQL restarted under traffic.

Every answer acknowledged with 200 must survive; nothing is stored twice; the interview carries on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from pg import ApiProcess, prepare_data_dir, start_pg_cluster
from servers import start_session

ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"
# Long enough that grading it takes a while: the process is killed while this request is being handled.
LONG_ANSWER = "".join(
    f"第{i}点：训练时用当前batch的均值和方差归一化，推理时用滑动平均的全局统计量，γ和β可学习。" for i in range(60)
)
TIMEOUT = 30.0


def _start(base: str, **kw) -> tuple[str, dict]:
    return start_session(base, TIMEOUT, **{"n_questions": 4, "seed": 3, **kw})


def _stored(url: str, sid: str) -> tuple[int, list[tuple[int, str]]]:
    """What the database itself holds: the session's turn counter and its turn rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.execute(sa.text("SELECT turns FROM interview_session WHERE id = :s"), {"s": sid}).scalar_one()
            rows = conn.execute(
                sa.text("SELECT idx, answer FROM turn WHERE session_id = :s ORDER BY idx"), {"s": sid}
            ).all()
    finally:
        engine.dispose()
    return n, [tuple(r) for r in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path, corpus, session_data: Path) -> tuple[Path, str, str]:
    """(data dir seeded with the built index, INTERVIEWER_DATABASE_URL, the URL the test reads the DB with)."""
    data = prepare_data_dir(tmp_path / "svc", session_data)
    if request.param == "sqlite":
        return data, "", f"sqlite:///{data / 'interviewer.db'}"
    url = request.getfixturevalue("pg_db_url")
    return data, url, url


def test_sigkill_mid_interview_loses_no_acknowledged_turn(backend: tuple[Path, str, str]) -> None:
    data, database_url, read_url = backend
    api = ApiProcess(data, database_url).start()
    try:
        base = api.wait_ready().url
        sid, h = _start(base)
        for text in (ANSWER, "不知道"):
            r = httpx.post(f"{base}/v1/sessions/{sid}/answers", json={"text": text}, headers=h, timeout=TIMEOUT)
            assert r.status_code == 200, r.text

        # A third answer in flight when the process dies.
        outcome: dict = {}

        def third() -> None:
            try:
                outcome["response"] = httpx.post(
                    f"{base}/v1/sessions/{sid}/answers", json={"text": LONG_ANSWER}, headers=h, timeout=TIMEOUT
                )
            except httpx.HTTPError as e:
                outcome["error"] = e

        t = threading.Thread(target=third)
        t.start()
        time.sleep(0.3)
        api.kill()
        t.join(TIMEOUT)
        assert not t.is_alive()
        assert api.proc.returncode == -9
    finally:
        api.stop()

    acked = "response" in outcome and outcome["response"].status_code == 200
    n, rows = _stored(read_url, sid)
    assert n == len(rows) and [i for i, _ in rows] == list(range(n))  # the counter and the rows agree
    assert n in (2, 3) and [a for _, a in rows[:2]] == [ANSWER, "不知道"]
    if acked:
        assert n == 3
    if n == 3:
        assert rows[2][1] == LONG_ANSWER

    api = ApiProcess(data, database_url).start()  # the same database, a new process (and port)
    try:
        base = api.wait_ready().url
        s = httpx.get(f"{base}/v1/sessions/{sid}", headers=h, timeout=TIMEOUT).json()
        assert [x["answer"] for x in s["transcript"]] == [a for _, a in rows]
        assert all(x["created_at"] for x in s["transcript"])
        assert not s["finished"] and s["next"]["index"] == n + 1
        for _ in range(10):
            r = httpx.post(f"{base}/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=h, timeout=TIMEOUT)
            assert r.status_code == 200, r.text
            if r.json()["done"]:
                break
        s = httpx.get(f"{base}/v1/sessions/{sid}", headers=h, timeout=TIMEOUT).json()
        assert s["finished"] and len(s["transcript"]) == 4 and s["next"]["kind"] == "done"
        rep = httpx.get(f"{base}/v1/sessions/{sid}/report", headers=h, timeout=TIMEOUT)
        assert rep.status_code == 200 and rep.json()["finished"]
    finally:
        api.stop()
    n, rows = _stored(read_url, sid)
    assert n == len(rows) == 4


class Traffic(threading.Thread):
    """One client answering and reading a session in a loop, the way a well-behaved client does: an answer that
    gets no 200 is retried with the same Idempotency-Key until it does, then the next answer is sent."""

    def __init__(self, base: str, sid: str, headers: dict) -> None:
        super().__init__(daemon=True)
        self.base, self.sid, self.h = base, sid, headers
        # (sent, answered, op, status or error, Retry-After), times from time.monotonic()
        self.log: list[tuple[float, float, str, int | str, str | None]] = []
        self.acked: list[str] = []
        self.halt = threading.Event()
        self.client = httpx.Client(timeout=10.0)

    def _record(self, op: str, fn) -> httpx.Response | None:
        sent = time.monotonic()
        try:
            r = fn()
        except httpx.HTTPError as e:
            self.log.append(
                (sent, time.monotonic(), op, f"{type(e).__name__} after {time.monotonic() - sent:.1f} s", None)
            )
            return None
        self.log.append((sent, time.monotonic(), op, r.status_code, r.headers.get("Retry-After")))
        return r

    def run(self) -> None:
        i = 0
        while not self.halt.is_set():
            text = f"回答 {i}：训练时用batch统计量，推理时用滑动平均。"
            r = self._record(
                "answer",
                lambda text=text, i=i: self.client.post(
                    f"{self.base}/v1/sessions/{self.sid}/answers", json={"text": text},
                    headers=self.h | {"Idempotency-Key": f"answer-{i}"},
                ),
            )
            if r is not None and r.status_code == 200:
                self.acked.append(text)
                i += 1
            self._record("get", lambda: self.client.get(f"{self.base}/v1/sessions/{self.sid}", headers=self.h))
            time.sleep(0.1)
        self.client.close()

    def statuses(self, sent_after: float = 0.0, answered_before: float = float("inf")) -> list:
        return [s for sent, answered, _, s, _ in self.log if sent >= sent_after and answered < answered_before]

    def wait_for(self, condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False


@pytest.mark.postgres
def test_postgres_restart_under_traffic_gives_503_then_recovers(corpus, session_data: Path, tmp_path: Path) -> None:
    cluster = start_pg_cluster()  # its own server: stopping the session's one would disturb other tests
    api = None
    traffic = None
    try:
        url = cluster.create_database()
        api = ApiProcess(prepare_data_dir(tmp_path / "svc", session_data), url).start()
        base = api.wait_ready().url
        sid, h = _start(base, n_questions=20, max_followups=2)
        traffic = Traffic(base, sid, h)
        traffic.start()
        assert traffic.wait_for(lambda: len(traffic.acked) >= 3, 30), traffic.log

        down = time.monotonic()
        cluster.stop("fast")
        stopped = time.monotonic()
        assert traffic.wait_for(lambda: 503 in traffic.statuses(sent_after=stopped), 15), traffic.log
        time.sleep(1.5)
        up = time.monotonic()
        cluster.restart()
        assert traffic.wait_for(lambda: 200 in traffic.statuses(sent_after=up), 10), traffic.log
        recovered = min(answered for sent, answered, _, s, _ in traffic.log if sent >= up and s == 200)
        time.sleep(1.5)
        traffic.halt.set()
        traffic.join(30)
        assert not traffic.is_alive()

        log = traffic.log
        # Never a 500, never a hang: only 200 (up) and 503 (down), each 503 telling the client when to retry.
        assert {s for *_, s, _ in log} <= {200, 503}, [e for e in log if e[3] not in (200, 503)]
        assert all(ra is not None and int(ra) > 0 for *_, s, ra in log if s == 503)
        assert set(traffic.statuses(answered_before=down)) == {200}
        assert set(traffic.statuses(sent_after=stopped, answered_before=up)) == {503}
        assert recovered - up < 5, log
        assert set(traffic.statuses(sent_after=recovered)) == {200}, log

        # Every acknowledged answer is stored, once, in order; nothing else is.
        r = httpx.get(f"{base}/v1/sessions/{sid}", headers=h, timeout=TIMEOUT)
        assert [x["answer"] for x in r.json()["transcript"]] == traffic.acked
        n, rows = _stored(url, sid)
        assert n == len(rows) == len(traffic.acked) and [a for _, a in rows] == traffic.acked
    finally:
        if traffic is not None:
            traffic.halt.set()
            traffic.join(30)
        if api is not None:
            api.stop()
        cluster.destroy()
