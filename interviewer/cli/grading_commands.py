"""`interviewer grade`, `eval` and `calibrate`: one answer, an answer set, a refitted calibration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from interviewer.cli.common import (
    BackendOpt,
    app,
    fail,
    grader_for,
    read_answer,
    settings_for,
)

if TYPE_CHECKING:
    pass


NO_TARGET = "give a question_id or a reference"  # the resolver's words for the API's fields


@app.command("grade")
def grade(
    question: str | None = typer.Option(
        None, "--question", "-q", help="A bank question id (see `interviewer questions`), or the question's text."
    ),
    answer: str = typer.Option(..., "--answer", "-a", help="The answer, or - to read it from standard input."),
    reference: list[str] = typer.Option(
        [],
        "--reference",
        "-r",
        help="Grade against this reference answer instead of the bank's; repeat to give its points one by one. "
        "With -q, the question it answers.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the grade as JSON."),
    grader_name: str | None = typer.Option(
        None, "--grader", help="embedding, llm or hybrid (default from INTERVIEWER_GRADER)."
    ),
    backend: str | None = BackendOpt,
) -> None:
    """Grade one answer: the score, which key points it covers (with the sentence that covers each), flags.

    Against a bank question (-q ID or its text), or against your own reference answer (--reference TEXT), whose
    key points are derived the way `corpus import` derives them.
    """
    from interviewer.service import Assessor, ServiceError

    text = read_answer(answer)
    if any(not r.strip() for r in reference):
        fail("a --reference is empty; give the reference answer's text")
    q = (question or "").strip()
    if question is not None and not q and not reference:
        fail("the question is empty; pass a bank question id or the question's text")
    if not q and not reference:
        fail("say what to grade against: -q ID_OR_TEXT (a bank question) or --reference TEXT (a reference answer)")
    settings = settings_for(backend)
    grader, resolver = grader_for(settings, grader_name)
    assessor = Assessor(grader, resolver, settings.max_answer_chars)
    in_bank = bool(q) and grader.corpus.bank.get(q) is not None
    # One text is a reference answer; several are its points, as `reference` in POST /v1/grade.
    refs: str | list[str] | None = None if not reference else reference[0] if len(reference) == 1 else reference
    try:
        graded = assessor.grade_one(
            text, question_id=q if in_bank else None, question=q if q and not in_bank else None, reference=refs
        )
    except ServiceError as e:
        fail(e.message.replace(NO_TARGET, "give a bank question id (`interviewer questions`) or --reference TEXT"))
    if as_json:
        typer.echo(json.dumps(graded.grade.public(), ensure_ascii=False, indent=2))
        return
    from interviewer.cli.cards import print_grade_card
    from interviewer.language.normalize import normalize_text

    # The evidence offsets point into the text as graded, which is the normalised one.
    print_grade_card(graded.grade, graded.question, normalize_text(text))


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
    settings = settings_for(backend)
    grader, resolver = grader_for(settings, grader_name)
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
    from interviewer.grading.similarity import Grader

    settings = settings_for(backend)
    grader, resolver = grader_for(settings, "embedding")
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
