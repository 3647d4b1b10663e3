"""Formulas in the chat page (api/static/math.js): TeX in texts the page writes is typeset by the vendored KaTeX;
the candidate's answer never is. Checked in Chromium, with every request the page makes recorded (no CDN).

The server's replies are passed through with TeX put into a key-point statement, the reference answer, a passage
and the report's point lists, so the test does not depend on which passages a search returns.
"""

from __future__ import annotations

from typing import Any

from chat_browser import TOPIC, expect, needs_chromium, no_horizontal_scroll, start_interview

pytestmark = needs_chromium

STATEMENT = "激活函数 $f(x) = \\max(0, x)$ 在 $x<0$ 时梯度为 0"
REFERENCE = "一个 $1 \\times 1$ 卷积只在通道间组合：$$y_{c} = \\sum_{k} w_{ck} x_{k}$$"
# BN at test time, as the corpus writes it (dl_interview_zh.md): a display formula far wider than a phone.
PASSAGE = (
    "在测试时，BN 使用的公式是：\n\n$$y = \\gamma\\,\\frac{x - E[x]}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}} + \\beta = "
    "\\frac{\\gamma}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}}\\,x + \\left(\\beta - \\frac{\\gamma\\,E[x]}"
    "{\\sqrt{\\mathrm{Var}[x] + \\epsilon}}\\right)$$（公式补全）其中 $\\gamma, \\beta$ 可学习。"
)
ANSWER = "我觉得是 $x^2$ 之类的，价格 $5 和 $10 也写上。浅层卷积提取边缘和纹理。"
REPORT_POINT = "方差 $\\sigma^2$ 来自当前 batch"


def _patch(page, pattern: str, change: Any) -> None:
    def handle(route) -> None:
        response = route.fetch()
        body = response.json()
        change(body)
        route.fulfill(response=response, json=body)

    page.route(pattern, handle)


def _with_tex_statement(body: dict[str, Any]) -> None:
    body["grade"]["key_points"][0]["statement"] = STATEMENT


def _with_tex_report(body: dict[str, Any]) -> None:
    q = body["questions"][0]
    q["reference"] = REFERENCE
    q["missed"] = [REPORT_POINT, *q.get("missed", [])]
    q["passages"] = [
        {"title": "BN 的公式", "file": "dl_interview_zh.md", "start_line": 10, "end_line": 12, "text": PASSAGE},
        *q.get("passages", []),
    ]


def _typeset(locator) -> None:
    """KaTeX output inside, and none of the TeX source left as visible text."""
    expect(locator.locator(".katex").first).to_be_attached()
    text = locator.evaluate("e => e.innerText")
    assert "$" not in text and "\\max" not in text and "\\times" not in text, text


def test_formulas_are_typeset_and_answers_are_not(base_url: str, open_tab) -> None:
    tab = open_tab("zh-CN", {"width": 360, "height": 740})
    page = tab.page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _patch(page, "**/answers", _with_tex_statement)
    _patch(page, "**/report?format=json", _with_tex_report)
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=0, lang="zh")

    tab.by("answer-input").fill(ANSWER)
    tab.by("send-button").click()
    card = tab.by("grade-card").first
    statement = card.get_by_test_id("key-point").first.locator(".kp-statement")
    _typeset(statement)
    expect(statement.locator(".katex-mathml annotation").first).to_have_text("f(x) = \\max(0, x)")
    # The candidate's answer is shown as typed, dollars and all.
    expect(card.get_by_test_id("card-answer")).to_have_text(ANSWER)
    assert card.get_by_test_id("card-answer").locator(".katex").count() == 0
    assert card.get_by_test_id("kp-evidence").locator(".katex").count() == 0

    report = tab.by("report")
    expect(report).not_to_have_attribute("aria-busy", "true")
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    question = tab.by("report-question").first
    _typeset(question.get_by_test_id("report-reference"))
    expect(question.get_by_test_id("report-reference").locator(".katex-display")).to_have_count(1)
    passage = question.get_by_test_id("passage-text").first
    _typeset(passage)
    expect(passage.locator(".katex-display")).to_have_count(1)
    expect(passage.locator(".katex-display")).to_be_visible()
    # On a phone the wide formula scrolls inside its own box; the page and the report keep the screen's width.
    no_horizontal_scroll(page, 360)
    display = passage.locator(".katex-display")
    assert display.evaluate("e => e.scrollWidth > e.clientWidth"), "the formula should be wider than its box"
    assert display.evaluate("e => e.getBoundingClientRect().right") <= 360
    wide = page.evaluate(
        "[...document.querySelectorAll('[data-testid=\"report\"] :is(.rq, details, .passage, p, .katex-display)')]"
        ".filter((e) => e.getBoundingClientRect().right > innerWidth).length"
    )
    assert wide == 0
    _typeset(question.get_by_test_id("report-missed").locator("li").first)

    # KaTeX and its fonts come from this server; the page asks no other origin for anything.
    page.evaluate("document.fonts.ready.then(() => true)")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any(family.startswith("KaTeX") for family in loaded), loaded
    assert any("/static/vendor/katex/fonts/" in u and u.endswith(".woff2") for u in requests), requests
    foreign = [u for u in requests if not u.startswith((base_url, "blob:", "data:"))]
    assert foreign == []
    assert tab.errors == []
