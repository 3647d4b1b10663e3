"""The answer-set format read by `interviewer eval` and `POST /v1/grade/batch` (JSONL, CSV or TSV).

One row per answer:

- ``id``: the row's id (default: its line number)
- ``question_id`` (a bank id) or ``question`` (free text, matched to the closest bank question)
- ``reference`` (optional): a string or a list of strings; when present, key points are derived from it
  instead of taken from the bank
- ``alternatives`` (optional): further complete model answers besides ``reference``, any one of which earns
  full marks; the answer is graded against each and the best grade counts
- ``answer``: the candidate's text
- ``score`` and ``score_max`` (optional): the human grade; ``score_max`` defaults to 10
- ``labels`` (optional): ``{key point id: 0 | 1}``

Other fields are kept in ``meta``. Rows are read lazily, so files of any size stream in constant memory;
a bad row becomes a :class:`RowProblem` with its line number and never stops the rest.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

DEFAULT_SCORE_MAX = 10.0
KNOWN_FIELDS = {"id", "question_id", "question", "reference", "alternatives", "answer", "score", "score_max", "labels"}
# The delimiter of each delimited-text format: ``csv`` is comma-separated, ``tsv`` tab-separated.
DELIMITERS = {"csv": ",", "tsv": "\t"}


class AnswerSetError(ValueError):
    """The file itself cannot be read (missing, unknown format, not text)."""


class AnswerRow(BaseModel):
    line: int
    id: str
    question_id: str | None = None
    question: str | None = None
    reference: list[str] | None = None
    alternatives: list[str] | None = None
    answer: str
    score: float | None = None
    score_max: float = DEFAULT_SCORE_MAX
    labels: dict[str, int] | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def fraction(self) -> float | None:
        """The human score on a 0-1 scale."""
        return None if self.score is None else self.score / self.score_max


@dataclass(frozen=True)
class RowProblem:
    line: int
    id: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f" (id {self.id})" if self.id else "") + f": {self.message}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be text")
    value = value.strip()
    return value or None


def _number(value: Any, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, not {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} {value!r} is not a finite number")
    return x


def _reference(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                value = [stripped]
        else:
            value = [stripped]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("reference must be a string or a list of strings")
    refs = [v.strip() for v in value if v.strip()]
    return refs or None


def _labels(value: Any) -> dict[str, int] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("labels is not a JSON object") from None
    if not isinstance(value, dict):
        raise ValueError("labels must be an object of key point id -> 0 or 1")
    out: dict[str, int] = {}
    for k, v in value.items():
        if isinstance(v, str) and v.strip() in ("0", "1"):
            v = int(v)
        if isinstance(v, bool | int | float) and v in (0, 1):
            out[str(k)] = int(v)
        else:
            raise ValueError(f"label of {k!r} is {v!r}, expected 0 or 1")
    return out


def parse_row(raw: Any, line: int) -> AnswerRow | RowProblem:
    """Validate one decoded row; never raises."""
    if not isinstance(raw, dict):
        return RowProblem(line, None, "not an object")
    rid = raw.get("id")
    rid = str(rid).strip() if rid not in (None, "") else str(line)
    try:
        answer = _text(raw.get("answer"))
        if answer is None:
            return RowProblem(line, rid, "no answer")
        question_id = _text(raw.get("question_id"))
        question = _text(raw.get("question"))
        reference = _reference(raw.get("reference"))
        alternatives = _reference(raw.get("alternatives"))
        if reference is None and alternatives:
            reference, alternatives = alternatives[:1], alternatives[1:] or None
        if question_id is None and question is None and reference is None:
            return RowProblem(line, rid, "needs question_id, question, reference or alternatives")
        score = _number(raw.get("score"), "score")
        score_max = _number(raw.get("score_max"), "score_max") or DEFAULT_SCORE_MAX
        if score_max <= 0:
            return RowProblem(line, rid, f"score_max {score_max:g} must be > 0")
        if score is not None and not 0 <= score <= score_max:
            return RowProblem(line, rid, f"score {score:g} is outside 0-{score_max:g}")
        labels = _labels(raw.get("labels"))
    except ValueError as e:
        return RowProblem(line, rid, str(e))
    meta = {k: v for k, v in raw.items() if k not in KNOWN_FIELDS}
    return AnswerRow(
        line=line, id=rid, question_id=question_id, question=question, reference=reference,
        answer=answer, score=score, score_max=score_max, labels=labels, meta=meta, alternatives=alternatives,
    )


def iter_rows(lines: Iterable[str], fmt: str) -> Iterator[AnswerRow | RowProblem]:
    """Rows of an answer set given as text lines; ``fmt`` is ``jsonl``, ``csv`` or ``tsv`` (tab-separated)."""
    if fmt == "jsonl":
        for n, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as e:
                yield RowProblem(n, None, f"not valid JSON ({e.msg})")
                continue
            yield parse_row(raw, n)
    elif fmt in DELIMITERS:
        reader = csv.DictReader(lines, delimiter=DELIMITERS[fmt])
        if reader.fieldnames is None or "answer" not in reader.fieldnames:
            raise AnswerSetError(f"the {fmt.upper()} header has no 'answer' column")
        for raw in reader:
            # Line numbers count the header as line 1, as a spreadsheet does.
            yield parse_row({k: v for k, v in raw.items() if k is not None}, reader.line_num)
    else:
        raise AnswerSetError(f"unknown answer-set format {fmt!r}; use jsonl, csv or tsv")


def format_of(path: Path) -> str:
    """``jsonl``, ``csv`` or ``tsv`` from the file name; raises :class:`AnswerSetError` for anything else."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix == ".tsv":
        return "tsv"
    raise AnswerSetError(f"{path}: unknown answer-set format {suffix or '(none)'}; use .jsonl, .csv or .tsv")


def read_answer_set(path: Path) -> Iterator[AnswerRow | RowProblem]:
    """Stream the rows of an answer-set file; raises :class:`AnswerSetError` if the file can't be opened."""
    fmt = format_of(path)
    if not path.is_file():
        raise AnswerSetError(f"{path}: no such file")
    try:
        f = open(path, encoding="utf-8", newline="")
    except OSError as e:
        raise AnswerSetError(f"{path}: cannot open ({e.strerror})") from e

    def rows() -> Iterator[AnswerRow | RowProblem]:
        with f:
            try:
                yield from iter_rows(f, fmt)
            except UnicodeDecodeError as e:
                raise AnswerSetError(f"{path}: not UTF-8 text ({e.reason})") from e

    return rows()


def parse_answer_set_text(text: str, fmt: str = "jsonl") -> Iterator[AnswerRow | RowProblem]:
    return iter_rows(io.StringIO(text, newline=""), fmt)
