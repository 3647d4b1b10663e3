"""The chat page follows the conversation (api/static/follow.js), measured in Chromium.

After each answer the newest exchange (the grade card, anything the interviewer adds, the next prompt) must sit
above the sticky answer box, as much of it as fits, in this order: the prompt whole; then the card's score (its
header is sticky, so it shows while any of the card does); then the whole card. Positions are read with
getBoundingClientRect, on a 360x740 phone and a 1280x900 desktop.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chat_browser import (
    TIMEOUT_MS,
    TOPIC,
    Tab,
    check_numbers,
    expect,
    needs_chromium,
    send_and_read,
    start_interview,
    sync_api,
)
from servers import serve_in_thread

pytestmark = needs_chromium

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
VIEWS = [pytest.param(PHONE, "en-US", "en", id="phone-en"), pytest.param(DESKTOP, "zh-CN", "zh", id="desktop-zh")]

# Where the newest exchange is: the last grade card (its score), the last interviewer prompt and the answer box.
GEOMETRY = """() => {
  const last = (id) => [...document.querySelectorAll(`[data-testid="${id}"]`)].pop();
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, height: r.height };
  };
  const card = last("grade-card"), prompt = last("msg-interviewer");
  const composer = document.querySelector('[data-testid="composer"]');
  const head = card && card.querySelector(".card-head");
  const score = card && card.querySelector('[data-testid="grade-score"]');
  return {
    viewport: innerHeight,
    card: card && box(card),
    head: head && box(head),
    score: score && box(score),
    prompt: prompt && box(prompt),
    composer: composer.hidden ? null : box(composer),
  };
}"""

# The same, as a condition the page is waited for: true once as much of the exchange as fits is in view, in the
# order of the module docstring (24 px: the gaps the page keeps above the box and below the top).
IN_VIEW = (
    "() => { const g = ("
    + GEOMETRY
    + """)();
  if (!g.card || !g.prompt || !g.composer) return false;
  const bottom = Math.min(g.composer.top, g.viewport);
  const promptSeen = g.prompt.top >= 0 && g.prompt.bottom <= bottom;
  const below = g.prompt.bottom - g.card.bottom; // what follows the card, down to the prompt's end
  const scoreFits = below + g.head.height + 24 <= bottom;
  const scoreSeen = g.score.top >= 0 && g.score.bottom <= g.prompt.top;
  const cardFits = below + g.card.height + 24 <= bottom;
  return promptSeen && (!scoreFits || scoreSeen) && (!cardFits || g.card.top >= 0);
}"""
)


def wait_in_view(tab: Tab, what: str) -> dict[str, Any]:
    """Wait until the newest card and prompt are in view; on a timeout, fail with where they are."""
    try:
        tab.page.wait_for_function(IN_VIEW, timeout=TIMEOUT_MS)
    except sync_api.TimeoutError:
        pytest.fail(f"{what}: the newest card and prompt are not in view: {tab.page.evaluate(GEOMETRY)}")
    return tab.page.evaluate(GEOMETRY)


PARTIAL = {
    "zh": ["浅层卷积提取边缘、颜色和纹理等低级特征。", "BN 把每个通道归一化到均值 0、方差 1。", "不太清楚。"],
    "en": [
        "Shallow layers extract low-level features like edges and textures.",
        "BN normalises each channel to zero mean and unit variance.",
        "I am not sure.",
    ],
}


@pytest.mark.parametrize(("viewport", "locale", "lang"), VIEWS)
def test_each_answer_brings_its_card_and_the_next_prompt_into_view(
    base_url: str, open_tab, viewport: dict[str, int], locale: str, lang: str
) -> None:
    tab = open_tab(locale, viewport)
    start_interview(tab, base_url, topic="batch-norm", n=2, followups=1, lang=lang)
    answers = iter(PARTIAL[lang] * 2)
    for turn in range(4):  # two questions, at most one follow-up each
        tab.by("answer-input").fill(next(answers))
        res = send_and_read(tab, tab.by("send-button").click)
        expect(tab.by("grade-card")).to_have_count(turn + 1)
        if res["done"]:
            break
        where = wait_in_view(tab, f"after answer {turn + 1}")
        assert where["prompt"]["bottom"] > where["composer"]["top"] - 60, where  # right above the box, not far up
        expect(tab.by("answer-input")).to_be_focused()
        check_numbers(tab, res, turn, lang)
    expect(tab.by("report")).to_be_visible()
    assert tab.errors == []


# A long follow-up and long feedback: with them the newest prompt grows well past the answer box unless the page
# scrolls again as the text streams in.
LONG = {
    "zh": "这一点值得再想想：" + "如果把归一化放在激活之后，输入分布会怎样变化？" * 6 + "结束。",
    "en": "Think about this once more: " + "what happens to the inputs if BN comes after the activation? " * 5 + "End.",
}


def phrasing_llm(text: str, judge_delay: float = 0.15) -> Any:
    """An OpenAI-compatible app: streamed requests (follow-ups, feedback) get ``text`` a few characters at a time;
    the yes/no questions of the hybrid grader get P(yes) = 0.9, ``judge_delay`` seconds each."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        if body.get("stream"):

            async def pieces() -> Any:
                for i in range(0, len(text), 8):
                    await asyncio.sleep(0.02)
                    yield f"data: {json.dumps({'choices': [{'delta': {'content': text[i : i + 8]}}]})}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(pieces(), media_type="text/event-stream")
        await asyncio.sleep(judge_delay)
        top = [{"token": "yes", "logprob": math.log(0.9)}, {"token": "no", "logprob": math.log(0.1)}]
        return JSONResponse(
            {"choices": [{"message": {"content": "yes"}, "logprobs": {"content": [{"top_logprobs": top}]}}]}
        )

    return Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"])])


@pytest.fixture
def llm_url(corpus, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The app grading with the hybrid grader and phrasing with the fake LLM, in the language of the test."""
    from api.main import create_app
    from interviewer import Settings

    lang = request.node.callspec.params["lang"]
    with serve_in_thread(phrasing_llm(LONG[lang]), name="chat-follow-llm") as llm:
        settings = Settings(
            data_dir=tmp_path / "data", grader="hybrid", llm_base_url=f"{llm}/v1", llm_followup_budget=0
        )
        with serve_in_thread(create_app(settings, corpus=corpus), name="chat-follow-uvicorn") as url:
            yield url


@pytest.mark.parametrize(("viewport", "locale", "lang"), VIEWS)
def test_the_page_follows_streamed_text_and_redrawn_cards(
    llm_url: str, open_tab, viewport: dict[str, int], locale: str, lang: str
) -> None:
    tab = open_tab(locale, viewport)
    start_interview(tab, llm_url, topic=TOPIC, n=1, followups=1, lang=lang)
    tab.by("answer-input").fill(PARTIAL[lang][0])
    tab.by("send-button").click()
    follow_up = tab.page.locator('[data-testid="msg-interviewer"][data-kind="followup"]')
    expect(follow_up).to_have_count(1)
    # The card is redrawn as the LLM's judgements arrive, the follow-up and the feedback stream in.
    expect(tab.by("grade-card").first).to_have_attribute("data-judging", "done", timeout=30_000)
    expect(follow_up.locator(".bubble")).to_contain_text(LONG[lang][-4:])
    expect(tab.by("msg-feedback").locator(".bubble")).to_contain_text(LONG[lang][-4:])
    where = wait_in_view(tab, "after the streams and the judging")
    assert where["prompt"]["height"] > 80, where  # the long follow-up did arrive
    expect(tab.by("answer-input")).to_be_focused()
    assert tab.errors == []
