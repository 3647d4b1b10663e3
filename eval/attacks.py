"""Replays issue 17's probe against a real server and prints what each attack gets: `python -m eval.attacks`.

Starts `interviewer serve` twice on free 127.0.0.1 ports (eval.load.Server, a temporary data dir, always
stopped): once as shipped (every limit on) for the bypasses, the Markdown and the stalled connections; once with
the rate limits off for the costs, /healthz under load and the /metrics growth, which the limits would
otherwise hide. Loopback only: a probe to run against your own server, not other people's.

Each line gives the attack, the figure the issue measured before the hardening, and today's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from eval.load import Server

GRADE = {"question_id": "bn-train-test", "answer": "训练时用mini-batch的均值和方差，测试时用滑动平均的统计量。"}
INJECTION = "BN \\[click here\\](https://evil.example/phish)\r# Overall score: 100/100 <!-- x --> <b>hi</b>"


@dataclass
class Finding:
    attack: str
    before: str
    after: str


def _codes(codes: list[int]) -> str:
    counts: dict[int, int] = {}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    return ", ".join(f"{n} x {c}" for c, n in sorted(counts.items()))


async def _many(http: httpx.AsyncClient, n: int, make: Any) -> list[int]:
    out = []
    for i in range(n):
        method, path, kwargs = make(i)
        out.append((await http.request(method, path, **kwargs)).status_code)
    return out


async def _fresh(url: str, n: int, make: Any) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False) as http:
        return await _many(http, n, make)


def _random_credential(i: int) -> dict[str, str]:
    return {"X-API-Key": secrets.token_hex(8)} if i % 2 else {"Authorization": f"Bearer {secrets.token_hex(8)}"}


async def search_flood(url: str) -> tuple[list[int], float]:
    q = ("批归一化 batch normalization " * 100)[:2000]
    async with httpx.AsyncClient(base_url=url, timeout=120, trust_env=False) as http:
        t = time.perf_counter()
        rs = await asyncio.gather(*(http.get("/v1/search", params={"q": q}) for _ in range(25)))
        return [r.status_code for r in rs], time.perf_counter() - t


async def markdown_report(url: str) -> str:
    from markdown_it import MarkdownIt

    async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False) as http:
        r = await http.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 1, "max_followups": 0})
        if r.status_code != 201:
            return f"could not start a session: {r.status_code}"
        sid, auth = r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}
        await http.post(f"/v1/sessions/{sid}/answers", json={"text": INJECTION}, headers=auth)
        md = (await http.get(f"/v1/sessions/{sid}/report", params={"format": "md"}, headers=auth)).text
        page = await http.get(f"/v1/sessions/{sid}/report", params={"format": "html"}, headers=auth)
    tokens = MarkdownIt("commonmark").parse(md)
    flat = [t for tok in tokens for t in [tok, *(tok.children or [])]]
    links = sum(t.type == "link_open" and "evil" in str(t.attrs.get("href", "")) for t in flat)
    headings = sum(
        t.type == "inline" and "100/100" in t.content and i > 0 and tokens[i - 1].type == "heading_open"
        for i, t in enumerate(tokens)
    )
    html = sum(t.type in ("html_inline", "html_block") for t in flat)
    headers = [h for h in ("content-security-policy", "x-content-type-options", "referrer-policy") if h in page.headers]
    return f"{links} live links, {headings} forged headings, {html} raw HTML from the answer; HTML headers: " + (
        ", ".join(headers) or "none"
    )


def stalled_connections(url: str, n: int, wait: float) -> int:
    host, port = url.removeprefix("http://").split(":")
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        socks.append(s)
    time.sleep(wait)
    still_open = 0
    for s in socks:
        s.setblocking(False)
        try:
            still_open += s.recv(1) != b""
        except BlockingIOError:
            still_open += 1  # nothing to read and not closed
        except OSError:
            pass
        s.close()
    return still_open


async def costs(url: str) -> list[tuple[str, float, int]]:
    cases = [
        ("'a' + 3,999 combining accents", {"question_id": "bn-train-test", "answer": "a" + "\u0301" * 3999}),
        ("4,000 CJK characters, no punctuation", {"question_id": "bn-train-test", "answer": _unbroken_cjk(4000)}),
        (
            "8,000-char reference, 4,000-char answer",
            {"reference": _english(8000), "answer": _english(4000, offset=3000)},
        ),
    ]
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=300, trust_env=False) as http:
        for name, body in cases:
            t = time.perf_counter()
            r = await http.post("/v1/grade", json=body)
            out.append((name, time.perf_counter() - t, r.status_code))
    return out


def _corpus_text(name: str) -> str:
    import re

    text = (Path(__file__).resolve().parent.parent / "corpus" / "sources" / name).read_text(encoding="utf-8")
    return re.sub(r"[#>*`$\\|]", "", text)


def _unbroken_cjk(n: int) -> str:
    import re

    han = re.sub(r"[^\u4e00-\u9fff]", "", _corpus_text("dl_interview_zh.md"))
    return (han * (n // max(1, len(han)) + 1))[2000 : 2000 + n]


def _english(n: int, offset: int = 0) -> str:
    import re

    text = re.sub(r"\s+", " ", re.sub(r"[^\x00-\x7f]", "", _corpus_text("notes_transformers.md")))
    return text[offset : offset + n]


async def health_under_load(url: str, concurrent: int) -> tuple[float, float, list[int]]:
    """The slowest of /healthz and /readyz while ``concurrent`` grades are in flight."""
    answer = _english(1500, offset=500)
    limits = httpx.Limits(max_connections=concurrent + 2)
    async with httpx.AsyncClient(base_url=url, timeout=300, trust_env=False, limits=limits) as http:
        grades = [
            asyncio.create_task(http.post("/v1/grade", json={"question_id": "bn-train-test", "answer": answer}))
            for _ in range(concurrent)
        ]
        await asyncio.sleep(1.0)
        slowest = {"healthz": 0.0, "readyz": 0.0}
        async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False) as probe:
            for _ in range(10):
                for path in slowest:
                    t = time.perf_counter()
                    await probe.get("/" + path)
                    slowest[path] = max(slowest[path], time.perf_counter() - t)
                await asyncio.sleep(0.2)
        codes = [r.status_code for r in await asyncio.gather(*grades)]
    return slowest["healthz"], slowest["readyz"], codes


async def metrics_growth(url: str, n: int) -> tuple[int, int]:
    async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False) as http:
        before = len((await http.get("/metrics")).content)
        sem = asyncio.Semaphore(32)

        async def one() -> None:
            async with sem:
                await http.request("X" + secrets.token_hex(4).upper(), f"/{secrets.token_hex(6)}")

        await asyncio.gather(*(one() for _ in range(n)))
        after = len((await http.get("/metrics")).content)
    return before, after


def run(data_dir: Path | None, metrics_requests: int, stalled: int) -> list[Finding]:
    found: list[Finding] = []
    shipped = {"INTERVIEWER_RATE_LIMIT_PER_MINUTE": "120", "INTERVIEWER_HEADER_TIMEOUT_SECONDS": "10"}
    for label, make in (
        ("30 POST /v1/grade, no credential", lambda _: ("POST", "/v1/grade", {"json": GRADE})),
        (
            "30 POST /v1/grade, a random X-API-Key or Bearer each",
            lambda i: ("POST", "/v1/grade", {"json": GRADE, "headers": _random_credential(i)}),
        ),
        (
            "30 POST /v1/grade, a random X-Forwarded-For each",
            lambda i: ("POST", "/v1/grade", {"json": GRADE, "headers": {"X-Forwarded-For": f"203.0.113.{i}"}}),
        ),
        ("40 POST /v1/sessions", lambda _: ("POST", "/v1/sessions", {"json": {"topics": ["batch-norm"]}})),
    ):
        with Server(data_dir, env=shipped) as server:
            n = 40 if "sessions" in label else 30
            found.append(Finding(label, "", _codes(asyncio.run(_fresh(server.url, n, make)))))
    before = {
        "30 POST /v1/grade, no credential": "21 x 200, then 429",
        "30 POST /v1/grade, a random X-API-Key or Bearer each": "30 x 200",
        "30 POST /v1/grade, a random X-Forwarded-For each": "30 x 200",
        "40 POST /v1/sessions": "40 x 201 in 0.14 s (no limit)",
    }
    for f in found:
        f.before = before[f.attack]
    with Server(data_dir, env=shipped) as server:
        codes, took = asyncio.run(search_flood(server.url))
        found.append(Finding("25 concurrent 2,000-char searches", "25 x 200, 30 s of server time",
                             f"{_codes(codes)} in {took:.1f} s"))  # fmt: skip
        found.append(Finding("answer with an escaped link, a CR heading, HTML", "a live link, a heading; no headers",
                             asyncio.run(markdown_report(server.url))))  # fmt: skip
        still = stalled_connections(server.url, stalled, wait=15.0)
        found.append(Finding(f"{stalled} connections sending partial headers", "all open after 95 s",
                             f"{still} of {stalled} open after 15 s (header timeout 10 s)"))  # fmt: skip
    with Server(data_dir, env={"INTERVIEWER_RATE_LIMIT_PER_MINUTE": "0"}) as server:
        before_cost = {"'a' + 3,999": "7.4 s", "4,000 CJK": "5.2 s", "8,000-char": "13.2 s"}
        for name, seconds, code in asyncio.run(costs(server.url)):
            b = next(v for k, v in before_cost.items() if name.startswith(k))
            found.append(Finding(f"POST /v1/grade: {name}", b, f"{seconds:.2f} s ({code})"))
        h, r, codes = asyncio.run(health_under_load(server.url, 110))
        found.append(Finding("/healthz, /readyz with 110 grades in flight", "14.8 s",
                             f"slowest {h * 1000:.0f} / {r * 1000:.0f} ms ({_codes(codes)})"))  # fmt: skip
        rss0 = server.rss_mib()[0]
        m0, m1 = asyncio.run(metrics_growth(server.url, metrics_requests))
        rss1 = server.rss_mib()[0]
        found.append(Finding(f"{metrics_requests:,} requests with made-up methods and paths",
                             "32,000: RSS 320 -> 499 MiB, /metrics 69 MB",
                             f"RSS {rss0:.0f} -> {rss1:.0f} MiB, /metrics {m0:,} -> {m1:,} bytes"))  # fmt: skip
    kept = "deleted after INTERVIEWER_SESSION_RETENTION_DAYS (30) or 24 h unanswered; 10 new per minute per client"
    found.append(Finding("sessions kept", "forever, created without limit", kept))
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.attacks", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=None, help="a data dir with an index to copy (faster start)")
    p.add_argument("--metrics-requests", type=int, default=32_000)
    p.add_argument("--stalled", type=int, default=1000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    findings = run(args.data_dir, args.metrics_requests, args.stalled)
    if args.json:
        print(json.dumps([f.__dict__ for f in findings], ensure_ascii=False, indent=1))
        return 0
    print("| attack | before (issue 17) | after |\n|---|---|---|")
    for f in findings:
        print(f"| {f.attack} | {f.before} | {f.after} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
