"""The chat page under its Content-Security-Policy header (api/security_headers.py), in Chromium: every script,
style sheet and KaTeX font still loads, KaTeX typesets, the HTML report opened from a blob: URL keeps its styles,
and no policy violation happens but the one the test provokes to show the header is enforced."""

from __future__ import annotations

from api.security_headers import PAGE_POLICY
from chat_browser import TOPIC, expect, needs_chromium, start_interview

pytestmark = needs_chromium

# Every violation in every page of the context, with the policy that was violated: the header's or the <meta>'s.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push({directive: e.effectiveDirective, blocked: e.blockedURI, policy: e.originalPolicy});
});
"""
ANSWER = "浅层卷积提取边缘、颜色和纹理等低级特征。深层提取高级语义特征。"


def test_the_page_works_under_its_policy_and_the_policy_is_enforced(base_url: str, open_tab) -> None:
    tab = open_tab("zh-CN")
    page = tab.page
    tab.context.add_init_script(RECORD_VIOLATIONS)
    with page.expect_response(lambda r: r.url == base_url + "/") as info:
        start_interview(tab, base_url, topic=TOPIC, n=1, followups=0, lang="zh")
    assert info.value.headers["content-security-policy"] == PAGE_POLICY

    # KaTeX is there, typesets (setting inline styles as it goes) and its fonts load from /static.
    typeset = page.evaluate(
        """async () => {
          const el = document.createElement("span");
          document.body.append(el);
          katex.render("\\\\frac{a}{\\\\sqrt{b^2 + 1}} \\\\mathbb{R}", el, {throwOnError: true});
          const fonts = await document.fonts.load("16px KaTeX_Main", "a");
          const html = el.innerHTML;
          el.remove();
          return {html, fonts: fonts.length};
        }"""
    )
    assert 'class="katex"' in typeset["html"] and "style=" in typeset["html"] and typeset["fonts"] > 0

    tab.by("answer-input").fill(ANSWER)
    tab.by("answer-input").press("Enter")
    expect(tab.by("report")).to_be_visible()
    expect(tab.by("html-report-link")).to_have_attribute("data-ready", "true")
    with tab.context.expect_page() as popup:
        tab.by("html-report-link").click()
    report = tab.watch(popup.value)
    report.wait_for_load_state()
    expect(report.locator("h1")).to_have_text("模拟面试报告")
    # Its inline <style> applies: the blob: document inherits the page's policy, which allows inline styles.
    assert report.evaluate("getComputedStyle(document.body).maxWidth") == "860px"
    assert report.evaluate("window.__violations") == []
    report.close()
    assert page.evaluate("window.__violations") == [] and tab.errors == []

    # An inline script is refused, by the header's policy as well as by the page's <meta>.
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__inline = 1";
          document.body.append(s);
        }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("typeof window.__inline") == "undefined"
    violations = page.evaluate("window.__violations")
    assert {v["directive"] for v in violations} == {"script-src-elem"}
    assert PAGE_POLICY in {v["policy"] for v in violations}
    assert all("inline script" in e for e in tab.errors) and tab.errors
