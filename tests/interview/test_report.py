"""The report in the candidate's language: Markdown escaped for Markdown, HTML for HTML, formulas that render, flags
explained in words, and English reading for an English interview."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.grading.result import Grade
from interviewer.grading.scoring import PENALTY_RULES
from interviewer.interview.machine import Interview, InterviewConfig
from interviewer.interview.report import Report, TranscriptLine, build_report
from interviewer.knowledge.bank import Bank
from interviewer.knowledge.models import Question
from md_render import HOSTILE, MARKDOWN_IT, PHISH, elements, flat, github_html, inline_text, normalised, tokens, visible
from paths import DATA

NASTY = "ReLU's output for x<0 is 0; a|b **bold** _under_ `code` [link](http://x) <script>alert(1)</script> &amp;"
REFERENCE_ZH = r"1×1 卷积即 $1 \times 1$ 卷积；ReLU 为 $$f(x) = \max(0, x)$$，x<0 时输出 0。坏公式 $x_{$ 照原样。"
REFERENCE_EN = r"A $1 \times 1$ convolution; ReLU is $$f(x) = \max(0, x)$$, 0 for x<0. A broken one $x_{$ stays."
CHINESE_PASSAGE = {
    "file": "notes.md",
    "start_line": 3,
    "end_line": 6,
    "title": "为什么 <b>dropout</b> 有用",
    "text": r"Dropout 在训练时随机置零，$p = 0.5$ 时 $\tilde h_i = m_i h_i / (1-p)$。",
}


class FlaggingGrader(KeywordGrader):
    """The keyword grader, plus the flags the embedding grader raises, with its English notes."""

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        g = super().grade(question, answer, match_confidence)
        details: dict[str, str] = {}
        if "OTHER" in answer:
            details["other_question"] = "the answer fits bn-param-count better"
        if "SHORT" in answer:
            details["too_short"] = "2 words/characters of content"
        if not details:
            return g
        flags = [*g.flags, *details]
        return g.model_copy(update={"flags": flags, "flag_details": {**g.flag_details, **details}, "score": 5.0})


@pytest.fixture
def bank(tmp_path: Path) -> Bank:
    """The small test bank, with formulas and text that would break Markdown or HTML in its reference."""
    data = yaml.safe_load((DATA / "small_corpus" / "bank" / "dropout.yaml").read_text(encoding="utf-8"))
    question = data["questions"][0]
    question["reference"] = {"zh": REFERENCE_ZH + NASTY, "en": REFERENCE_EN + NASTY}
    question["key_points"][0]["statement"]["en"] += r" (with probability $p$, keeping $1-p$)"
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "dropout.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_bank(folder)


def finder(_question: Question, _missed: list[str]) -> list[dict[str, Any]]:
    return [dict(CHINESE_PASSAGE)]


def interview(bank: Bank, lang: str, answer: str) -> Report:
    iv = Interview.start(bank, FlaggingGrader(), InterviewConfig(n_questions=1, language=lang, max_followups=0, seed=1))
    iv.answer(answer)
    assert iv.done
    return build_report(iv, finder)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_is_escaped_for_markdown_and_keeps_formulas(bank: Bank, lang: str) -> None:
    md = interview(bank, lang, "random-zero " + NASTY).to_markdown()
    for entity in ("&#x27;", "&lt;", "&gt;", "&quot;", "&amp;amp;"):
        assert entity not in md
    # The candidate's words arrive as typed, every markup character escaped.
    said = next(line for line in md.splitlines() if "ReLU's output" in line and line.startswith("- **"))
    for piece in (r"x\<0", r"a\|b", r"\*\*bold\*\*", r"\_under\_", r"\`code\`", r"\[link\]", r"\<script\>", r"\&amp;"):
        assert piece in said, piece
    assert "<script>" not in md
    # Formulas stay TeX for GitHub, on one line, never mangled by the escaping.
    assert r"$1 \times 1$" in md and r"$f(x) = \max(0, x)$" in md
    assert r"$x_{$" not in md  # not a formula: an unmatched "$" is shown as a dollar sign
    header = "| 主题 | 得分 | 优势 | 不足 |" if lang == "zh" else "| Topic | Score | Strengths | Gaps |"
    assert header in md


def test_markdown_for_the_terminal_shows_formulas_as_plain_text(bank: Bank) -> None:
    md = interview(bank, "zh", "random-zero").to_markdown(math="plain")
    assert "1 × 1" in md and "f(x) = max(0, x)" in md
    assert r"\times" not in md and r"\max" not in md


def test_html_escapes_html_and_renders_formulas_as_mathml(bank: Bank) -> None:
    page = interview(bank, "en", "random-zero " + NASTY).to_html()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>dropout</b>" not in page and "&lt;b&gt;dropout&lt;/b&gt;" in page
    assert "ReLU&#x27;s" in page and "x&lt;0" in page  # HTML's own escaping, in HTML
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in page
    assert 'display="block"' in page and "<mo>×</mo>" in page and "<mo>max</mo>" in page
    assert r"\times" not in page and r"\max" not in page
    # Key points and passages render theirs too; the TeX that does not convert shows as its escaped source.
    assert "<mi>p</mi>" in page and "<mover>" in page
    assert "$x_{$" in page


def test_markup_inside_tex_never_reaches_the_page(bank: Bank, tmp_path: Path) -> None:
    data = yaml.safe_load((DATA / "small_corpus" / "bank" / "dropout.yaml").read_text(encoding="utf-8"))
    data["questions"][0]["reference"]["en"] = (
        r"$\text{<img src=x onerror=alert(1)>}$ and $\href{javascript:alert(1)}{x}$ and $\unknowncommand{y}$"
    )
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "dropout.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    page = interview(load_bank(folder), "en", "random-zero").to_html()
    assert "<img" not in page and "href=" not in page
    assert r"$\text{&lt;img src=x onerror=alert(1)&gt;}$" in page  # its source, as text
    assert r"\unknowncommand{y}" in page  # shown as written, not as a broken formula


def test_every_heading_of_a_chinese_report_is_chinese(bank: Bank) -> None:
    rep = interview(bank, "zh", "SHORT")
    md, page = rep.to_markdown(), rep.to_html()
    for english in ("| topic |", "Score", "Points covered", "Points missed", "What to read", "Transcript", "Flags"):
        assert english not in md and english not in page
    assert "## 按主题" in md and "**建议阅读**" in md and "**标记**" in md
    assert 'aria-label="各主题得分"' in page


def test_flags_are_explained_in_the_interview_language_with_neutral_specifics(bank: Bank) -> None:
    zh = interview(bank, "zh", "SHORT OTHER").questions[0]
    assert zh.flags == ["other_question", "too_short"] or set(zh.flags) == {"other_question", "too_short"}
    notes = dict(zip(zh.flags, zh.flag_notes, strict=True))
    assert notes["too_short"] == PENALTY_RULES["too_short"]["zh"]  # the English "2 words/characters" is left out
    assert notes["other_question"].startswith(PENALTY_RULES["other_question"]["zh"])
    assert "bn-param-count" in notes["other_question"] and "fits" not in notes["other_question"]
    en = interview(bank, "en", "SHORT OTHER").questions[0]
    en_notes = dict(zip(en.flags, en.flag_notes, strict=True))
    assert en_notes["too_short"] == PENALTY_RULES["too_short"]["en"]
    assert "bn-param-count" in en_notes["other_question"]
    md = interview(bank, "zh", "SHORT OTHER").to_markdown()
    assert f"- `too_short` {PENALTY_RULES['too_short']['zh']}" in md


def test_an_english_interview_reads_the_english_reference_first_and_marks_the_chinese_source(bank: Bank) -> None:
    rep = interview(bank, "en", "random-zero")
    q = bank.get("dropout-what")
    first, second = rep.questions[0].passages
    assert first.kind == "reference" and first.language == "en" and first.text == q.reference.en
    assert (first.file, first.start_line, first.end_line) == ("notes.md", 3, 6)  # where the answer comes from
    assert second.kind == "source" and second.language == "zh" and second.text == CHINESE_PASSAGE["text"]
    md, page = rep.to_markdown(), rep.to_html()
    assert "The bank's reference answer (English)" in md and "(Chinese source)" in md
    assert '<blockquote lang="zh">' in page and '<blockquote lang="en">' in page
    # A Chinese interview reads the Chinese source as it is.
    zh = interview(bank, "zh", "random-zero").questions[0].passages
    assert [p.kind for p in zh] == ["source"] and zh[0].language == "zh"
    assert "（英文资料）" not in interview(bank, "zh", "random-zero").to_markdown()


def test_each_question_says_how_its_score_was_reached(bank: Bank) -> None:
    for lang in ("zh", "en"):
        iv = Interview.start(bank, FlaggingGrader(), InterviewConfig(n_questions=1, language=lang, max_followups=0))
        iv.answer("random-zero")
        rep = build_report(iv)
        line = rep.questions[0].explanation
        assert line and line == iv.explain(iv.state.records[0])
        assert line in rep.to_html().replace("&gt;", ">") and "/100" in line
        md = rep.to_markdown()
        assert ("得分说明" if lang == "zh" else "How the score was reached") in md


# --- hostile answers read back by real Markdown renderers (md_render.py) --------------------------------------

PLACEHOLDER = "PLACEHOLDER"
# The report's own Markdown makes none of these; any of them in a rendering came from what someone typed.
FOREIGN = {"link_open", "image", "html_inline", "html_block", "fence", "code_block", "hr"}


def _with_answers(rep: Report, answers: list[str]) -> Report:
    """``rep`` with a transcript of one reply per answer, each after the interviewer's first prompt."""
    prompt = rep.transcript[0]
    lines = [[prompt, TranscriptLine(role="candidate", kind="answer", text=a, score=0.0)] for a in answers]
    return rep.model_copy(update={"transcript": [line for pair in lines for line in pair]})


def _shape(md: str, preset: str) -> list[tuple[str, str]]:
    return [(t.type, t.tag) for t in flat(tokens(md, preset)) if t.type != "text"]


def _candidate_lines(md: str, preset: str) -> list[str]:
    """The rendered text of the transcript's candidate lines."""
    shown = [inline_text(t) for t in tokens(md, preset) if t.type == "inline"]
    start = shown.index("Transcript")
    return [s for s in shown[start + 1 :] if s.startswith("Candidate")]


def _assert_shown_literally(md: str, preset: str, answers: list[str]) -> None:
    lines = _candidate_lines(md, preset)
    assert len(lines) == len(answers)
    for line, answer in zip(lines, answers, strict=True):
        assert re.sub(r"^Candidate \(\d+/100\): ", "", line) == normalised(answer), (answer, line)
        assert visible(answer) in visible(line)


@pytest.mark.parametrize("preset", list(MARKDOWN_IT))
@pytest.mark.parametrize("answer", HOSTILE)
def test_a_hostile_answer_is_shown_as_typed_and_makes_no_markup(bank: Bank, preset: str, answer: str) -> None:
    rep, plain = interview(bank, "en", answer), interview(bank, "en", PLACEHOLDER)
    md = rep.to_markdown()
    found = list(flat(tokens(md, preset)))
    assert not [t.type for t in found if t.type in FOREIGN], md
    # The headings, lists, block quotes, tables and code spans are the report's own: the same as for a harmless
    # answer, with the answer shown as typed on its one line.
    assert _shape(md, preset) == _shape(plain.to_markdown(), preset)
    assert [t.type for t in found].count("heading_open") == 3 + len(rep.questions)
    _assert_shown_literally(md, preset, [answer])


@pytest.mark.parametrize("preset", list(MARKDOWN_IT))
def test_hostile_answers_in_one_transcript_do_not_combine_into_markup(bank: Bank, preset: str) -> None:
    """A link definition in one answer and its reference in another, a fence opened in one and closed later…"""
    rep = interview(bank, "en", "random-zero")
    md = _with_answers(rep, HOSTILE).to_markdown()
    assert _shape(md, preset) == _shape(_with_answers(rep, [PLACEHOLDER] * len(HOSTILE)).to_markdown(), preset)
    assert not [t.type for t in flat(tokens(md, preset)) if t.type in FOREIGN]
    _assert_shown_literally(md, preset, HOSTILE)


def test_github_renders_hostile_answers_as_typed(bank: Bank) -> None:
    rep = interview(bank, "en", "random-zero")
    github, harmless = (
        elements(github_html(_with_answers(rep, answers).to_markdown()))
        for answers in (HOSTILE, [PLACEHOLDER] * len(HOSTILE))
    )
    # GitHub links e-mail addresses whatever the escaping (markup.py says why they are let be): only mailto: links.
    mail = [attrs for tag, attrs in github.tags if tag == "a"]
    assert all((attrs.get("href") or "").startswith("mailto:") for attrs in mail) and len(mail) == 1
    assert [t for t, _ in github.tags if t != "a"] == [t for t, _ in harmless.tags]
    assert not github.other  # no comment, declaration or processing instruction got through
    candidate = [item.strip() for item in github.items if item.startswith("Candidate")]
    assert candidate == [f"Candidate (0/100): {normalised(a)}" for a in HOSTILE]


def test_the_probes_answers_render_as_text(bank: Bank) -> None:
    """Issue 17's probe: an escaped-looking link, and a heading after a bare CR."""
    probe = [rf"BN \[click here\]({PHISH})", "ok\r# Overall score: 100/100"]
    md = _with_answers(interview(bank, "en", "random-zero"), probe).to_markdown()
    assert r"- **Candidate** (0/100): BN \\\[click here\\\](https\:\//evil\.example/phish)" in md
    assert r"- **Candidate** (0/100): ok \# Overall score: 100/100" in md
    for preset in MARKDOWN_IT:
        assert _candidate_lines(md, preset) == [
            rf"Candidate (0/100): BN \[click here\]({PHISH})",
            "Candidate (0/100): ok # Overall score: 100/100",
        ]
