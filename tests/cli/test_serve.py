from __future__ import annotations

from pathlib import Path

import httpx

from interviewer.cli.serve import browser_url
from pg import ApiProcess


def test_serve_says_where_to_open_the_page(tmp_path: Path, small_corpus_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    api = ApiProcess(data, corpus_dir=str(small_corpus_dir), log_format="json").start()
    try:
        api.wait_ready()
        log = api.log.read_text(encoding="utf-8")
        line = f"interviewer: open {api.url} in a browser"
        assert line in log, log
        # Said once the server listens, so the address it names answers.
        assert httpx.get(api.url, timeout=10).status_code == 200
        announced = next(n for n in log.splitlines() if n.startswith(line))
        assert announced.endswith(f"(API documentation: {api.url}/docs)")
    finally:
        api.stop()


def test_a_wildcard_address_is_announced_as_one_a_browser_opens() -> None:
    assert browser_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert browser_url("::", 8000) == "http://[::1]:8000"
    assert browser_url("::1", 9000) == "http://[::1]:9000"
    assert browser_url("interviews.example.org", 80) == "http://interviews.example.org:80"
    assert browser_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
