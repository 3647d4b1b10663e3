"""The command line's shared pieces: the Typer apps, one-line failures, and loading settings, corpus and grader."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer

from interviewer.embeddings import BACKENDS, EmbedderError
from interviewer.knowledge.bank import BankError
from interviewer.knowledge.ingest import IngestError
from interviewer.settings import Settings, get_settings

if TYPE_CHECKING:
    from interviewer.grading.protocol import GraderProtocol
    from interviewer.knowledge.corpus import Corpus
    from interviewer.knowledge.resolve import QuestionResolver


app = typer.Typer(add_completion=False, no_args_is_help=True, help="LLM-graded mock interviews for ML candidates.")
corpus_app = typer.Typer(no_args_is_help=True, help="Inspect, validate and extend the question bank and sources.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print figures.")
admin_app = typer.Typer(no_args_is_help=True, help="Look after the session database.")
app.add_typer(corpus_app, name="corpus")
app.add_typer(bench_app, name="bench")
app.add_typer(admin_app, name="admin")


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr saying what to fix, and a non-zero exit: never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        fail(f"unknown embedding backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


def settings_for(backend: str | None = None) -> Settings:
    s = get_settings()
    if backend is not None:
        check_backend(backend)
        s = s.model_copy(update={"embedding_backend": backend})
    return s


def load_corpus(settings: Settings) -> Corpus:
    from interviewer.knowledge.corpus import Corpus

    try:
        return Corpus.load(settings)
    except (EmbedderError, BankError, IngestError) as e:
        fail(str(e))


BackendOpt = typer.Option(None, "--backend", help=f"Embedding backend: {', '.join(BACKENDS)}.")


def read_answer(answer: str) -> str:
    text = sys.stdin.read() if answer == "-" else answer
    if not text.strip():
        fail("the answer is empty; pass --answer TEXT or --answer - to read it from standard input")
    return text


def grader_for(settings: Settings, grader: str | None = None) -> tuple[GraderProtocol, QuestionResolver]:
    from interviewer.grading.registry import GraderConfigError, make_grader
    from interviewer.knowledge.resolve import QuestionResolver

    corpus = load_corpus(settings)
    try:
        g = make_grader(corpus, settings, grader)
    except GraderConfigError as e:
        fail(str(e))
    return g, QuestionResolver(corpus, settings.question_match_threshold)
