"""Grade cards for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from interviewer.grading.result import Grade
from interviewer.grading.scoring import PENALTY_RULES
from interviewer.knowledge.models import Language, Question


def highlighted_answer(answer: str, grade: Grade) -> Text:
    """The answer with every evidence span underlined in green."""
    text = Text(answer)
    for p in grade.key_points:
        if p.evidence:
            text.stylize("bold green underline", p.evidence.start, p.evidence.end)
    return text


def print_grade_card(grade: Grade, question: Question, answer: str, console: Console | None = None) -> None:
    console = console or Console()
    lang: Language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in answer) else "en"
    colour = "green" if grade.score >= 70 else "yellow" if grade.score >= 40 else "red"
    header = Text.assemble(
        (f"{grade.score:.0f}/100", f"bold {colour}"), "  ", (question.question.get(lang), "bold"), f"  [{question.id}]"
    )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(width=2)
    table.add_column()
    table.add_column(justify="right", width=6)
    for p in grade.key_points:
        mark = Text("✔", style="green") if p.covered else Text("✘", style="red")
        body = Text(p.statement)
        if p.evidence:
            body.append(f"\n  “{p.evidence.text}”", style="dim italic")
        table.add_row(mark, body, f"{p.probability:.2f}")
    parts: list[RenderableType] = [header, table]
    if grade.flags:
        flags = Text("flags: ", style="bold magenta")
        flags.append("; ".join(f"{f} ({PENALTY_RULES.get(f, '')})" for f in grade.flags))
        parts.append(flags)
    if grade.match_confidence is not None:
        parts.append(Text(f"question matched with confidence {grade.match_confidence:.2f}", style="dim"))
    from rich.console import Group

    console.print(Panel(Group(*parts), title="grade", subtitle=grade.model_id, title_align="left"))
    console.print(
        Panel(highlighted_answer(answer, grade), title="your answer (evidence underlined)", title_align="left")
    )
