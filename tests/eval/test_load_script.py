"""Smoke test of the load generator (eval/load.py): a few seconds, 2 candidates, against uvicorn in a thread."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from eval.load import TARGET_ROUTE, LoadError, check_loopback, run_load

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def base_url(corpus, tmp_path: Path):
    import uvicorn

    from api.main import create_app
    from interviewer import Settings

    app = create_app(Settings(data_dir=tmp_path / "load-data"), corpus=corpus)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="load-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def test_load_runs_interviews_without_errors(base_url: str) -> None:
    result = asyncio.run(run_load(base_url, candidates=2, duration=4, think=0.2, seed=3, n_questions=2, warmup=False))
    assert result["requests"] > 0 and result["rps"] > 0
    assert result["errors"] == 0, result["last_error"]
    assert result["interviews_started"] >= 2
    routes = {e["route"]: e for e in result["endpoints"]}
    assert {"POST /v1/sessions", TARGET_ROUTE} <= set(routes)
    answers = routes[TARGET_ROUTE]
    assert answers["count"] >= 2
    assert answers["p50_ms"] <= answers["p95_ms"] <= answers["p99_ms"] <= answers["max_ms"]
    assert set(answers) >= {
        "route",
        "count",
        "rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "errors",
        "errors_by_status",
    }
    assert set(result["target"]) == {"rule", "answers_p95_ms", "met"}
    assert result["target"]["answers_p95_ms"] == answers["p95_ms"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1/", "http://[::1]:8000"])
def test_loopback_urls_pass(url: str) -> None:
    assert check_loopback(url) == url.rstrip("/")


def test_remote_url_is_refused_with_one_line_and_exit_2() -> None:
    with pytest.raises(LoadError):
        check_loopback("http://10.1.2.3:8000")
    assert check_loopback("http://10.1.2.3:8000", allow_remote=True) == "http://10.1.2.3:8000"
    proc = subprocess.run(
        [sys.executable, "-m", "eval.load", "--url", "http://192.0.2.7:8000", "--duration", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "--allow-remote" in lines[0]
    assert proc.stdout == ""
