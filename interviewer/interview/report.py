"""The end-of-interview report: per question, per topic, the transcript; as JSON, Markdown or HTML."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from interviewer.interview.machine import Interview
from interviewer.knowledge.models import Question

# Given a question and the key-point statements the candidate missed, the source passages to read.
PassageFinder = Callable[[Question, list[str]], list[dict[str, Any]]]

_T = {
    "zh": {
        "title": "模拟面试报告",
        "overall": "总分",
        "question": "题目",
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
    },
    "en": {
        "title": "Mock interview report",
        "overall": "Overall score",
        "question": "Question",
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
    },
}


class Passage(BaseModel):
    file: str
    start_line: int
    end_line: int
    title: str = ""
    text: str


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
    language: str
    overall_score: float
    questions: list[QuestionReport]
    topics: list[TopicReport]
    transcript: list[TranscriptLine]
    finished: bool

    def to_markdown(self) -> str:
        t = _T[self.language]
        out = [f"# {t['title']}", "", f"**{t['overall']}: {self.overall_score:.0f}/100**", ""]
        out += [
            f"## {t['topics']}",
            "",
            f"| topic | {t['score']} | {t['strengths']} | {t['gaps']} |",
            "|---|---|---|---|",
        ]
        for tp in self.topics:
            out.append(f"| {_md(tp.title)} | {tp.score:.0f} | {len(tp.strengths)} | {len(tp.gaps)} |")
        for i, q in enumerate(self.questions, start=1):
            out += ["", f"## {i}. {_md(q.question)} — {q.score:.0f}/100{t['skipped'] if q.skipped else ''}", ""]
            out += [f"**{t['covered']}**", ""] + [f"- ✔ {_md(c)}" for c in q.covered]
            out += [f"- ✔ {_md(c)}{t['hinted']}" for c in q.hinted] + (
                [f"- {t['none']}"] if not q.covered + q.hinted else []
            )
            out += ["", f"**{t['missed']}**", ""] + ([f"- ✘ {_md(m)}" for m in q.missed] or [f"- {t['none']}"])
            out += ["", f"**{t['reference']}**", "", _md(q.reference)]
            if q.passages:
                out += ["", f"**{t['read']}**", ""]
                out += [f"- `{p.file}:{p.start_line}-{p.end_line}` {_md(p.title)}" for p in q.passages]
        out += ["", f"## {t['transcript']}", ""]
        for line in self.transcript:
            who = t["interviewer"] if line.role == "interviewer" else t["candidate"]
            score = f" ({line.score:.0f}/100)" if line.score is not None else ""
            out.append(f"- **{who}**{score}: {_md(line.text)}")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        t = _T[self.language]
        e = html.escape
        bars = _topic_chart(self.topics)
        qs = []
        for i, q in enumerate(self.questions, start=1):
            items = "".join(f"<li class=ok>✔ {e(c)}</li>" for c in q.covered)
            items += "".join(f"<li class=ok>✔ {e(c)}{e(t['hinted'])}</li>" for c in q.hinted)
            items += "".join(f"<li class=miss>✘ {e(m)}</li>" for m in q.missed)
            reads = "".join(
                f"<li><code>{e(p.file)}:{p.start_line}-{p.end_line}</code> {e(p.title)}"
                f"<blockquote>{e(p.text)}</blockquote></li>"
                for p in q.passages
            )
            qs.append(
                f"<section><h3>{i}. {e(q.question)} <span class=score>{q.score:.0f}/100</span>"
                f"{e(t['skipped']) if q.skipped else ''}</h3><ul>{items}</ul>"
                f"<details><summary>{e(t['reference'])}</summary><p>{e(q.reference)}</p></details>"
                + (f"<details><summary>{e(t['read'])}</summary><ul>{reads}</ul></details>" if reads else "")
                + "</section>"
            )
        transcript = "".join(
            f"<p class={e(line.role)}><b>{e(t['interviewer'] if line.role == 'interviewer' else t['candidate'])}</b>"
            f"{f' ({line.score:.0f}/100)' if line.score is not None else ''}: {e(line.text)}</p>"
            for line in self.transcript
        )
        topics = "".join(
            f"<p><b>{e(tp.title)}</b> — {e(t['strengths'])}: {e('; '.join(tp.strengths) or t['none'])}<br>"
            f"{e(t['gaps'])}: {e('; '.join(tp.gaps) or t['none'])}</p>"
            for tp in self.topics
        )
        return f"""<!doctype html><html lang="{e(self.language)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(t["title"])}</title>
<style>{_STYLE}</style></head><body>
<h1>{e(t["title"])}</h1><p><b>{e(t["overall"])}: {self.overall_score:.0f}/100</b></p>
<h2>{e(t["topics"])}</h2>{bars}
{topics}
<h2>{e(t["question"])}</h2>{"".join(qs)}
<h2>{e(t["transcript"])}</h2>{transcript}
</body></html>"""


_STYLE = (
    'body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:860px;margin:1rem auto;padding:0 1rem;'
    "line-height:1.5}\n"
    ".score{color:#555;font-weight:normal} li.ok{color:#1a7f37} li.miss{color:#b42318} "
    "blockquote{color:#555;margin:.3rem 0 .6rem 1rem}\n"
    "p.candidate{background:#f2f6ff;padding:.4rem;border-radius:6px} svg text{font-size:12px}"
)


def _md(text: str) -> str:
    """Candidate and bank text in Markdown: no HTML, no table breaks, no link/image syntax."""
    return html.escape(text).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


def _topic_chart(topics: list[TopicReport]) -> str:
    """A horizontal bar chart of per-topic scores as inline SVG (no script, no external file)."""
    if not topics:
        return ""
    row, width = 26, 640
    parts = [
        f'<svg role="img" aria-label="scores per topic" width="100%" viewBox="0 0 {width} {row * len(topics) + 8}">'
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
        passages = [Passage(**p) for p in find_passages(q, missed_text)] if find_passages and missed else []
        qr = QuestionReport(
            id=q.id,
            topic=q.topic,
            question=q.question.get(lang),
            score=interview.question_score(record),
            covered=[kp.statement.get(lang) for kp in covered_first],
            hinted=[kp.statement.get(lang) for kp in hinted],
            missed=missed_text,
            reference=q.reference.get(lang),
            passages=passages,
            skipped=record.skipped,
            flags=record.flags,
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
