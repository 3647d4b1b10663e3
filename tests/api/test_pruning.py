"""Retention over the API: POST /v1/admin/prune, DELETE of one session (the right to erasure), and the server's
periodic prune (INTERVIEWER_PRUNE_INTERVAL_MINUTES)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from api.main import create_app
from api.retention import periodic_prune
from interviewer import Settings
from interviewer.service.operator import PruneResult
from interviewer.storage.tables import InterviewSession, TurnRecord

KEY = "k-" + "p" * 30
HEADERS = {"X-API-Key": KEY}
ANSWER = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"


def _client(corpus, tmp_path: Path, **settings) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "svc", **settings), corpus=corpus))


def _session(c: TestClient, answers: int = 0) -> tuple[str, dict]:
    r = c.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 2, "language": "zh", "seed": 1})
    assert r.status_code == 201, r.text
    sid, auth = r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}
    for _ in range(answers):
        assert c.post(f"/v1/sessions/{sid}/answers", json={"text": ANSWER}, headers=auth).status_code == 200
    return sid, auth


def _engine(c: TestClient) -> sa.Engine:
    engine: sa.Engine = c.app.state.services.engine
    return engine


def _age(c: TestClient, sid: str, age: timedelta) -> None:
    moment = datetime.now(UTC) - age
    with _engine(c).begin() as conn:
        conn.execute(
            sa.update(InterviewSession)
            .where(col(InterviewSession.id) == sid)
            .values(created_at=moment, updated_at=moment)
        )


def _turns(c: TestClient) -> dict[str, int]:
    with Session(_engine(c)) as db:
        rows = db.exec(select(TurnRecord.session_id, func.count()).group_by(col(TurnRecord.session_id)))
        return {sid: n for sid, n in rows}


def _ids(c: TestClient) -> set[str]:
    with Session(_engine(c)) as db:
        return set(db.exec(select(InterviewSession.id)))


def test_prune_is_behind_the_api_key(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path) as c:
        assert c.post("/v1/admin/prune", headers=HEADERS).status_code == 403
    with _client(corpus, tmp_path, api_keys=KEY) as c:
        assert c.post("/v1/admin/prune").status_code == 401
        assert c.post("/v1/admin/prune", headers={"X-API-Key": KEY[:-1]}).status_code == 401
        assert c.post("/v1/admin/prune", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_prune_counts_with_a_dry_run_then_deletes_old_and_unanswered_sessions(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, api_keys=KEY) as c:
        old, old_auth = _session(c, answers=1)
        _age(c, old, timedelta(days=31))
        unanswered, _ = _session(c)
        _age(c, unanswered, timedelta(hours=25))
        kept, kept_auth = _session(c, answers=1)
        just_started, _ = _session(c)

        dry = c.post("/v1/admin/prune", params={"dry_run": "true"}, headers=HEADERS)
        assert dry.status_code == 200, dry.text
        body = dry.json()
        assert (body["stale"], body["unanswered"], body["total"], body["dry_run"]) == (1, 1, 2, True)
        assert datetime.fromisoformat(body["updated_before"]) < datetime.now(UTC) - timedelta(days=29)
        assert _ids(c) == {old, unanswered, kept, just_started}
        assert c.get(f"/v1/sessions/{old}", headers=old_auth).status_code == 200

        done = c.post("/v1/admin/prune", headers=HEADERS).json()
        assert (done["stale"], done["unanswered"], done["dry_run"]) == (1, 1, False)
        assert _ids(c) == {kept, just_started} and _turns(c) == {kept: 1}
        assert c.get(f"/v1/sessions/{old}", headers=old_auth).status_code == 404
        transcript = c.get(f"/v1/sessions/{kept}", headers=kept_auth).json()["transcript"]
        assert [t["answer"] for t in transcript] == [ANSWER]


def test_deleting_a_session_erases_its_turns_and_nothing_else(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, api_keys=KEY) as c:
        gone, _ = _session(c, answers=2)
        other, other_auth = _session(c, answers=1)
        assert _turns(c) == {gone: 2, other: 1}
        assert c.delete(f"/v1/admin/sessions/{gone}", headers=HEADERS).status_code == 204
        assert _ids(c) == {other} and _turns(c) == {other: 1}
        assert c.get(f"/v1/sessions/{other}", headers=other_auth).status_code == 200


def _eventually(check: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_the_server_prunes_by_itself_while_it_runs(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path, prune_interval_minutes=0.001) as c:  # every 60 ms
        old, _ = _session(c, answers=1)
        unanswered, _ = _session(c)
        kept, _ = _session(c, answers=1)
        _age(c, old, timedelta(days=40))
        _age(c, unanswered, timedelta(days=2))
        assert _eventually(lambda: _ids(c) == {kept})
        assert _turns(c) == {kept: 1}
    # Leaving the block ran the shutdown: the prune task was cancelled before the database was closed, or the
    # lifespan would have raised here.


def test_the_server_does_not_prune_by_default(corpus, tmp_path: Path) -> None:
    with _client(corpus, tmp_path) as c:
        old, _ = _session(c, answers=1)
        _age(c, old, timedelta(days=400))
        time.sleep(0.2)
        assert _ids(c) == {old}


# --- the periodic task on its own -------------------------------------------------------------------------


class _Admin:
    """Counts prunes; the first ``failures`` raise as a database that is down would."""

    def __init__(self, failures: int = 0, hold: bool = False) -> None:
        self.calls = 0
        self.failures = failures
        self.hold = hold  # keep "pruning" until told to stop, as a long first prune would
        self.holding = threading.Event()
        self.stopped_early = False

    def prune(self, days: float, hours: float, keep_going: Callable[[], bool]) -> PruneResult:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        if self.hold:
            self.holding.set()
            deadline = time.monotonic() + 10
            while keep_going() and time.monotonic() < deadline:
                time.sleep(0.005)
            self.stopped_early = not keep_going()
        moment = datetime.now(UTC)
        return PruneResult(1, 0, False, moment - timedelta(days=days), moment - timedelta(hours=hours))


def _app(admin: _Admin, minutes: float) -> SimpleNamespace:
    settings = Settings(prune_interval_minutes=minutes)
    return SimpleNamespace(state=SimpleNamespace(settings=settings, services=SimpleNamespace(admin=admin)))


async def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert check()


def test_a_failing_prune_is_logged_and_retried_and_the_task_ends_at_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = _Admin(failures=2)

    async def run() -> asyncio.Task[None] | None:
        async with periodic_prune(_app(admin, 0.001)) as task:
            await _until(lambda: admin.calls >= 4)
            assert task is not None and not task.done()
        return task

    with caplog.at_level(logging.DEBUG, logger="interviewer.api"):
        task = asyncio.run(run())
    assert task is not None and task.done()
    failed = [r for r in caplog.records if "pruning old sessions failed" in r.getMessage()]
    assert len(failed) == 2 and all(r.levelno == logging.WARNING for r in failed)
    assert any("pruned 1 old and 0 never-answered sessions" in r.getMessage() for r in caplog.records)
    calls = admin.calls
    time.sleep(0.1)
    assert admin.calls == calls


def test_a_shutdown_stops_a_long_prune_between_batches() -> None:
    admin = _Admin(hold=True)

    async def run() -> None:
        async with periodic_prune(_app(admin, 60)):
            await _until(admin.holding.is_set)

    asyncio.run(asyncio.wait_for(run(), timeout=8))
    assert admin.stopped_early and admin.calls == 1


def test_no_task_when_the_interval_is_zero() -> None:
    admin = _Admin()

    async def run() -> asyncio.Task[None] | None:
        async with periodic_prune(_app(admin, 0)) as task:
            await asyncio.sleep(0.05)
        return task

    assert asyncio.run(run()) is None and admin.calls == 0
