"""`interviewer practice`: a mock interview in the terminal, on the same use cases and storage as the web API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from interviewer.cli.common import (
    app,
    fail,
    grader_for,
)
from interviewer.settings import get_settings

if TYPE_CHECKING:
    from rich.console import Console

    from interviewer.interview.coach import Phrasing
    from interviewer.knowledge.models import Question
    from interviewer.service import InterviewService

_T = {
    "zh": {
        "session": "会话 {sid}（回答完按一次空行提交；输入 skip 跳过）",
        "followup": "追问",
        "saved": "已保存；会话 {sid}",
        "judging": "LLM 评判中 …",
        "judged": "LLM 评分：{score:.0f}/100",
    },
    "en": {
        "session": "session {sid} (finish with an empty line; type skip to skip)",
        "followup": "Follow-up",
        "saved": "saved; session {sid}",
        "judging": "LLM judging …",
        "judged": "LLM: {score:.0f}/100",
    },
}


def _print_phrasing(console: Console, phrasing: Phrasing, style: str = "") -> None:
    """Print what the interviewer says as it arrives (LLM or bank text), then its sources."""
    import asyncio

    async def go() -> None:
        async for kind, value in phrasing.stream:
            if kind == "delta":
                console.print(value, end="", highlight=False, style=style)
        console.print(f"  [dim]({', '.join(s.citation for s in phrasing.sources)})[/dim]")

    asyncio.run(go())


def _follow_judging(
    console: Console, interviews: InterviewService, sid: str, token: str, index: int, question: Question, lang: str
) -> dict[str, Any] | None:
    """Print each key point as the LLM judges it; the final grade the turn now stores (None if it never came)."""
    import asyncio

    from rich.markup import escape

    from interviewer.interview.markup import plain_rich

    final: dict[str, Any] | None = None
    statements = {kp.id: kp.statement.get("zh" if lang == "zh" else "en") for kp in question.key_points}

    async def go() -> None:
        nonlocal final
        async for event in interviews.follow_judging(sid, token, index):
            if event.kind == "final":
                final = event.grade
            elif event.grade is not None:
                point = next(p for p in event.grade["key_points"] if p["id"] == event.point_id)
                mark = "[green]✔[/green]" if point["covered"] else "[red]✘[/red]"
                statement = escape(plain_rich(statements.get(point["id"], point["statement"])))
                line = f"  {mark} [dim]LLM[/dim] {statement} ({point['probability']:.0%})"
                console.print(line, highlight=False)

    console.print(f"[dim]{_T[lang]['judging']}[/dim]")
    asyncio.run(go())
    return final


@app.command("practice")
def practice(
    topics: list[str] = typer.Option(
        [],
        "--topics",
        help="Topic ids or groups: seed (the article's topics) or modern (today's); repeat or comma-separate; "
        "default all. See `interviewer topics`.",
    ),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    n: int = typer.Option(5, "--n", min=1, max=20, help="Number of questions."),
    max_followups: int = typer.Option(2, "--max-followups", min=0, max=5),
    seed: int | None = typer.Option(None, help="Seed for the question order."),
) -> None:
    """A mock interview in the terminal, saved like any session. Finish an answer with an empty line."""
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.markup import escape

    from interviewer.cli.cards import print_grade_card
    from interviewer.grading.result import Grade
    from interviewer.interview.machine import InterviewConfig
    from interviewer.interview.markup import plain_rich
    from interviewer.service import ServiceError, build_services

    if lang not in ("zh", "en"):
        fail(f"unknown language {lang!r}; use zh or en")
    settings = get_settings()
    grader, _ = grader_for(settings)
    services = build_services(settings, grader.corpus, grader)
    interviews = services.interviews
    chosen = [t.strip() for ts in topics for t in ts.split(",") if t.strip()]
    try:
        started = interviews.start(
            InterviewConfig(topics=chosen, n_questions=n, language=lang, max_followups=max_followups, seed=seed)
        )
    except ServiceError as e:
        fail(e.message)
    sid, token, interview = started.session_id, started.token, started.interview
    console = Console()
    t = _T[lang]
    console.print(f"[dim]{escape(t['session'].format(sid=sid))}[/dim]")

    while not interview.done:
        move = interview.state.current
        assert move is not None
        label = t["followup"] if move.kind == "followup" else f"{move.index}/{move.total}"
        if move.kind == "followup" and interviews.llm is not None:
            console.print(f"\n[bold cyan]{label}[/bold cyan] ", end="")
            _print_phrasing(console, interviews.phrase(interview, "followup"))
        else:
            console.print(f"\n[bold cyan]{label}[/bold cyan] {escape(plain_rich(move.text))}")
        lines: list[str] = []
        try:
            while True:
                line = input("> " if not lines else "  ")
                if not line.strip():
                    if lines:
                        break
                    continue
                lines.append(line)
        except EOFError:
            if not lines:
                console.print(f"\n[dim]{escape(t['saved'].format(sid=sid))}[/dim]")
                services.close()
                return
        text = "\n".join(lines)
        try:
            answered = interviews.answer(sid, token, text)
        except ServiceError as e:
            console.print(f"[red]{escape(e.message)}[/red]")
            continue
        assert answered.interview is not None  # a fresh turn, never a replay: no idempotency key was sent
        turn, interview = answered.turn, answered.interview
        question = interview.question(turn.question_id)
        grade = turn.grade
        if grade:
            # turn.answer: the text as graded (normalised), which the evidence offsets point into.
            card = Grade.model_validate(grade)
            print_grade_card(card, question, turn.answer, console, interview.lang, turn.explanation)
        if grade and grade.get("judging") == "pending":
            # The embedding grade first, then the LLM's judgements as they arrive, and the score they make.
            final = _follow_judging(console, interviews, sid, token, answered.index, question, lang)
            if final:
                console.print(f"[bold]{t['judged'].format(score=final['score'])}[/bold]")
            interview = interviews.open(sid, token)
        if grade and interviews.llm is not None:
            _print_phrasing(console, interviews.phrase(interview, "feedback"), "italic")
    console.print(Markdown(interviews.report(sid, token).to_markdown(math="plain")))
    services.close()
