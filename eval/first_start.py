"""Fresh install to first question: `python -m eval.first_start [--runs 3] [--json]`.

Each run starts `interviewer serve` on a free 127.0.0.1 port with an empty data dir (no index, no embedding
cache, no database), as a fresh install's first start has, and measures from the process start until
`/readyz` answers 200, until `POST /v1/sessions` returns the first question, and until the first answer is
graded (the grader encodes the question's reference texts on its first grade). The server is always stopped
again. The server's environment passes through, so `INTERVIEWER_SHIPPED_VECTORS=false` measures a start that
encodes everything. Prints the load average before each run: other processes on the box slow the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(url: str, body: dict[str, Any] | None = None, token: str = "") -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {}


def one_run(ready_timeout: float) -> dict[str, float]:
    """Seconds from the server's start to ready, to the first question and to the first grade."""
    data_dir = Path(tempfile.mkdtemp(prefix="interviewer-first-start-"))
    port = _free_port()
    env = dict(os.environ, INTERVIEWER_DATA_DIR=str(data_dir), INTERVIEWER_LOG_LEVEL="WARNING")
    base = f"http://127.0.0.1:{port}"
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "interviewer.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"error: the server exited with code {proc.returncode} before it was ready")
            if time.perf_counter() - t0 > ready_timeout:
                raise SystemExit(f"error: the server was not ready within {ready_timeout:.0f} s (--timeout)")
            try:
                if _request(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        ready = time.perf_counter() - t0
        status, created = _request(f"{base}/v1/sessions", {"n_questions": 1, "language": "en"})
        if status != 200 and status != 201:
            raise SystemExit(f"error: POST /v1/sessions answered {status}")
        first_question = time.perf_counter() - t0
        answer = {"text": "I would start from the definition and then explain the trade-offs."}
        status, _ = _request(f"{base}/v1/sessions/{created['session_id']}/answers", answer, created["token"])
        if status >= 400:
            raise SystemExit(f"error: POST /v1/sessions/{{id}}/answers answered {status}")
        first_grade = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"load_1min": load, "ready_s": ready, "first_question_s": first_question, "first_grade_s": first_grade}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=3, help="fresh starts to measure (default 3)")
    p.add_argument("--timeout", type=float, default=900, help="seconds to wait for /readyz (default 900)")
    p.add_argument("--json", action="store_true", help="print the runs as JSON")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    shipped = os.environ.get("INTERVIEWER_SHIPPED_VECTORS", "true")
    runs = [one_run(args.timeout) for _ in range(args.runs)]
    if args.json:
        print(json.dumps({"shipped_vectors": shipped, "runs": runs}, indent=2))
        return 0
    print(f"INTERVIEWER_SHIPPED_VECTORS={shipped}")
    print(f"{'run':>3} {'load':>5} {'ready s':>8} {'1st question s':>15} {'1st grade s':>12}")
    for i, r in enumerate(runs, 1):
        print(
            f"{i:>3} {r['load_1min']:>5.2f} {r['ready_s']:>8.2f} {r['first_question_s']:>15.2f} "
            f"{r['first_grade_s']:>12.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
