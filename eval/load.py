"""Bounded load generator for the API: `python -m eval.load --start` or `python -m eval.load --url URL`.

N simulated candidates (asyncio + httpx, one connection pool) each run whole interviews in a loop:
create a session, answer every move after a think time (randomised ±50 %) with 1-5 sentences of a
dev-set answer in the interview's language (sometimes "skip"), fetch the report when done, start again.
Starts are spread over one think time; no new request is sent after the duration, requests in flight
finish. Prints requests/s, latency percentiles and errors per endpoint (route template), and whether
the target (p95 of POST answers <= 300 ms, 0 errors) was met, and the server's memory (RSS, peak). Meanwhile
a probe polls /healthz and /readyz every 0.25 s on a connection of its own, as an orchestrator would (target:
p99 <= 100 ms however busy the server is).

Loopback only unless --allow-remote: this is a load generator, not a tool to point at other people's
servers. With --start it runs `interviewer serve` itself on a free 127.0.0.1 port with a temporary copy of
a data dir (index + embedding cache, no database), and always stops it again (also on Ctrl-C).

The script needs only httpx and rich (not the interviewer package), so it can run from another box.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

DEV = Path(__file__).resolve().parent / "datasets" / "seed_dev.jsonl"
TARGET_ROUTE = "POST /v1/sessions/{id}/answers"
TARGET_P95_MS = 300.0
PROBE_ROUTES = ("GET /healthz", "GET /readyz")
PROBE_TARGET_P99_MS = 100.0
PROBE_EVERY_S = 0.25
SKIPS = {"zh": ["跳过", "不知道", "下一题"], "en": ["skip", "I don't know", "next question"]}
# Sentence ends as the grader sees them: Chinese stops always, ASCII ones before a space or the end.
_SENT = re.compile(r".+?(?:[。！？!?]+|\.(?=\s|$)|$)", re.S)


class LoadError(Exception):
    """A problem the user can fix (bad URL, server did not start): one line, exit code 2 or 1."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------------------------- answers


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


@dataclass
class AnswerBank:
    """Dev-set answers by (question id, language) and by language."""

    by_q: dict[tuple[str, str], list[str]]
    by_lang: dict[str, list[str]]

    @classmethod
    def load(cls, path: Path = DEV) -> AnswerBank:
        by_q: dict[tuple[str, str], list[str]] = defaultdict(list)
        by_lang: dict[str, list[str]] = defaultdict(list)
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            text, lang = (row.get("answer") or "").strip(), row.get("lang") or "en"
            if not text:
                continue
            by_q[(row.get("question_id") or "", lang)].append(text)
            by_lang[lang].append(text)
        return cls(dict(by_q), dict(by_lang))

    def pick(self, rng: random.Random, question_id: str | None, lang: str, skip_rate: float) -> str:
        if rng.random() < skip_rate:
            return rng.choice(SKIPS[lang])
        pool = (
            self.by_q.get((question_id or "", lang))
            or self.by_lang.get(lang)
            or [t for v in self.by_lang.values() for t in v]
        )
        sents = sentences(rng.choice(pool))
        n = rng.randint(1, 5)
        joiner = "" if lang == "zh" else " "
        return joiner.join(sents[:n]) or "skip"


# --------------------------------------------------------------------------------------------- stats


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # ms, successful or not
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # route -> status/kind -> n
    # graded answers: ms by length
    by_sentences: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    interviews_started: int = 0
    interviews_finished: int = 0
    answers_skipped: int = 0
    started: float = 0.0
    ended: float = 0.0
    last_error: str = ""

    def record(self, route: str, ms: float, error: str | None) -> None:
        self.latencies[route].append(ms)
        if error is not None:
            self.errors[route][error] += 1


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summarise(stats: Stats, config: dict[str, Any]) -> dict[str, Any]:
    wall = max(1e-9, (stats.ended or time.perf_counter()) - stats.started)
    endpoints = []
    total = total_errors = 0
    for route in sorted(stats.latencies, key=lambda r: (r.split(" ", 1)[1], r)):
        lat = stats.latencies[route]
        errs = dict(sorted(stats.errors.get(route, Counter()).items()))
        n_err = sum(errs.values())
        total += len(lat)
        total_errors += n_err
        endpoints.append(
            {
                "route": route,
                "count": len(lat),
                "rps": round(len(lat) / wall, 2),
                "p50_ms": round(percentile(lat, 50), 1),
                "p95_ms": round(percentile(lat, 95), 1),
                "p99_ms": round(percentile(lat, 99), 1),
                "max_ms": round(max(lat), 1),
                "errors": n_err,
                "errors_by_status": errs,
            }
        )
    answers = next((e for e in endpoints if e["route"] == TARGET_ROUTE), None)
    p95 = answers["p95_ms"] if answers else None
    met = bool(answers) and p95 is not None and p95 <= TARGET_P95_MS and total_errors == 0
    probes = [e for e in endpoints if e["route"] in PROBE_ROUTES]
    probe_p99 = max((e["p99_ms"] for e in probes), default=None)
    errors_by_status: Counter = Counter()
    for c in stats.errors.values():
        errors_by_status.update(c)
    return {
        "config": config,
        "wall_s": round(wall, 1),
        "requests": total,
        "rps": round(total / wall, 2),
        "errors": total_errors,
        "errors_by_status": dict(sorted(errors_by_status.items())),
        "last_error": stats.last_error or None,
        "interviews_started": stats.interviews_started,
        "interviews_finished": stats.interviews_finished,
        "answers_skipped": stats.answers_skipped,
        "endpoints": endpoints,
        "answers_by_sentences": {
            str(n): {"count": len(v), "p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1)}
            for n, v in sorted(stats.by_sentences.items())
        },
        "target": {
            "rule": f"p95 of {TARGET_ROUTE} <= {TARGET_P95_MS:g} ms and 0 errors",
            "answers_p95_ms": p95,
            "met": met,
        },
        "probes": {
            "rule": f"p99 of /healthz and /readyz <= {PROBE_TARGET_P99_MS:g} ms",
            "p99_ms": probe_p99,
            "met": probe_p99 is not None and probe_p99 <= PROBE_TARGET_P99_MS,
        },
    }


# --------------------------------------------------------------------------------------------- candidates


class Client:
    """Times every request and files it under its route template; never raises on HTTP errors."""

    def __init__(self, http: httpx.AsyncClient, stats: Stats) -> None:
        self.http = http
        self.stats = stats

    async def call(
        self, method: str, path: str, route: str, token: str | None = None, body: Any = None
    ) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        t = time.perf_counter()
        try:
            r = await self.http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            self._fail(route, t, "timeout", f"{route}: timed out")
            return None
        except httpx.HTTPError as e:
            self._fail(route, t, type(e).__name__, f"{route}: {type(e).__name__}: {e}")
            return None
        ms = (time.perf_counter() - t) * 1000
        if r.status_code >= 400:
            self.stats.record(route, ms, str(r.status_code))
            self.stats.last_error = f"{route}: {r.status_code} {r.text[:200]}"
            return r
        self.stats.record(route, ms, None)
        return r

    def _fail(self, route: str, t: float, kind: str, message: str) -> None:
        self.stats.record(route, (time.perf_counter() - t) * 1000, kind)
        self.stats.last_error = message


def _think(rng: random.Random, think: float) -> float:
    return think * rng.uniform(0.5, 1.5)


async def _sleep_until(deadline: float, seconds: float) -> bool:
    """Sleep, but not past the deadline; False when the deadline is reached."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return False
    if seconds > 0:
        await asyncio.sleep(min(seconds, left))
    return time.perf_counter() < deadline


async def candidate(
    client: Client, answers: AnswerBank, cfg: dict[str, Any], deadline: float, rng: random.Random, once: bool = False
) -> None:
    """One simulated candidate: interviews one after another until the deadline (just one with ``once``)."""
    stats = client.stats
    if not once and not await _sleep_until(deadline, rng.uniform(0, cfg["think"])):  # ramp-up
        return
    while time.perf_counter() < deadline:
        lang = rng.choice(cfg["languages"])
        body = {
            "topics": [],
            "n_questions": cfg["n_questions"],
            "language": lang,
            "max_followups": cfg["max_followups"],
        }
        r = await client.call("POST", "/v1/sessions", "POST /v1/sessions", body=body)
        if r is None or r.status_code != 201:
            await _sleep_until(deadline, _think(rng, cfg["think"]))
            continue
        stats.interviews_started += 1
        created = r.json()
        sid, token, move = created["session_id"], created["token"], created["next"]
        done = False
        while not done:
            if not await _sleep_until(deadline, _think(rng, cfg["think"])):
                return  # the duration is over mid-interview: leave it unfinished
            if rng.random() < cfg["reload_rate"]:  # the candidate reloads the page: the chat fetches the state
                await client.call("GET", f"/v1/sessions/{sid}", "GET /v1/sessions/{id}", token=token)
            text = answers.pick(rng, move.get("question_id"), lang, cfg["skip_rate"])
            t = time.perf_counter()
            r = await client.call("POST", f"/v1/sessions/{sid}/answers", TARGET_ROUTE, token=token, body={"text": text})
            if r is not None and r.status_code == 200 and r.json().get("grade") is not None:
                stats.by_sentences[len(sentences(text))].append((time.perf_counter() - t) * 1000)
            if r is not None and r.status_code == 429:
                await _sleep_until(deadline, float(r.headers.get("retry-after", "1")))
                continue  # same move again
            if r is None or r.status_code != 200:
                break  # abandon this interview, start another
            out = r.json()
            stats.answers_skipped += bool(out.get("skipped"))
            move, done = out["next"], out["done"]
        if done:
            if not await _sleep_until(deadline, _think(rng, cfg["think"]) / 2):
                return
            r = await client.call("GET", f"/v1/sessions/{sid}/report", "GET /v1/sessions/{id}/report", token=token)
            if r is not None and r.status_code == 200:
                stats.interviews_finished += 1
        if once:
            return
        await _sleep_until(deadline, _think(rng, cfg["think"]))


async def _warm_up(http: httpx.AsyncClient, answers: AnswerBank, cfg: dict[str, Any], seed: int) -> Stats:
    stats = Stats()
    for lang in cfg["languages"]:
        await candidate(Client(http, stats), answers, {**cfg, "think": 0.0, "languages": [lang]},
                        time.perf_counter() + 60, random.Random(seed), once=True)  # fmt: skip
    return stats


async def warm_up(url: str, seed: int = 0, timeout: float = 30.0, languages: tuple[str, ...] = ("zh", "en")) -> None:
    """One uncounted interview per language (see run_load)."""
    cfg = {"n_questions": 3, "max_followups": 1, "skip_rate": 0.0, "reload_rate": 0.0, "languages": list(languages)}
    async with httpx.AsyncClient(base_url=url, timeout=timeout, trust_env=False) as http:
        stats = await _warm_up(http, AnswerBank.load(), cfg, seed)
    if stats.errors:
        raise LoadError(f"the warm-up interview failed: {stats.last_error}", 1)


async def probe_health(url: str, stats: Stats, deadline: float, every: float = PROBE_EVERY_S) -> None:
    """What an orchestrator sees: /healthz and /readyz on a connection of their own, every ``every`` seconds."""
    async with httpx.AsyncClient(base_url=url, timeout=10.0, trust_env=False) as http:
        client = Client(http, stats)
        while time.perf_counter() < deadline:
            for route in PROBE_ROUTES:
                method, path = route.split(" ")
                await client.call(method, path, route)
            await asyncio.sleep(every)


async def run_load(
    url: str,
    candidates: int = 20,
    duration: float = 60.0,
    think: float = 5.0,
    seed: int = 0,
    timeout: float = 30.0,
    n_questions: int = 3,
    max_followups: int = 1,
    skip_rate: float = 0.08,
    reload_rate: float = 0.05,
    languages: tuple[str, ...] = ("zh", "en"),
    stats: Stats | None = None,
    warmup: bool = True,
) -> dict[str, Any]:
    """Run the candidates against ``url`` for ``duration`` seconds after a ramp-up of ``think`` seconds.

    With ``warmup``, one interview per language is run first and not counted: the server's first grade
    loads what it loads lazily (the Chinese tokenizer's dictionary, ...), a one-off that is no load figure.
    """
    cfg = {
        "url": url,
        "candidates": candidates,
        "duration_s": duration,
        "think_s": think,
        "seed": seed,
        "timeout_s": timeout,
        "n_questions": n_questions,
        "max_followups": max_followups,
        "skip_rate": skip_rate,
        "reload_rate": reload_rate,
        "languages": list(languages),
        "warmup": warmup,
    }
    stats = stats if stats is not None else Stats()
    answers = AnswerBank.load()
    # Idle connections are dropped after 4 s, before uvicorn's keep-alive timeout (5 s) closes them: with
    # equal timeouts a request sent on a connection the server is closing fails with a ReadError, a client
    # artefact that a browser retries and that is no figure of the server.
    limits = httpx.Limits(
        max_connections=candidates + 4, max_keepalive_connections=candidates + 4, keepalive_expiry=4.0
    )
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits, trust_env=False) as http:
        if warmup:
            await _warm_up(http, answers, cfg, seed)
        client = Client(http, stats)
        stats.started = time.perf_counter()
        deadline = stats.started + think + duration
        master = random.Random(seed)
        tasks = [
            asyncio.create_task(
                candidate(client, answers, {**cfg, "think": think}, deadline, random.Random(master.random()))
            )
            for _ in range(candidates)
        ]
        tasks.append(asyncio.create_task(probe_health(url, stats, deadline)))
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            stats.ended = time.perf_counter()
    return summarise(stats, cfg)


# --------------------------------------------------------------------------------------------- url check


def check_loopback(url: str, allow_remote: bool = False) -> str:
    """The URL without a trailing slash; LoadError unless it is http(s) on a loopback host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadError(f"{url!r} is not an http(s) URL like http://127.0.0.1:8000")
    if not allow_remote:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise LoadError(
                f"{host} is not a loopback address; load only local servers, or pass --allow-remote for one you run"
            )
    return url.rstrip("/")


# --------------------------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (Linux /proc), 0 elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    procs = Path("/proc")
    if not procs.is_dir():
        return 0.0
    for stat in procs.glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        p, ppid = int(stat.parent.name), int(fields[1])
        if p == pid or ppid == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _rss_mib(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a process and its children, in MiB (0 elsewhere)."""
    now = peak = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except (OSError, ValueError):
            continue
        p, ppid = int(status.parent.name), int(fields.get("PPid", "0").strip() or 0)
        if p == pid or ppid == pid:
            now += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
            peak += int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    return round(now, 1), round(peak, 1)


def _box_busy_seconds() -> float | None:
    """CPU seconds all processes on the box have used (Linux /proc/stat), None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


class Server:
    """`interviewer serve` (or uvicorn with --workers N) on a free loopback port with a temp data dir copy."""

    def __init__(
        self, data_dir: Path | None, workers: int = 1, ready_timeout: float = 600.0, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.env = env or {}
        self.workers = workers
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen | None = None
        self.tmp: Path | None = None
        self.url = ""
        self.log_path: Path | None = None

    def __enter__(self) -> Server:
        self.tmp = Path(tempfile.mkdtemp(prefix="interviewer-load-"))
        data = self.tmp / "data"
        if self.data_dir is not None:
            if not self.data_dir.is_dir():
                raise LoadError(
                    f"data dir {self.data_dir} does not exist; "
                    "give one with an index, e.g. .pytest_cache/interviewer-data"
                )
            # The index and the embedding cache, not the database: every run starts with an empty one.
            shutil.copytree(self.data_dir, data, ignore=shutil.ignore_patterns("interviewer.db*"))
        else:
            data.mkdir()
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, **self.env, "INTERVIEWER_DATA_DIR": str(data)}
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        # The limit is per client address, and every simulated candidate comes from 127.0.0.1.
        env.setdefault("INTERVIEWER_RATE_LIMIT_PER_MINUTE", "0")
        if self.workers > 1:
            cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", str(self.workers), "--no-access-log"]  # fmt: skip
        else:
            cmd = [sys.executable, "-m", "interviewer.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        self.log_path = self.tmp / "server.log"
        with open(self.log_path, "wb") as log:
            # Own process group: Ctrl-C in the terminal reaches only us, and we stop the server ourselves.
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.ready_timeout
        ok_in_a_row = 0
        while ok_in_a_row < 2 * self.workers:
            if self.proc.poll() is not None:
                raise LoadError(
                    f"the server exited with code {self.proc.returncode} before it was ready:\n{self.log_tail()}", 1
                )
            if time.monotonic() > deadline:
                raise LoadError(f"the server was not ready after {self.ready_timeout:g} s:\n{self.log_tail()}", 1)
            try:
                r = httpx.get(self.url + "/readyz", timeout=5, trust_env=False)
                ok_in_a_row = ok_in_a_row + 1 if r.status_code == 200 else 0
            except httpx.HTTPError:
                ok_in_a_row = 0
            time.sleep(0.2 if ok_in_a_row else 0.5)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:]) if self.log_path else ""
        except OSError:
            return ""

    def rss_mib(self) -> tuple[float, float]:
        return _rss_mib(self.proc.pid) if self.proc is not None and self.proc.poll() is None else (0.0, 0.0)

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.proc.pid) if self.proc is not None and self.proc.poll() is None else 0.0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _metric(url: str, name: str) -> float | None:
    """Sum of one Prometheus counter on the server's /metrics, None when unavailable."""
    try:
        text = httpx.get(url + "/metrics", timeout=5, trust_env=False).text
    except httpx.HTTPError:
        return None
    vals = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    ]
    return sum(vals) if vals else 0.0


# --------------------------------------------------------------------------------------------- output


def print_table(result: dict[str, Any], file=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, width=140)
    c = result["config"]
    console.print(
        f"{c['candidates']} candidates, {c['duration_s']:g} s (+{c['think_s']:g} s ramp-up), "
        f"think {c['think_s']:g} s ±50 %, "
        f"seed {c['seed']}, {c['url']}"
    )
    t = Table(show_edge=False)
    for col in ("endpoint", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"):
        t.add_column(col, justify="left" if col == "endpoint" else "right")
    for e in result["endpoints"]:
        errs = ", ".join(f"{k}: {v}" for k, v in e["errors_by_status"].items()) or "0"
        t.add_row(e["route"], str(e["count"]), f"{e['rps']:.2f}", f"{e['p50_ms']:.0f}", f"{e['p95_ms']:.0f}",
                  f"{e['p99_ms']:.0f}", f"{e['max_ms']:.0f}", errs)  # fmt: skip
    console.print(t)
    console.print(
        f"total: {result['requests']} requests in {result['wall_s']:g} s = {result['rps']:.2f} req/s; "
        f"errors {result['errors']}" + (f" ({result['errors_by_status']})" if result["errors"] else "")
    )
    by_len = result.get("answers_by_sentences") or {}
    if by_len:
        console.print(
            "graded answers by sentences, p50/p95 ms: "
            + "; ".join(f"{n}: {v['p50_ms']:.0f}/{v['p95_ms']:.0f} (n={v['count']})" for n, v in by_len.items())
        )
    console.print(
        f"interviews: {result['interviews_started']} started, {result['interviews_finished']} finished with a report; "
        f"{result['answers_skipped']} answers skipped"
    )
    if result.get("server"):
        s = result["server"]
        cpu = (
            f"{s['cpu_s']:.1f} CPU s ({s.get('cpu_per_answer_ms') or 0:.0f} ms per answer), "
            if s.get("cpu_s") is not None
            else ""
        )
        rss = f"RSS {s['rss_mib']:.0f} MiB (peak {s['rss_peak_mib']:.0f}), " if s.get("rss_mib") else ""
        console.print(
            f"server: {cpu}{rss}rate-limited (429): {s.get('rate_limited')}, "
            f"load average before {s.get('loadavg_before')} after {s.get('loadavg_after')}"
        )
    if result.get("box_cores"):
        b = result["box_cores"]
        console.print(
            f"box: {b['busy']:.2f} of {b['available']} cores busy on average (server {b['server']}, load generator "
            f"{b['load_generator']}, other processes {b['others']})"
        )
    if result.get("last_error"):
        console.print(f"last error: {result['last_error']}")
    tg = result["target"]
    verdict = "[green]MET[/green]" if tg["met"] else "[red]NOT MET[/red]"
    console.print(
        f"target ({tg['rule']}): {verdict} (answers p95 {tg['answers_p95_ms']} ms, errors {result['errors']})"
    )
    pr = result.get("probes")
    if pr and pr["p99_ms"] is not None:
        verdict = "[green]MET[/green]" if pr["met"] else "[red]NOT MET[/red]"
        console.print(f"health probes ({pr['rule']}): {verdict} (p99 {pr['p99_ms']} ms)")


# --------------------------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.split("\n\n")[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="An already running server, e.g. http://127.0.0.1:8000.")
    where.add_argument(
        "--start",
        action="store_true",
        help="Start `interviewer serve` on a free 127.0.0.1 port and stop it at the end.",
    )
    p.add_argument("--data-dir", type=Path, default=os.environ.get("INTERVIEWER_DATA_DIR") or None,
                   help="With --start: a data dir with the index and embedding cache to copy "
                   "(default: $INTERVIEWER_DATA_DIR; none: the server builds the index first).")  # fmt: skip
    p.add_argument("--workers", type=int, default=1, help="With --start: uvicorn processes (default 1).")
    p.add_argument("--candidates", type=int, default=20, help="Concurrent simulated candidates (default 20).")
    p.add_argument("--duration", type=float, default=60.0, help="Seconds of load after the ramp-up (default 60).")
    p.add_argument(
        "--think", type=float, default=5.0, help="Think time before each answer, randomised ±50 %% (default 5 s)."
    )
    p.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
    p.add_argument(
        "--timeout", type=float, default=30.0, help="Client timeout per request; a timeout is an error (default 30 s)."
    )
    p.add_argument("--n-questions", type=int, default=3, help="Questions per interview (default 3).")
    p.add_argument("--max-followups", type=int, default=1, help="Follow-ups per question (default 1).")
    p.add_argument("--skip-rate", type=float, default=0.08, help="Share of answers that are 'skip' (default 0.08).")
    p.add_argument(
        "--no-warmup",
        action="store_true",
        help="Count from the first request (default: one uncounted interview per language first).",
    )
    p.add_argument("--json", action="store_true", help="Print the result as JSON.")
    p.add_argument("--fail-on-miss", action="store_true", help="Exit 1 when the target is not met.")
    p.add_argument("--allow-remote", action="store_true", help="Allow a non-loopback --url (only a server you run).")
    return p


def _validate(args: argparse.Namespace) -> None:
    if args.candidates < 1:
        raise LoadError("--candidates must be at least 1")
    if args.duration <= 0 or args.think < 0 or args.timeout <= 0:
        raise LoadError("--duration and --timeout must be positive, --think not negative")
    if not 0 <= args.skip_rate <= 1:
        raise LoadError("--skip-rate must be between 0 and 1")
    if args.workers < 1:
        raise LoadError("--workers must be at least 1")
    if args.workers > 1 and not args.start:
        raise LoadError("--workers only applies with --start")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stats = Stats()
    server: Server | None = None
    # SIGTERM behaves like Ctrl-C: the server is stopped and what was measured is printed.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _validate(args)
        load_before = os.getloadavg() if hasattr(os, "getloadavg") else None  # before the server starts
        if args.start:
            server = Server(args.data_dir, workers=args.workers)
            if not args.json:
                source = args.data_dir or "nothing: building the index"
                print(f"starting the server (data dir copy of {source}) ...", file=sys.stderr)
            server.__enter__()
            url = server.url
        else:
            url = check_loopback(args.url, args.allow_remote)
        if not args.no_warmup:
            asyncio.run(warm_up(url, args.seed, args.timeout))
        cpu_before = server.cpu_seconds() if server else 0.0
        box_before, self_before, wall_before = _box_busy_seconds(), time.process_time(), time.perf_counter()
        limited_before = _metric(url, "interviewer_rate_limited_total")
        interrupted = False
        try:
            result = asyncio.run(
                run_load(url, args.candidates, args.duration, args.think, args.seed, args.timeout,
                         args.n_questions, args.max_followups, args.skip_rate, stats=stats, warmup=False)  # fmt: skip
            )
        except KeyboardInterrupt:
            interrupted = True
            stats.ended = stats.ended or time.perf_counter()
            result = summarise(stats, {"url": url, "candidates": args.candidates, "duration_s": args.duration,
                                       "think_s": args.think, "seed": args.seed})  # fmt: skip
        result["config"]["warmup"] = not args.no_warmup
        limited_after = _metric(url, "interviewer_rate_limited_total")
        answers = next((e["count"] for e in result["endpoints"] if e["route"] == TARGET_ROUTE), 0)
        result["server"] = {
            "workers": args.workers if server else None,
            "loadavg_before": [round(x, 2) for x in load_before] if load_before else None,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()] if load_before else None,
            "rate_limited": None if limited_after is None or limited_before is None else limited_after - limited_before,
        }
        wall = time.perf_counter() - wall_before
        box_after = _box_busy_seconds()
        cpu = server.cpu_seconds() - cpu_before if server else None
        if server:
            rss, rss_peak = server.rss_mib()
            result["server"].update(
                cpu_s=round(cpu, 1),
                cpu_per_answer_ms=round(1000 * cpu / answers, 1) if answers else None,
                rss_mib=rss,
                rss_peak_mib=rss_peak,
            )
        if box_before is not None and box_after is not None:
            # Cores busy on the whole box during the run, and how many of them were neither the server nor us.
            busy, mine = (box_after - box_before) / wall, (time.process_time() - self_before) / wall
            result["box_cores"] = {
                "available": os.cpu_count(),
                "busy": round(busy, 2),
                "load_generator": round(mine, 2),
                "server": round(cpu / wall, 2) if cpu is not None else None,
                "others": round(busy - mine - cpu / wall, 2) if cpu is not None else None,
            }
        result["interrupted"] = interrupted
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print_table(result)
        if interrupted:
            return 130
        return 1 if args.fail_on_miss and not result["target"]["met"] else 0
    except LoadError as e:
        print(f"error: {str(e).splitlines()[0] if e.code == 2 else e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
