"""`interviewer topics`, `questions`, `corpus ...` and `search`: list, validate and extend the bank, search the
sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import yaml

from interviewer.cli.common import (
    BackendOpt,
    app,
    corpus_app,
    fail,
    grader_for,
    load_corpus,
    settings_for,
)
from interviewer.grading.selfgrade import FULL_MARKS, grade_references
from interviewer.knowledge.bank import Bank, BankError, load_bank, validate_bank
from interviewer.knowledge.ingest import IngestError, document_questions, parse_document
from interviewer.knowledge.models import LANGUAGES, Language
from interviewer.knowledge.termcheck import check_terms
from interviewer.settings import Settings, get_settings

if TYPE_CHECKING:
    pass


@corpus_app.command("stats")
def corpus_stats(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    backend: str | None = BackendOpt,
) -> None:
    """Count questions, key points, topics and source chunks."""
    corpus = load_corpus(settings_for(backend))
    stats = corpus.stats()
    if as_json:
        typer.echo(json.dumps(stats))
    else:
        for k, v in stats.items():
            typer.echo(f"{k:>10}: {v}")


LangOpt = typer.Option("zh", "--lang", help="Language of titles and questions: zh or en.")


def _bank() -> Bank:
    try:
        return load_bank(get_settings().bank_dir)
    except BankError as e:
        fail(str(e))


def _language(lang: str) -> Language:
    if lang not in LANGUAGES:
        fail(f"unknown language {lang!r}; use zh or en")
    return lang


@app.command("topics")
def topics(
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Print JSON: [{id, group, questions, title}]."),
) -> None:
    """List the topic ids by group, with question counts and titles: what `questions --topic` and
    `practice --topics` take (a group name, seed or modern, takes all its topics)."""
    language = _language(lang)
    bank = _bank()
    rows = [
        {"id": t, "group": group, "questions": len(bank.by_topic(t)), "title": bank.topics[t].title.get(language)}
        for group, ids in bank.groups.items()
        for t in ids
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for group, ids in bank.groups.items():
        typer.echo(f"{group} ({sum(len(bank.by_topic(t)) for t in ids)} questions)")
        for row in (r for r in rows if r["group"] == group):
            typer.echo(f"  {row['id']:<24} {row['questions']:>2}  {row['title']}")
    typer.echo("\nQuestions of a topic: interviewer questions --topic ID")


# The old name, kept so that scripts calling it still work.
corpus_app.command("topics", hidden=True)(topics)


@app.command("questions")
def questions(
    topic: list[str] = typer.Option(
        [],
        "--topic",
        help="A topic id or group (seed, modern); repeat or comma-separate; default all. See `interviewer topics`.",
    ),
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Print JSON: [{id, topic, difficulty, key_points, question}]."),
) -> None:
    """List the bank's questions: id (what `grade -q` takes), difficulty 1-3, number of key points, the question."""
    language = _language(lang)
    bank = _bank()
    names = [n.strip() for value in topic for n in value.split(",") if n.strip()]
    try:
        chosen = bank.expand_topics(names) if names else list(bank.topics)
    except KeyError as e:
        fail(f"unknown topic or group: {e.args[0]}; `interviewer topics` lists them")
    rows = [
        {
            "id": q.id,
            "topic": q.topic,
            "difficulty": q.difficulty,
            "key_points": len(q.key_points),
            "question": q.question.get(language),
        }
        for t in chosen
        for q in bank.by_topic(t)
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for t in chosen:
        typer.echo(f"{t}: {bank.topics[t].title.get(language)}")
        for row in (r for r in rows if r["topic"] == t):
            typer.echo(f"  {row['id']:<28} {row['difficulty']}  {row['question']}")


@corpus_app.command("validate")
def corpus_validate(
    path: Path | None = typer.Argument(None, help="A bank folder or file (default: the configured bank)."),
    sources: Path | None = typer.Option(
        None, help="Sources folder for line-range checks (default: the configured one)."
    ),
    grade_refs: bool = typer.Option(
        False,
        "--grade",
        help=f"Also grade every reference answer against its own key points (each must reach {FULL_MARKS:g}).",
    ),
    backend: str | None = typer.Option(None, help="Embedding backend for --grade (default: the configured one)."),
) -> None:
    """Check a question bank; one line per problem, non-zero exit when any.

    Besides the structure it checks the key points' terms: each must be found in its own question's
    reference in every language, and no follow-up probe may name its point's terms. It reports how often a
    point's terms are also found in other questions' references.
    """
    s = settings_for(backend) if backend else get_settings()
    target = path or s.bank_dir
    problems = validate_bank(target, sources or s.sources_dir)
    if not problems:
        bank = load_bank(target)
        for line in check_terms(bank).summary():
            typer.echo(line)
        if grade_refs:
            problems.extend(_reference_problems(s.model_copy(update={"bank_dir": target}), bank))
    for p in problems:
        typer.echo(p)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {target}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {target}")


def _reference_problems(settings: Settings, bank: Bank) -> list[str]:
    grader, _ = grader_for(settings)
    grades = grade_references(grader, bank)
    if grades:
        lowest = min(grades, key=lambda g: g.score)
        passed = sum(g.passes for g in grades)
        typer.echo(
            f"references: {passed} of {len(grades)} grade >= {FULL_MARKS:g} against their own key points "
            f"(lowest {lowest.score:.1f}, {lowest.question_id} {lowest.lang})"
        )
    return [str(g) for g in grades if not g.passes]


@corpus_app.command("import")
def corpus_import(
    file: Path = typer.Argument(..., help="A question-and-answer document (【N】 sections or Markdown headings)."),
    out: Path | None = typer.Option(None, "--out", help="Write the bank YAML here (default: standard output)."),
    topic: str | None = typer.Option(None, help="Topic id for the imported questions (default: from the file name)."),
) -> None:
    """Turn a document into bank entries with automatically derived key points."""
    try:
        doc = parse_document(file)
    except IngestError as e:
        fail(str(e))
    questions = document_questions(doc, file.name, topic)
    if not questions:
        fail(f"{file}: found no question sections (use 【N】 headings or Markdown #/## headings)")
    topic_id = questions[0].topic
    data: dict[str, Any] = {
        "topic": {"id": topic_id, "title": {"zh": doc.title, "en": doc.title}},
        "questions": [q.model_dump(exclude_defaults=False, exclude={"corrections"}) for q in questions],
    }
    for q in data["questions"]:
        q["source"]["lines"] = list(q["source"]["lines"])
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as e:
            fail(f"cannot write {out}: {e.strerror}")
        typer.echo(f"wrote {len(questions)} questions, {sum(len(q.key_points) for q in questions)} key points to {out}")


@app.command("search")
def search(
    text: str = typer.Argument(..., help="What to look for, in Chinese or English."),
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many passages."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    backend: str | None = BackendOpt,
) -> None:
    """The source passages that best answer TEXT, with file and line range."""
    if not text.strip():
        fail("the search text is empty; give a question or some words to look for")
    corpus = load_corpus(settings_for(backend))
    hits = corpus.search(text, k)
    if as_json:
        typer.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.panel import Panel

    console = Console()
    for rank, h in enumerate(hits, start=1):
        c = h.chunk
        console.print(
            Panel(c.text, title=f"{rank}. {c.title}", subtitle=f"{c.location}  score {h.score:.3f}", title_align="left")
        )
