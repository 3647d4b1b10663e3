"""The chat page's strings (api/static/strings.json): one table per interview language, with the same keys, and
nothing a candidate sees left hard-coded in the page's scripts or markup (checked in Chromium for zh)."""

from __future__ import annotations

import re
from typing import Any

from chat_browser import STATIC, STRINGS, TOPIC, Tab, expect, needs_chromium, start_interview

SCRIPTS = ["app.js", "voice.js", "follow.js", "math.js", "i18n.js", "dom.js"]


def _shape(table: Any, path: str = "") -> dict[str, set[str]]:
    """Each leaf's path and the {placeholders} its text uses."""
    if isinstance(table, dict):
        out: dict[str, set[str]] = {}
        for key, value in table.items():
            out.update(_shape(value, f"{path}.{key}" if path else key))
        return out
    assert isinstance(table, str) and table.strip(), f"{path}: not a text"
    return {path: set(re.findall(r"\{(\w+)\}", table))}


def test_both_languages_have_the_same_strings_and_placeholders() -> None:
    assert set(STRINGS) == {"zh", "en"}
    assert _shape(STRINGS["zh"]) == _shape(STRINGS["en"])


def test_every_string_the_page_asks_for_exists() -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    wanted = set(re.findall(r'data-i18n="(\w+)"', html))
    for name in SCRIPTS:
        js = (STATIC / name).read_text(encoding="utf-8")
        wanted |= set(re.findall(r"\b(?:s|t\(\)|strings\(\))\.(\w+)", js))
    assert wanted, "no string lookups found"
    assert sorted(wanted - set(STRINGS["zh"])) == []


def test_the_scripts_hold_no_chinese_text() -> None:
    """All zh strings live in strings.json (a script holding Chinese still has a table of its own)."""
    for name in SCRIPTS:
        js = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", js), name


# Texts the page shows or announces that are its own: visible text nodes and the aria-label, title and placeholder
# attributes, outside what the API or the candidate wrote (questions, answers, key points, passages, topic titles,
# the server's flag explanations).
CONTENT = (
    ".bubble, .kp-statement, .kp-evidence q, .rq-text, .points li > span:not(.check), .reference, .passage, "
    ".topic-title, .bar-label, .explanation, .flag-details li > span:not(.flag-name), .katex, mark, .flag"
)
PAGE_TEXTS = """(content) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!e || e.closest(content) || e.closest("[hidden], noscript") || !e.getClientRects().length) continue;
    if (n.textContent.trim()) out.push(n.textContent.trim());
  }
  for (const e of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
    if (e.closest(content) || e.closest("[hidden]") || !e.getClientRects().length) continue;
    for (const a of ["aria-label", "title", "placeholder"]) if (e.getAttribute(a)) out.push(e.getAttribute(a));
  }
  out.push(document.title.replace(/ · interviewer$/, ""));
  return out;
}"""
# Names a Chinese interview keeps in Latin letters.
ALLOWED = {"LLM", "Enter", "Shift", "HTML", "Markdown", "Transformer"}


def _english_in(tab: Tab, where: str) -> list[str]:
    texts = tab.page.evaluate(PAGE_TEXTS, CONTENT)
    assert texts, where
    return [f"{where}: {t!r}" for t in texts if set(re.findall(r"[A-Za-z]{2,}", t)) - ALLOWED]


@needs_chromium
def test_a_chinese_interview_shows_no_english(base_url: str, open_tab) -> None:
    tab = open_tab("zh-CN")
    page = tab.page
    found: list[str] = []
    page.goto(base_url + "/")
    expect(tab.by(f"topic-{TOPIC}")).to_be_visible()
    found += _english_in(tab, "start screen")
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=1, lang="zh")
    found += _english_in(tab, "first question")

    # Refusals and failures: an empty answer, then the network gone.
    tab.by("send-button").click()
    expect(tab.by("answer-error")).to_be_visible()
    found += _english_in(tab, "empty answer")
    page.route("**/answers", lambda route: route.abort())
    tab.by("answer-input").fill("浅层卷积提取边缘、颜色和纹理等低级特征。深层提取高级语义特征。")
    tab.by("send-button").click()
    expect(tab.by("answer-error")).to_have_text(STRINGS["zh"]["networkError"])
    found += _english_in(tab, "network error")
    page.unroute("**/answers")

    tab.by("send-button").click()
    expect(tab.by("grade-card")).to_have_count(1)
    expect(page.locator('[data-testid="msg-interviewer"][data-kind="followup"]')).to_have_count(1)
    found += _english_in(tab, "grade card and follow-up")
    tab.by("answer-input").fill("因为感受野逐层增大。")
    tab.by("send-button").click()
    expect(tab.by("report")).not_to_have_attribute("aria-busy", "true")
    expect(tab.by("md-download")).to_have_attribute("data-ready", "true")
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found += _english_in(tab, "report")
    assert found == []
    # Chromium logs the deliberate failures (the 400 and the aborted request); nothing else may go wrong.
    assert [e for e in tab.errors if "status of 400" not in e and "ERR_FAILED" not in e] == []
