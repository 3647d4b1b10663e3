"""Liveness and readiness answer while the grading pool is saturated; readiness reflects the database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from api.main import create_app
from api.readiness import ReadinessMonitor
from interviewer import Settings
from interviewer.service.assessments import Assessor
from servers import serve_in_thread

GRADING_WORKERS = 3


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_readiness_reports_an_unreachable_database_and_an_overdue_check(tmp_path: Path) -> None:
    clock = Clock()
    good = ReadinessMonitor(create_engine(f"sqlite:///{tmp_path / 'ok.db'}"), interval=2.0, clock=clock)
    assert good.check().ok and good.status().ok
    clock.now += 12  # the background check has not come back for over three intervals
    assert not good.status().ok and "overdue" in good.status().detail
    bad = ReadinessMonitor(create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"), clock=clock)
    status = bad.check()
    assert not status.ok and "database unreachable" in status.detail


def test_the_monitor_thread_starts_and_stops(tmp_path: Path) -> None:
    monitor = ReadinessMonitor(create_engine(f"sqlite:///{tmp_path / 'ok.db'}"), interval=0.01)
    monitor.start()
    monitor.stop()
    assert monitor.status().ok and monitor._thread is not None and not monitor._thread.is_alive()


def test_health_and_readiness_answer_while_the_grading_pool_is_saturated(
    corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, busy, lock = threading.Event(), [0], threading.Lock()
    saturated = threading.Event()
    real = Assessor.grade_one

    def slow_grade(self, *args, **kwargs):  # a grade that takes until the test lets it go
        with lock:
            busy[0] += 1
            if busy[0] >= GRADING_WORKERS:
                saturated.set()
        release.wait(60)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Assessor, "grade_one", slow_grade)
    settings = Settings(
        data_dir=tmp_path / "svc", rate_limit_per_minute=0, grading_workers=GRADING_WORKERS, log_level="ERROR"
    )
    with serve_in_thread(create_app(settings, corpus=corpus), name="saturated-uvicorn", settings=settings) as url:
        grade = {"question_id": "bn-train-test", "answer": "训练时用mini-batch统计量。"}
        with ThreadPoolExecutor(50) as pool:
            pending = [pool.submit(httpx.post, f"{url}/v1/grade", json=grade, timeout=120) for _ in range(50)]
            try:
                assert saturated.wait(60), "the grading requests never filled the grading pool"
                # Every grading thread is held and 47 more grades wait for one. The probes must not, and
                # neither must reading a transcript, which needs no grading thread.
                for _ in range(5):
                    assert httpx.get(f"{url}/healthz", timeout=10).json() == {"status": "ok"}
                    ready = httpx.get(f"{url}/readyz", timeout=10)
                    assert ready.status_code == 200 and ready.json()["status"] == "ready"
                assert httpx.get(f"{url}/v1/topics", timeout=10).status_code == 200
                assert sum(not f.done() for f in pending) == 50
            finally:
                release.set()
            assert all(f.result().status_code == 200 for f in pending)
