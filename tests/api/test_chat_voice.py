"""Answers by voice and prompts read aloud (api/static/voice.js), in Chromium with the Web Speech API replaced.

The fakes are installed before the page loads (page.add_init_script): a recognition class the test drives (it
emits interim and final results, or an error, when told) and a speechSynthesis that records what it is asked to
say. A last test deletes the APIs: the buttons must not show.
"""

from __future__ import annotations

from chat_browser import STRINGS, TOPIC, Tab, expect, needs_chromium, no_horizontal_scroll, start_interview

pytestmark = needs_chromium

FAKE_SPEECH = """
(() => {
  class FakeRecognition {
    constructor() {
      this.lang = "";
      this.interimResults = false;
      this.continuous = false;
      this.calls = [];
      window.__recognitions.push(this);
    }
    start() { this.calls.push("start"); }
    stop() { this.calls.push("stop"); setTimeout(() => this.onend && this.onend(), 0); }
    abort() {
      this.calls.push("abort");
      setTimeout(() => { this.onerror && this.onerror({ error: "aborted" }); this.onend && this.onend(); }, 0);
    }
    // parts: [[transcript, isFinal], ...], the whole session's results so far, as Chrome's continuous mode sends them
    emit(parts) {
      const result = ([transcript, isFinal]) => Object.assign([{ transcript, confidence: 0.9 }], { isFinal });
      const results = parts.map(result);
      this.onresult && this.onresult({ resultIndex: 0, results });
    }
    fail(error) { this.onerror && this.onerror({ error }); this.onend && this.onend(); }
  }
  window.__recognitions = [];
  window.SpeechRecognition = FakeRecognition;
  window.webkitSpeechRecognition = FakeRecognition;

  let current = null;
  const synth = {
    spoken: [],
    cancelled: 0,
    speaking: false,
    speak(u) { this.spoken.push({ text: u.text, lang: u.lang }); current = u; this.speaking = true; },
    cancel() {
      this.cancelled += 1;
      this.speaking = false;
      const u = current;
      current = null;
      if (u && u.onerror) setTimeout(() => u.onerror({ error: "interrupted" }), 0);
    },
    finish() { const u = current; current = null; this.speaking = false; if (u && u.onend) u.onend({}); },
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
})();
"""

NO_SPEECH = """
for (const name of ["SpeechRecognition", "webkitSpeechRecognition", "speechSynthesis", "SpeechSynthesisUtterance"]) {
  delete window[name];
}
"""

RECOGNITION = (
    "() => { const r = window.__recognitions.at(-1); return r && {lang: r.lang, interim: r.interimResults, "
    "continuous: r.continuous, calls: r.calls}; }"
)


def _emit(tab: Tab, parts: list[tuple[str, bool]]) -> None:
    tab.page.evaluate("(parts) => window.__recognitions.at(-1).emit(parts)", [list(p) for p in parts])


def test_dictation_fills_the_answer_box_and_never_sends(base_url: str, open_tab) -> None:
    zh = STRINGS["zh"]
    tab = open_tab("zh-CN")
    tab.context.add_init_script(FAKE_SPEECH)
    start_interview(tab, base_url, topic="batch-norm", n=2, followups=0, lang="zh")
    mic, box = tab.by("mic-button"), tab.by("answer-input")
    expect(mic).to_be_visible()
    expect(mic).to_have_attribute("aria-label", zh["dictate"])
    expect(mic).to_have_attribute("aria-pressed", "false")

    box.fill("我认为")
    mic.click()
    assert tab.page.evaluate(RECOGNITION) == {"lang": "zh-CN", "interim": True, "continuous": True, "calls": ["start"]}
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(mic).to_have_attribute("aria-label", zh["dictateStop"])
    expect(tab.by("voice-status")).to_have_text(zh["listening"])

    # The interim transcript shows after what was typed and is replaced as recognition goes on.
    _emit(tab, [("训练时用当前", False)])
    expect(box).to_have_value("我认为训练时用当前")
    _emit(tab, [("训练时用当前batch的均值和方差。", True), ("测试时用", False)])
    expect(box).to_have_value("我认为训练时用当前batch的均值和方差。测试时用")
    _emit(tab, [("训练时用当前batch的均值和方差。", True), ("测试时用滑动平均。", True)])
    expect(box).to_have_value("我认为训练时用当前batch的均值和方差。测试时用滑动平均。")
    expect(tab.by("msg-candidate")).to_have_count(0)  # it never sends by itself

    # A second press stops; the text stays, to edit and send by hand.
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "false")
    expect(tab.by("voice-status")).to_be_hidden()
    assert tab.page.evaluate(RECOGNITION)["calls"] == ["start", "stop"]
    expect(tab.by("msg-candidate")).to_have_count(0)
    box.press("End")
    box.type("全局统计量。")
    final = "我认为训练时用当前batch的均值和方差。测试时用滑动平均。全局统计量。"
    expect(box).to_have_value(final)
    tab.by("send-button").click()
    expect(tab.by("grade-card").first.get_by_test_id("card-answer")).to_have_text(final)

    # Errors get a short message in the interview language.
    for error in ("not-allowed", "no-speech"):
        mic.click()
        tab.page.evaluate("(e) => window.__recognitions.at(-1).fail(e)", error)
        expect(tab.by("answer-error")).to_have_text(zh["voiceErrors"][error])
        expect(mic).to_have_attribute("aria-pressed", "false")
    assert tab.errors == []


def test_dictation_in_english_on_a_phone_stops_when_the_answer_is_sent(base_url: str, open_tab) -> None:
    tab = open_tab("en-US", {"width": 360, "height": 740})
    tab.context.add_init_script(FAKE_SPEECH)
    start_interview(tab, base_url, topic="batch-norm", n=2, followups=0, lang="en")
    mic, box = tab.by("mic-button"), tab.by("answer-input")
    expect(mic).to_have_attribute("aria-label", STRINGS["en"]["dictate"])
    box.fill("I think")
    mic.click()
    assert tab.page.evaluate(RECOGNITION)["lang"] == "en-US"
    _emit(tab, [("BN uses the batch statistics in training", True), (" and running averages", False)])
    expect(box).to_have_value("I think BN uses the batch statistics in training and running averages")
    # Sending while listening ends the dictation: nothing more lands in the emptied box.
    tab.by("send-button").click()
    expect(tab.by("grade-card")).to_have_count(1)
    assert tab.page.evaluate(RECOGNITION)["calls"] == ["start", "abort"]
    _emit(tab, [("late words", True)])
    expect(box).to_have_value("")
    expect(mic).to_have_attribute("aria-pressed", "false")
    no_horizontal_scroll(tab.page, 360)
    assert tab.errors == []


def test_prompts_are_read_aloud_and_a_second_press_stops(base_url: str, open_tab, corpus) -> None:
    tab = open_tab("zh-CN")
    tab.context.add_init_script(FAKE_SPEECH)
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=1, lang="zh")
    question = corpus.bank.get("convfeat-hierarchy").question.get("zh")
    speak = tab.by("msg-interviewer").first.get_by_test_id("speak-button")
    expect(speak).to_have_attribute("aria-label", STRINGS["zh"]["readAloud"])
    speak.click()
    assert tab.page.evaluate("speechSynthesis.spoken") == [{"text": question, "lang": "zh-CN"}]
    expect(speak).to_have_attribute("aria-pressed", "true")
    expect(speak).to_have_attribute("aria-label", STRINGS["zh"]["stopReading"])
    speak.click()
    expect(speak).to_have_attribute("aria-pressed", "false")
    assert tab.page.evaluate("speechSynthesis.cancelled") >= 1
    assert len(tab.page.evaluate("speechSynthesis.spoken")) == 1  # the second press only stopped it

    # Read again, to the end: the button returns to its resting state by itself.
    speak.click()
    expect(speak).to_have_attribute("aria-pressed", "true")
    tab.page.evaluate("speechSynthesis.finish()")
    expect(speak).to_have_attribute("aria-pressed", "false")

    # The follow-up has its own button, reading the follow-up.
    tab.by("answer-input").fill("浅层卷积提取边缘、颜色和纹理等低级特征。深层提取高级语义特征。")
    tab.by("send-button").click()
    follow_up = tab.page.locator('[data-testid="msg-interviewer"][data-kind="followup"]')
    expect(follow_up).to_have_count(1)
    follow_up.get_by_test_id("speak-button").click()
    spoken = tab.page.evaluate("speechSynthesis.spoken")
    assert spoken[-1]["lang"] == "zh-CN" and spoken[-1]["text"] == follow_up.locator(".bubble").inner_text().strip()
    assert tab.errors == []


def test_without_the_speech_api_there_are_no_voice_buttons(base_url: str, open_tab) -> None:
    tab = open_tab("en-US")
    tab.context.add_init_script(NO_SPEECH)
    start_interview(tab, base_url, topic=TOPIC, n=1, followups=0, lang="en")
    gone = "['SpeechRecognition', 'webkitSpeechRecognition', 'speechSynthesis'].filter((n) => n in window)"
    assert tab.page.evaluate(gone) == []
    expect(tab.by("mic-button")).to_be_hidden()
    expect(tab.by("speak-button")).to_have_count(0)
    # Typing and sending work as before.
    tab.by("answer-input").fill("Shallow layers extract edges and textures.")
    tab.by("send-button").click()
    expect(tab.by("grade-card")).to_have_count(1)
    assert tab.errors == []
