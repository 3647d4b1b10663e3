"""End-to-end tests of the chat page (api/static) in a real headless Chromium.

The app runs under uvicorn in a thread on a free port; the browser is Debian's /usr/bin/chromium driven by
Playwright (no downloaded browser). The interviews use the one-question topic "conv-layer-features" so the
question, and therefore which key points an answer covers, is known in advance.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx

from chat_browser import (
    STRINGS,
    TOPIC,
    Tab,
    check_numbers,
    expect,
    needs_chromium,
    no_horizontal_scroll,
    send_and_read,
    start_interview,
)
from servers import serve_in_thread, yes_llm

pytestmark = needs_chromium

PAYLOAD = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> **bold** BN训练时用当前batch的均值和方差。'
)
EMPTY_DETAIL = "the answer is empty; write something before sending"
# The page's own scripts: KaTeX (vendored) and app.js; nothing inline, nothing from another origin.
PAGE_SCRIPTS = ["/static/vendor/katex/katex.min.js", "/static/vendor/katex/auto-render.min.js", "/static/app.js"]


def _check_first_card(tab: Tab, answer: str, n_points: int) -> None:
    """The grade card of the first answer: score, ✔/✘ per key point, probability, highlighted evidence."""
    card = tab.by("grade-card").first
    expect(card).to_be_visible()
    expect(card.get_by_test_id("grade-score")).to_have_text(re.compile(r"^\d{1,3}/100$"))
    points = card.get_by_test_id("key-point")
    expect(points).to_have_count(n_points)
    covered = card.locator('[data-testid="key-point"][data-covered="true"]')
    missed = card.locator('[data-testid="key-point"][data-covered="false"]')
    assert covered.count() >= 2 and missed.count() >= 2  # shallow + deep said; middle, why, application not
    for i in range(covered.count()):
        expect(covered.nth(i).get_by_test_id("kp-mark")).to_have_text("✔")
        expect(covered.nth(i).get_by_test_id("kp-evidence")).to_be_visible()
    for i in range(missed.count()):
        expect(missed.nth(i).get_by_test_id("kp-mark")).to_have_text("✘")
        expect(missed.nth(i).get_by_test_id("kp-evidence")).to_have_count(0)
    expect(points.first.get_by_test_id("kp-probability")).to_have_text(re.compile(r"\d+%"))
    # The answer is shown whole, and the evidence spans are <mark>s cut at the server's offsets.
    expect(card.get_by_test_id("card-answer")).to_have_text(answer)
    marks = card.get_by_test_id("evidence")
    assert marks.count() >= 2
    marked = [t.strip() for t in marks.all_text_contents()]
    quoted = [t.strip() for t in covered.get_by_test_id("kp-evidence").locator("q").all_text_contents()]
    assert set(marked) == set(quoted), (marked, quoted)
    assert all(m and m in answer for m in marked)


def _finish_with_followup(tab: Tab, answer: str, followup_label: str, expected_prompt: str, lang: str) -> None:
    follow = tab.page.locator('[data-testid="msg-interviewer"][data-kind="followup"]')
    expect(follow).to_have_count(1)
    expect(follow.get_by_test_id("followup-label")).to_have_text(followup_label)
    expect(follow).to_contain_text(expected_prompt)
    tab.by("answer-input").fill(answer)
    res = send_and_read(tab, tab.by("send-button").click)
    expect(tab.by("grade-card")).to_have_count(2)
    check_numbers(tab, res, 1, lang)
    second = tab.by("grade-card").nth(1)
    expect(second.locator('[data-testid="key-point"][data-covered="true"]')).to_have_count(1)  # the "why" point
    expect(second.get_by_test_id("evidence")).to_have_count(1)


def _check_report(tab: Tab, topic_title: str, question: str, strings: dict[str, str]) -> None:
    report = tab.by("report")
    expect(report).to_be_visible()
    expect(report).not_to_have_attribute("aria-busy", "true")
    expect(tab.by("composer")).to_be_hidden()
    expect(tab.by("overall-score")).to_have_text(re.compile(r"^\d{1,3}/100$"))
    bars = tab.by("topic-chart").get_by_test_id("topic-bar")
    expect(bars).to_have_count(1)
    expect(bars.first).to_contain_text(topic_title)
    width = bars.first.locator(".bar-fill").evaluate("e => e.getBoundingClientRect().width")
    assert width > 0
    q = tab.by("report-question")
    expect(q).to_have_count(1)
    expect(q.first).to_contain_text(question)
    expect(q.first.get_by_test_id("report-covered")).to_contain_text(strings["hinted"])  # "why" came after the hint
    expect(q.first.get_by_test_id("report-missed").locator("li")).to_have_count(2)  # middle, application
    # How the score was reached and what each flag means, as the report says it in the interview language.
    saved = json.loads(tab.page.evaluate("sessionStorage.getItem('interviewer.session')"))
    origin = "/".join(tab.page.url.split("/")[:3])
    rep = httpx.get(
        f"{origin}/v1/sessions/{saved['id']}/report",
        params={"format": "json"},
        headers={"Authorization": f"Bearer {saved['token']}"},
        timeout=30,
    ).json()["questions"][0]
    if rep.get("explanation"):
        expect(q.first.get_by_test_id("report-explanation")).to_have_text(rep["explanation"])
    for flag, note in zip(rep.get("flags", []), rep.get("flag_notes", []), strict=False):
        if note:
            expect(q.first.locator(f'[data-testid="flag-details"] li[data-flag="{flag}"]')).to_contain_text(note)
    for link in ("html-report-link", "md-download"):
        expect(tab.by(link)).to_have_attribute("data-ready", "true")
        expect(tab.by(link)).to_have_attribute("href", re.compile(r"^blob:"))
    # The HTML report is fetched with the token and opened from a Blob URL.
    with tab.context.expect_page() as info:
        tab.by("html-report-link").click()
    html_page = tab.watch(info.value)
    html_page.wait_for_load_state()
    expect(html_page.locator("body")).to_contain_text(strings["html_title"])
    expect(html_page.locator("body")).to_contain_text(question)
    html_page.close()


def _screenshot(tab: Tab, folder: Path, name: str) -> None:
    """The report section, and the whole page from the top, as PNGs in the test's tmp dir."""
    tab.page.wait_for_timeout(400)  # let the smooth scroll settle
    report, page = folder / f"{name}-report.png", folder / f"{name}-page.png"
    tab.by("report").screenshot(path=str(report))
    tab.page.evaluate("window.scrollTo(0, 0)")
    tab.page.screenshot(path=str(page), full_page=True)
    for path in (report, page):
        assert path.exists() and path.stat().st_size > 20_000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_full_interview_in_chinese(base_url: str, open_tab, corpus, tmp_path: Path) -> None:
    q = corpus.bank.get("convfeat-hierarchy")
    tab = open_tab("zh-CN")
    page = tab.page
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=1, lang="zh")
    expect(tab.by("start-button")).to_be_hidden()
    first = tab.by("msg-interviewer").first
    expect(first).to_have_attribute("data-kind", "question")
    expect(first.get_by_test_id("question-label")).to_have_text("题 1/1")
    expect(first).to_contain_text(q.question.get("zh"))
    assert page.evaluate("document.documentElement.lang") == "zh-CN"

    a1 = "浅层卷积提取边缘、颜色和纹理等低级特征。深层提取高级语义特征。"
    tab.by("answer-input").fill(a1)
    res = send_and_read(tab, lambda: tab.by("answer-input").press("Enter"))
    _check_first_card(tab, a1, len(q.key_points))
    check_numbers(tab, res, 0, "zh")

    # A reload continues the interview from sessionStorage: same transcript, the follow-up still pending.
    page.reload()
    expect(tab.by("chat-screen")).to_be_visible()
    expect(tab.by("grade-card")).to_have_count(1)
    _check_first_card(tab, a1, len(q.key_points))
    expect(tab.by("answer-input")).to_be_editable()

    why = next(kp for kp in q.key_points if kp.id.endswith(".why"))
    a2 = "因为感受野逐层增大，每一层都在前一层特征的基础上组合。"
    _finish_with_followup(tab, a2, "追问", why.probe.get("zh"), "zh")
    expect(tab.by("grade-card").nth(1)).to_contain_text("追问评分")
    expect(tab.by("done-divider")).to_contain_text("面试结束")
    _check_report(
        tab,
        corpus.bank.topics[TOPIC].title.get("zh"),
        q.question.get("zh"),
        {"hinted": "经提示后答出", "html_title": "模拟面试报告"},
    )
    expect(tab.by("report")).to_contain_text("各主题得分")
    _screenshot(tab, tmp_path, "zh")
    assert tab.errors == []


def test_full_interview_in_english_on_a_phone(base_url: str, open_tab, corpus, tmp_path: Path) -> None:
    q = corpus.bank.get("convfeat-hierarchy")
    tab = open_tab("en-US", {"width": 360, "height": 740})
    page = tab.page
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=1, lang="en")
    expect(tab.by("msg-interviewer").first.get_by_test_id("question-label")).to_have_text("Question 1/1")
    expect(tab.by("msg-interviewer").first).to_contain_text(q.question.get("en"))
    expect(tab.by("send-button")).to_have_text("Send")
    no_horizontal_scroll(page, 360)

    # The emoji is two UTF-16 units but one code point: the highlight must still land on the right text.
    a1 = (
        "🙂 Shallow layers extract low-level features like edges, colours and textures. "
        "Deep layers extract high-level semantic features."
    )
    tab.by("answer-input").fill(a1)
    res = send_and_read(tab, tab.by("send-button").click)
    _check_first_card(tab, a1, len(q.key_points))
    check_numbers(tab, res, 0, "en")
    no_horizontal_scroll(page, 360)

    why = next(kp for kp in q.key_points if kp.id.endswith(".why"))
    a2 = "Because the receptive field grows with depth and each layer composes the features of the previous one."
    _finish_with_followup(tab, a2, "Follow-up", why.probe.get("en"), "en")
    _check_report(
        tab,
        corpus.bank.topics[TOPIC].title.get("en"),
        q.question.get("en"),
        {"hinted": "(after a hint)", "html_title": "Mock interview report"},
    )
    expect(tab.by("report")).to_contain_text("Score by topic")
    no_horizontal_scroll(page, 360)
    _screenshot(tab, tmp_path, "en-phone")
    assert tab.errors == []


def test_answers_are_text_keyboard_and_errors(base_url: str, open_tab) -> None:
    tab = open_tab("zh-CN")
    page = tab.page
    start_interview(tab, base_url, topic="batch-norm", n=2, followups=0, lang="zh")
    box, send = tab.by("answer-input"), tab.by("send-button")

    # An empty answer goes to the API; its refusal is shown inline in the interview language (the server's English
    # detail is kept in data-detail), and nothing is added to the chat.
    empty = STRINGS["zh"]["answerErrors"]["400"]
    send.click()
    expect(tab.by("answer-error")).to_be_visible()
    expect(tab.by("answer-error")).to_have_text(empty)
    expect(tab.by("answer-error")).to_have_attribute("data-detail", EMPTY_DETAIL)
    expect(tab.by("msg-candidate")).to_have_count(0)
    expect(send).to_be_enabled()
    box.fill("   ")
    box.press("Enter")
    expect(tab.by("answer-error")).to_have_text(empty)
    expect(tab.by("msg-candidate")).to_have_count(0)

    # Shift+Enter inserts a newline and sends nothing.
    box.fill("")
    box.type("第一行")
    box.press("Shift+Enter")
    box.type("第二行")
    expect(box).to_have_value("第一行\n第二行")
    expect(tab.by("msg-candidate")).to_have_count(0)

    # HTML and Markdown in an answer stay literal text. Hold the request to see the waiting state.
    held: list = []
    page.route("**/answers", lambda route: held.append(route))
    box.fill(PAYLOAD)
    box.press("Enter")
    expect(send).to_be_disabled()
    expect(tab.by("skip-button")).to_be_disabled()
    expect(tab.by("grading")).to_be_visible()
    expect(tab.by("answer-error")).to_be_hidden()
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the answer request was not sent"
    held[0].continue_()
    page.unroute("**/answers")
    card = tab.by("grade-card").first
    expect(card).to_be_visible()
    expect(send).to_be_enabled()
    expect(card.get_by_test_id("card-answer")).to_have_text(PAYLOAD)
    log = tab.by("chat-log")
    assert log.locator("script, img, strong, b").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    scripts = "[...document.scripts].map(s => s.src ? new URL(s.src).pathname : 'inline')"
    assert page.evaluate(scripts) == PAGE_SCRIPTS

    # The next question comes after a divider; then skip it.
    expect(tab.by("next-divider")).to_have_count(1)
    expect(tab.by("next-divider")).to_have_text("下一题")
    second = tab.by("msg-interviewer").nth(1)
    expect(second).to_have_attribute("data-kind", "question")
    expect(second.get_by_test_id("question-label")).to_have_text("题 2/2")
    tab.by("skip-button").click()
    expect(tab.by("grade-card")).to_have_count(2)
    expect(tab.by("grade-card").nth(1)).to_have_attribute("data-skipped", "true")
    expect(tab.by("report")).to_be_visible()
    expect(tab.by("report-question")).to_have_count(2)
    expect(tab.by("report-question").nth(1)).to_contain_text("已跳过")
    expect(tab.by("report").get_by_test_id("topic-bar")).to_have_count(1)
    # The report shows the transcript's payload nowhere as markup either.
    assert page.evaluate("typeof window.__pwned") == "undefined"

    # "New interview" forgets the session and returns to the start screen.
    tab.by("restart").click()
    expect(tab.by("start-screen")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('interviewer.session')") is None
    # Chromium logs the two deliberate 400s (empty answers); nothing else may go wrong.
    assert [e for e in tab.errors if "status of 400" not in e] == []


MD_PAYLOAD = (
    '[点我](javascript:window.__pwned=3) <a href="javascript:window.__pwned=4">x</a> '
    "![i](x onerror=window.__pwned=5) BN训练时用batch统计量。"
)


def test_html_report_renders_injected_answers_as_text(base_url: str, open_tab) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        # Two questions, no follow-ups: exactly two answers, whatever their grades.
        r = http.post(
            "/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 2, "language": "zh", "max_followups": 0}
        )
        sid, auth = r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}
        for text in (PAYLOAD, MD_PAYLOAD):
            assert http.post(f"/v1/sessions/{sid}/answers", json={"text": text}, headers=auth).status_code == 200
        assert http.get(f"/v1/sessions/{sid}", headers=auth).json()["finished"]
        html = http.get(f"/v1/sessions/{sid}/report", params={"format": "html"}, headers=auth)
        md = http.get(f"/v1/sessions/{sid}/report", params={"format": "md"}, headers=auth).text
    assert html.headers["content-type"].startswith("text/html")
    assert "<script" not in html.text and "&lt;script&gt;" in html.text
    # Markdown escapes what would be markup with a backslash: no tag is left that a renderer would take as HTML.
    assert not re.search(r"(?<!\\)<(script|img|a\b)", md), md
    assert "\\[点我\\](javascript" in md and not re.search(r"(?<!\\)\]\(", md)  # brackets escaped: no link
    tab = open_tab("zh-CN")
    tab.page.set_content(html.text)
    tab.page.wait_for_timeout(300)
    assert tab.page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.page.evaluate("document.querySelectorAll('script, img, a[href^=\"javascript\"]').length") == 0
    assert "window.__pwned=1" in tab.page.inner_text("body")  # shown, as text
    for link in tab.page.locator("a").all():
        link.click(no_wait_after=True, timeout=2000) if link.is_visible() else None
    assert tab.page.evaluate("typeof window.__pwned") == "undefined"


def test_a_topic_group_is_chosen_with_one_click(base_url: str, open_tab, corpus) -> None:
    tab = open_tab("en-US")
    page = tab.page
    page.goto(base_url + "/")
    modern, seed = corpus.bank.groups["modern"], corpus.bank.groups["seed"]
    expect(tab.by("group-header-modern")).to_contain_text("Asked today")
    tab.by("group-modern").click()
    for t in modern:
        expect(tab.by(f"topic-{t}")).to_be_checked()
    for t in seed:
        expect(tab.by(f"topic-{t}")).not_to_be_checked()
    tab.by("group-modern").click()  # a second click clears the group
    expect(tab.by(f"topic-{modern[0]}")).not_to_be_checked()
    tab.by("group-modern").click()
    tab.by("start-button").click()
    expect(tab.by("chat-screen")).to_be_visible()
    question = tab.by("msg-interviewer").first.inner_text()
    asked = [q for q in corpus.bank if q.question.en in question]
    assert asked and asked[0].topic in modern, question
    assert tab.errors == []


def test_the_grade_card_follows_the_llm_judging_point_by_point(corpus, open_tab, tmp_path: Path) -> None:
    from api.main import create_app
    from interviewer import Settings

    q = corpus.bank.get("convfeat-hierarchy")
    with serve_in_thread(yes_llm(0.3), name="chat-slow-llm") as llm:
        settings = Settings(
            data_dir=tmp_path / "data", grader="hybrid", llm_base_url=f"{llm}/v1", llm_followup_budget=0
        )
        with serve_in_thread(create_app(settings, corpus=corpus), name="chat-judging-uvicorn") as url:
            tab = open_tab("en-US")
            start_interview(tab, url, topic=TOPIC, n=1, followups=0, lang="en")
            tab.by("answer-input").fill("Early layers detect edges and textures; deeper layers detect object parts.")
            tab.by("send-button").click()
            card = tab.by("grade-card").first
            expect(card).to_be_visible()
            expect(tab.by("judging")).to_be_visible()  # the embedding grade is shown while the LLM works
            expect(tab.by("grade-card").first).to_have_attribute("data-judging", "done", timeout=30_000)
            expect(tab.by("judging")).to_have_count(0)
            expect(tab.by("judged")).to_be_visible()
            expect(tab.by("grade-card").first.get_by_test_id("key-point")).to_have_count(len(q.key_points))
            assert tab.errors == []


def _patch_json(page, pattern: str, change: Any) -> None:
    """Let the server answer requests matching ``pattern``, then hand the page ``change(body)`` instead."""

    def handle(route) -> None:
        response = route.fetch()
        body = response.json()
        change(body, route.request)
        route.fulfill(response=response, json=body)

    page.route(pattern, handle)


def test_the_card_shows_the_question_score_and_how_it_was_reached(base_url: str, open_tab) -> None:
    """With question_score and explanation in the API's turns (AnswerOut, TurnOut), the card's big number is the
    question's score after the turn and the explanation is the line under it; the header shows score_so_far as sent.
    The replies are the server's, with those fields set to values no grade here would give."""
    explanation = "最好的一次回答得 77 分，加上追问的得分"

    def answered(body: dict[str, Any], _request) -> None:
        body.update(question_score=77.0, explanation=explanation, score_so_far=42.5)

    def session(body: dict[str, Any], request) -> None:
        if request.method == "GET":
            for turn in body["transcript"]:
                turn.update(question_score=77.0, explanation=explanation)
            body["score_so_far"] = 42.5

    tab = open_tab("zh-CN")
    page = tab.page
    _patch_json(page, "**/answers", answered)
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=1, lang="zh")
    tab.by("answer-input").fill("浅层卷积提取边缘和纹理。")
    res = send_and_read(tab, tab.by("send-button").click)
    assert res["question_score"] == 77.0
    check_numbers(tab, res, 0, "zh")
    score = tab.by("grade-card").first.get_by_test_id("grade-score")
    expect(score).to_have_attribute("data-source", "question")
    expect(score).to_have_attribute("aria-label", "得分 77/100")
    expect(tab.by("score-so-far")).to_have_text("当前得分 43")

    # A reload draws the card from the session's transcript, with the same fields.
    page.unroute("**/answers")
    _patch_json(page, re.compile(r".*/v1/sessions/[^/]+$"), session)
    page.reload()
    expect(tab.by("grade-card")).to_have_count(1)
    expect(tab.by("grade-card").first.get_by_test_id("grade-score")).to_have_text("77/100")
    expect(tab.by("grade-card").first.get_by_test_id("score-explanation")).to_have_text(explanation)
    expect(tab.by("score-so-far")).to_have_text("当前得分 43")
    assert tab.errors == []
