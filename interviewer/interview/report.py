"""The end-of-interview report: per question, per topic, the transcript; as JSON, Markdown or HTML.

Every label is in the interview's language. Bank and corpus text keeps its formulas (``$...$`` in Markdown, MathML
in HTML, plain text in the terminal); the candidate's own words are shown literally (:mod:`.markup`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from interviewer.grading.flag_notes import flag_note
from interviewer.interview.machine import Interview, QuestionRecord
from interviewer.interview.markup import html_rich, md_code, md_rich, md_text, plain_rich
from interviewer.knowledge.models import Language, Question
from interviewer.language.text import detect_language

# Given a question and the key-point statements the candidate missed, the source passages to read.
PassageFinder = Callable[[Question, list[str]], list[dict[str, Any]]]

_T = {
    "zh": {
        "title": "模拟面试报告",
        "overall": "总分",
        "question": "题目",
        "topic": "主题",
        "score": "得分",
        "covered": "答到的要点",
        "missed": "遗漏的要点",
        "reference": "参考答案",
        "read": "建议阅读",
        "topics": "按主题",
        "strengths": "优势",
        "gaps": "不足",
        "transcript": "对话记录",
        "interviewer": "面试官",
        "candidate": "候选人",
        "hinted": "（经提示后答出）",
        "none": "无",
        "skipped": "（跳过）",
        "flags": "标记",
        "how": "得分说明",
        "chart": "各主题得分",
        "bank_reference": "题库参考答案（中文）",
        "other_source": "（英文资料）",
        "colon": "：",
    },
    "en": {
        "title": "Mock interview report",
        "overall": "Overall score",
        "question": "Question",
        "topic": "Topic",
        "score": "Score",
        "covered": "Points covered",
        "missed": "Points missed",
        "reference": "Reference answer",
        "read": "What to read",
        "topics": "By topic",
        "strengths": "Strengths",
        "gaps": "Gaps",
        "transcript": "Transcript",
        "interviewer": "Interviewer",
        "candidate": "Candidate",
        "hinted": " (after a hint)",
        "none": "none",
        "skipped": " (skipped)",
        "flags": "Flags",
        "how": "How the score was reached",
        "chart": "scores per topic",
        "bank_reference": "The bank's reference answer (English)",
        "other_source": " (Chinese source)",
        "colon": ": ",
    },
}


class Passage(BaseModel):
    """Something to read: a source passage, or (``kind="reference"``) the bank's reference answer."""

    file: str
    start_line: int
    end_line: int
    title: str = ""
    text: str
    # The language ``text`` is written in: the sources are Chinese, so an English interview marks them as such.
    language: Language = "zh"
    kind: Literal["source", "reference"] = "source"


class QuestionReport(BaseModel):
    id: str
    topic: str
    question: str
    score: float
    covered: list[str]
    hinted: list[str]
    missed: list[str]
    reference: str
    passages: list[Passage] = Field(default_factory=list)
    skipped: bool = False
    flags: list[str] = Field(default_factory=list)
    # Each flag explained in the interview's language, in the order of ``flags``.
    flag_notes: list[str] = Field(default_factory=list)
    # One line on how ``score`` was reached (Interview.explain).
    explanation: str = ""


class TopicReport(BaseModel):
    id: str
    title: str
    score: float
    strengths: list[str]
    gaps: list[str]


class TranscriptLine(BaseModel):
    role: str
    kind: str
    text: str
    score: float | None = None


class Report(BaseModel):
    language: Language
    overall_score: float
    questions: list[QuestionReport]
    topics: list[TopicReport]
    transcript: list[TranscriptLine]
    finished: bool

    def to_markdown(self, math: Literal["tex", "plain"] = "tex") -> str:
        """Markdown for GitHub and the like (``math="tex"``), or for a terminal: formulas as plain text."""
        t = _T[self.language]
        rich = md_rich if math == "tex" else _md_plain
        out = [f"# {t['title']}", "", f"**{t['overall']}{t['colon']}{self.overall_score:.0f}/100**", ""]
        out += [
            f"## {t['topics']}",
            "",
            f"| {t['topic']} | {t['score']} | {t['strengths']} | {t['gaps']} |",
            "|---|---|---|---|",
        ]
        for tp in self.topics:
            out.append(f"| {md_text(plain_rich(tp.title))} | {tp.score:.0f} | {len(tp.strengths)} | {len(tp.gaps)} |")
        for i, q in enumerate(self.questions, start=1):
            out += ["", f"## {i}. {rich(q.question)} — {q.score:.0f}/100{t['skipped'] if q.skipped else ''}", ""]
            if q.explanation:
                out += [f"*{t['how']}{t['colon']}{md_text(q.explanation)}*", ""]
            if q.flags:
                out += [f"**{t['flags']}**", ""]
                out += [f"- {md_code(f)} {md_text(note)}" for f, note in zip(q.flags, _notes(q), strict=True)]
                out += [""]
            out += [f"**{t['covered']}**", ""] + [f"- ✔ {rich(c)}" for c in q.covered]
            # The label is the report's own text; md_text would strip the space that opens the English one.
            out += [f"- ✔ {rich(c)}{t['hinted']}" for c in q.hinted] + (
                [f"- {t['none']}"] if not q.covered + q.hinted else []
            )
            out += ["", f"**{t['missed']}**", ""] + ([f"- ✘ {rich(m)}" for m in q.missed] or [f"- {t['none']}"])
            out += ["", f"**{t['reference']}**", "", rich(q.reference)]
            if q.passages:
                out += ["", f"**{t['read']}**", ""]
                for p in q.passages:
                    where = f"{md_code(f'{p.file}:{p.start_line}-{p.end_line}')} " if p.file else ""
                    out += [f"- {where}{rich(_passage_title(p, self.language))}", f"  > {rich(p.text)}"]
        out += ["", f"## {t['transcript']}", ""]
        for line in self.transcript:
            who = t["interviewer"] if line.role == "interviewer" else t["candidate"]
            score = f" ({line.score:.0f}/100)" if line.score is not None else ""
            # The interviewer speaks bank text (formulas and all); the candidate's words are shown as typed.
            said = rich(line.text) if line.role == "interviewer" else md_text(line.text)
            out.append(f"- **{who}**{score}: {said}")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        t = _T[self.language]
        e = html.escape
        bars = _topic_chart(self.topics, t["chart"])
        qs = []
        for i, q in enumerate(self.questions, start=1):
            items = "".join(f"<li class=ok>✔ {html_rich(c)}</li>" for c in q.covered)
            items += "".join(f"<li class=ok>✔ {html_rich(c)}{e(t['hinted'])}</li>" for c in q.hinted)
            items += "".join(f"<li class=miss>✘ {html_rich(m)}</li>" for m in q.missed)
            reads = "".join(
                "<li>"
                + (f"<code>{e(p.file)}:{p.start_line}-{p.end_line}</code> " if p.file else "")
                + f'{html_rich(_passage_title(p, self.language))}<blockquote lang="{e(p.language)}">'
                f"{html_rich(p.text)}</blockquote></li>"
                for p in q.passages
            )
            how = f"<p class=how>{e(t['how'] + t['colon'] + q.explanation)}</p>" if q.explanation else ""
            flags = "".join(
                f"<li><code>{e(f)}</code> {e(note)}</li>" for f, note in zip(q.flags, _notes(q), strict=True)
            )
            qs.append(
                f"<section><h3>{i}. {html_rich(q.question)} <span class=score>{q.score:.0f}/100</span>"
                f"{e(t['skipped']) if q.skipped else ''}</h3>{how}"
                + (f"<p><b>{e(t['flags'])}</b></p><ul class=flags>{flags}</ul>" if flags else "")
                + f"<ul>{items}</ul>"
                f"<details><summary>{e(t['reference'])}</summary><p>{html_rich(q.reference)}</p></details>"
                + (f"<details><summary>{e(t['read'])}</summary><ul>{reads}</ul></details>" if reads else "")
                + "</section>"
            )
        transcript = "".join(
            f"<p class={e(line.role)}><b>{e(t['interviewer'] if line.role == 'interviewer' else t['candidate'])}</b>"
            f"{f' ({line.score:.0f}/100)' if line.score is not None else ''}: "
            f"{html_rich(line.text) if line.role == 'interviewer' else e(line.text)}</p>"
            for line in self.transcript
        )
        topics = "".join(
            f"<p><b>{e(tp.title)}</b> — {e(t['strengths'] + t['colon'])}{_joined(tp.strengths, t['none'])}<br>"
            f"{e(t['gaps'] + t['colon'])}{_joined(tp.gaps, t['none'])}</p>"
            for tp in self.topics
        )
        return f"""<!doctype html><html lang="{e(self.language)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(t["title"])}</title>
<style>{_STYLE}</style></head><body>
<h1>{e(t["title"])}</h1><p><b>{e(t["overall"] + t["colon"])}{self.overall_score:.0f}/100</b></p>
<h2>{e(t["topics"])}</h2>{bars}
{topics}
<h2>{e(t["question"])}</h2>{"".join(qs)}
<h2>{e(t["transcript"])}</h2>{transcript}
</body></html>"""


_STYLE = (
    'body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:860px;margin:1rem auto;padding:0 1rem;'
    "line-height:1.5}\n"
    ".score{color:#555;font-weight:normal} li.ok{color:#1a7f37} li.miss{color:#b42318} "
    "blockquote{color:#555;margin:.3rem 0 .6rem 1rem} p.how{color:#555;font-style:italic}\n"
    "p.candidate{background:#f2f6ff;padding:.4rem;border-radius:6px} svg text{font-size:12px} "
    "math{font-size:1.05em}"
)


def _md_plain(text: str) -> str:
    return md_text(plain_rich(text))


def _notes(q: QuestionReport) -> list[str]:
    """One explanation per flag (reports stored before flag notes existed show the flag alone)."""
    return q.flag_notes if len(q.flag_notes) == len(q.flags) else ["" for _ in q.flags]


def _joined(items: list[str], none: str) -> str:
    return "; ".join(html_rich(x) for x in items) if items else html.escape(none)


def _passage_title(p: Passage, lang: Language) -> str:
    t = _T[lang]
    if p.kind == "reference":
        return t["bank_reference"] + (f" — {p.title}" if p.title else "")
    return p.title + (t["other_source"] if p.language != lang else "")


def _topic_chart(topics: list[TopicReport], label: str) -> str:
    """A horizontal bar chart of per-topic scores as inline SVG (no script, no external file)."""
    if not topics:
        return ""
    row, width = 26, 640
    parts = [
        f'<svg role="img" aria-label="{html.escape(label)}" width="100%" viewBox="0 0 {width} {row * len(topics) + 8}">'
    ]
    for i, tp in enumerate(topics):
        y = i * row + 4
        w = max(2.0, (width - 300) * tp.score / 100)
        colour = "#1a7f37" if tp.score >= 70 else "#bf8700" if tp.score >= 40 else "#b42318"
        parts.append(f'<text x="0" y="{y + 16}">{html.escape(tp.title[:34])}</text>')
        parts.append(f'<rect x="250" y="{y + 3}" width="{w:.1f}" height="16" fill="{colour}"></rect>')
        parts.append(f'<text x="{255 + w:.1f}" y="{y + 16}">{tp.score:.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _reading(q: Question, found: list[dict[str, Any]], lang: Language) -> list[Passage]:
    """What to read for a question: the corpus passages found, each marked with its language.

    The sources are Chinese; an English interview gets the bank's English reference answer first.
    """
    passages = [Passage(**{"language": detect_language(p.get("text", "")), **p}) for p in found]
    reference = q.reference.en if lang == "en" else ""
    if reference and any(p.language != lang for p in passages):
        file, lines = (q.source.file, q.source.lines) if q.source else ("", (0, 0))
        passages.insert(
            0,
            Passage(
                file=file,
                start_line=lines[0],
                end_line=lines[1],
                title=q.question.en,
                text=reference,
                language="en",
                kind="reference",
            ),
        )
    return passages


def _flag_details(interview: Interview, record: QuestionRecord) -> dict[str, str]:
    """The grader's notes on the question's flags, from every graded turn of it (the last note wins)."""
    details: dict[str, str] = {}
    for turn in interview.state.turns:
        if turn.question_id == record.question_id and turn.grade:
            details.update(turn.grade.get("flag_details") or {})
    return details


def build_report(interview: Interview, find_passages: PassageFinder | None = None) -> Report:
    lang = interview.lang
    questions: list[QuestionReport] = []
    by_topic: dict[str, list[QuestionReport]] = {}
    for record in interview.answered_records():
        q = interview.question(record.question_id)
        covered_first = [kp for kp in q.key_points if kp.id in record.covered and kp.id not in record.hinted]
        hinted = [kp for kp in q.key_points if kp.id in record.covered and kp.id in record.hinted]
        missed = [kp for kp in q.key_points if kp.id not in record.covered]
        missed_text = [kp.statement.get(lang) for kp in missed]
        found = find_passages(q, missed_text) if find_passages and missed else []
        details = _flag_details(interview, record)
        qr = QuestionReport(
            id=q.id,
            topic=q.topic,
            question=q.question.get(lang),
            score=interview.question_score(record),
            covered=[kp.statement.get(lang) for kp in covered_first],
            hinted=[kp.statement.get(lang) for kp in hinted],
            missed=missed_text,
            reference=q.reference.get(lang),
            passages=_reading(q, found, lang),
            skipped=record.skipped,
            flags=record.flags,
            flag_notes=[flag_note(f, lang, details) for f in record.flags],
            explanation=interview.explain(record),
        )
        questions.append(qr)
        by_topic.setdefault(q.topic, []).append(qr)
    topics = []
    for tid, qrs in by_topic.items():
        topic = interview.bank.topics.get(tid)
        topics.append(
            TopicReport(
                id=tid,
                title=topic.title.get(lang) if topic else tid,
                score=round(sum(x.score for x in qrs) / len(qrs), 1),
                strengths=[c for x in qrs for c in x.covered + x.hinted],
                gaps=[m for x in qrs for m in x.missed],
            )
        )
    transcript: list[TranscriptLine] = []
    for turn in interview.state.turns:
        transcript.append(TranscriptLine(role="interviewer", kind=turn.kind, text=turn.prompt))
        score = turn.grade["score"] if turn.grade else None
        transcript.append(TranscriptLine(role="candidate", kind="answer", text=turn.answer, score=score))
    if interview.state.current is not None:
        transcript.append(
            TranscriptLine(role="interviewer", kind=interview.state.current.kind, text=interview.state.current.text)
        )
    return Report(
        language=lang,
        overall_score=interview.overall_score(),
        questions=questions,
        topics=topics,
        transcript=transcript,
        finished=interview.done,
    )
