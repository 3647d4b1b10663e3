"""What the chat page's browser tests (tests/api/test_chat_*.py) share: the app and Debian's Chromium under
Playwright (fixtures ``base_url``, ``browser`` and ``open_tab``, registered for tests/api in its conftest.py), a
browser tab that collects errors, and the steps and checks more than one of those tests makes.

Importing this module skips the importing test module when Playwright is not installed; a browser test module also
marks itself ``needs_chromium``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from servers import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium for the browser tests"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect

TOPIC = "conv-layer-features"  # one question: convfeat-hierarchy
TIMEOUT_MS = 15_000
STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
STRINGS = json.loads((STATIC / "strings.json").read_text(encoding="utf-8"))

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def base_url(corpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the shipped corpus, served by uvicorn in a thread; a fresh database for this module."""
    from api.main import create_app
    from interviewer import Settings

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("chat-page-data")), corpus=corpus)
    with serve_in_thread(app, name="chat-page-uvicorn") as url:
        yield url


@contextmanager
def chromium(home: Path) -> Iterator[Any]:
    """Debian's Chromium under Playwright, writing its profile and caches under ``home``."""
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("TMPDIR", "tmp")):
            (home / sub).mkdir()
            mp.setenv(var, str(home / sub))
        with sync_api.sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                yield b
            finally:
                b.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-home")) as b:
        yield b


class Tab:
    """A page in a fresh context, with every script error and console error collected."""

    def __init__(self, browser, locale: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(locale=locale, viewport=viewport)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.page = self.watch(self.context.new_page())

    def watch(self, page):
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        return page

    def by(self, testid: str):
        return self.page.get_by_test_id(testid)


@pytest.fixture
def open_tab(browser) -> Iterator[Callable[..., Tab]]:
    tabs: list[Tab] = []

    def make(locale: str, viewport: dict[str, int] | None = None) -> Tab:
        tab = Tab(browser, locale, viewport or {"width": 1100, "height": 900})
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.context.close()


def start_interview(tab: Tab, base_url: str, *, topic: str, n: int, followups: int, lang: str) -> None:
    page = tab.page
    page.goto(base_url + "/")
    expect(tab.by("start-screen")).to_be_visible()
    expect(tab.by("language")).to_have_value(lang)  # the default comes from navigator.language
    expect(tab.by(f"topic-{topic}")).to_be_visible()
    tab.by(f"topic-{topic}").check()
    tab.by("n-questions").select_option(str(n))
    tab.by("max-followups").select_option(str(followups))
    tab.by("start-button").click()
    expect(tab.by("chat-screen")).to_be_visible()
    expect(tab.by("msg-interviewer").first).to_be_visible()


def no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def js_round(x: float) -> int:
    """Math.round, as the page rounds scores (Python's round() rounds halves to even)."""
    return math.floor(x + 0.5)


def send_and_read(tab: Tab, press: Any) -> dict[str, Any]:
    """Send an answer with ``press()`` and return the server's JSON reply to it."""
    with tab.page.expect_response(lambda r: r.url.endswith("/answers") and r.request.method == "POST") as info:
        press()
    return info.value.json()


def check_numbers(tab: Tab, res: dict[str, Any], card_index: int, lang: str) -> None:
    """The card shows the question's score after the turn (else the answer's grade); the header the server's
    running score, never one the page worked out itself."""
    card = tab.by("grade-card").nth(card_index)
    question_score = res.get("question_score")
    big = question_score if question_score is not None else res["grade"]["score"]
    expect(card.get_by_test_id("grade-score")).to_have_text(f"{js_round(big)}/100")
    if res.get("explanation"):
        expect(card.get_by_test_id("score-explanation")).to_have_text(res["explanation"])
    else:
        expect(card.get_by_test_id("score-explanation")).to_have_count(0)
    running = STRINGS[lang]["scoreSoFar"].replace("{s}", str(js_round(res["score_so_far"])))
    expect(tab.by("score-so-far")).to_have_text(running)
