"""Grade cards for the terminal (rich), every label in the candidate's language."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from interviewer.grading.explain import explain_grade
from interviewer.grading.flag_notes import flag_note
from interviewer.grading.result import Grade
from interviewer.interview.markup import plain_rich
from interviewer.knowledge.models import Language, Question
from interviewer.language.text import detect_language

_T = {
    "zh": {
        "grade": "评分",
        "answer": "你的回答（下划线为依据）",
        "flags": "标记：",
        "matched": "按题目匹配，置信度 {confidence:.2f}",
        "how": "得分说明：",
        "join": "；",
        "note": "{flag}（{note}）",
    },
    "en": {
        "grade": "grade",
        "answer": "your answer (evidence underlined)",
        "flags": "flags: ",
        "matched": "question matched with confidence {confidence:.2f}",
        "how": "how the score was reached: ",
        "join": "; ",
        "note": "{flag} ({note})",
    },
}


def highlighted_answer(answer: str, grade: Grade) -> Text:
    """The answer with every evidence span underlined in green."""
    text = Text(answer)
    for p in grade.key_points:
        if p.evidence:
            text.stylize("bold green underline", p.evidence.start, p.evidence.end)
    return text


def print_grade_card(
    grade: Grade,
    question: Question,
    answer: str,
    console: Console | None = None,
    lang: Language | None = None,
    explanation: str = "",
) -> None:
    """The grade of ``answer`` and the answer itself, in ``lang`` (by default the language of the answer).

    ``explanation`` is one line on how the score was reached: an interview's running score for the question;
    by default, how this grade reached its own.
    """
    console = console or Console()
    lang = lang or detect_language(answer)
    t = _T[lang]
    colour = "green" if grade.score >= 70 else "yellow" if grade.score >= 40 else "red"
    header = Text.assemble(
        (f"{grade.score:.0f}/100", f"bold {colour}"),
        "  ",
        (plain_rich(question.question.get(lang)), "bold"),
        f"  [{question.id}]",
    )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(width=2)
    table.add_column()
    table.add_column(justify="right", width=6)
    statements = {kp.id: kp.statement.get(lang) for kp in question.key_points}
    for p in grade.key_points:
        mark = Text("✔", style="green") if p.covered else Text("✘", style="red")
        body = Text(plain_rich(statements.get(p.id, p.statement)))
        if p.evidence:
            body.append(f"\n  “{p.evidence.text}”", style="dim italic")
        table.add_row(mark, body, f"{p.probability:.2f}")
    parts: list[RenderableType] = [header, table]
    if grade.flags:
        flags = Text(t["flags"], style="bold magenta")
        flags.append(
            t["join"].join(t["note"].format(flag=f, note=flag_note(f, lang, grade.flag_details)) for f in grade.flags)
        )
        parts.append(flags)
    if grade.match_confidence is not None:
        parts.append(Text(t["matched"].format(confidence=grade.match_confidence), style="dim"))
    parts.append(Text(t["how"] + (explanation or explain_grade(grade, lang)), style="italic"))
    console.print(Panel(Group(*parts), title=t["grade"], subtitle=grade.model_id, title_align="left"))
    console.print(Panel(highlighted_answer(answer, grade), title=t["answer"], title_align="left"))
