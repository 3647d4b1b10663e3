from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from interviewer.answerset import AnswerSetError, RowProblem, parse_answer_set_text
from interviewer.batch import RowResult, grade_rows
from interviewer.resolve import UnknownQuestion

from ..deps import ApiKey, GraderDep, RateLimited, ResolverDep, SettingsDep
from ..schemas import BatchOut, ErrorBody, GradeIn
from ..text_input import clean_answer

router = APIRouter(prefix="/v1/grade", tags=["grading"])
MAX_BATCH_ROWS = 2000


@router.post(
    "",
    summary="Grade one answer, no session",
    responses={400: {"model": ErrorBody}, 404: {"model": ErrorBody}, 413: {"model": ErrorBody}, 422: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    dependencies=[RateLimited],
)
def grade(body: GradeIn, grader: GraderDep, resolver: ResolverDep, settings: SettingsDep) -> dict:
    text = clean_answer(body.answer, settings.max_answer_chars)
    try:
        resolved = resolver.resolve(body.question_id, body.question, body.reference)
    except UnknownQuestion as e:
        raise HTTPException(status_code=404, detail=str(e)) from e
    return grader.grade(resolved.question, text, resolved.match_confidence).public()


@router.post(
    "/batch",
    response_model=BatchOut,
    summary="Grade an answer set (JSONL body, one row per line; see eval/datasets/README.md)",
    description="Needs an API key from INTERVIEWER_API_KEYS (`X-API-Key` header). Bodies are limited by "
    "INTERVIEWER_MAX_REQUEST_BYTES and to 2,000 rows.",
    responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 413: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    dependencies=[ApiKey, RateLimited],
    openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "required": True}},
)
async def batch(request: Request, grader: GraderDep, resolver: ResolverDep) -> BatchOut:
    raw = await request.body()  # BodyLimitMiddleware has already bounded its size
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPException(status_code=400, detail="the body is not UTF-8 text") from e
    fmt = "csv" if "csv" in request.headers.get("content-type", "") else "jsonl"
    try:
        rows = list(parse_answer_set_text(text, fmt))
    except AnswerSetError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
    if not rows:
        raise HTTPException(status_code=400, detail="the body holds no rows; send one JSON object per line")
    if len(rows) > MAX_BATCH_ROWS:
        raise HTTPException(status_code=413, detail=f"{len(rows)} rows; the limit is {MAX_BATCH_ROWS} per request")
    # Grading is CPU-bound: off the event loop, so health checks and other requests still answer.
    return await run_in_threadpool(_grade_batch, grader, resolver, rows)


def _grade_batch(grader: GraderDep, resolver: ResolverDep, rows: list) -> BatchOut:
    results: list[dict] = []
    problems: list[str] = []
    for item in grade_rows(grader, resolver, rows):
        if isinstance(item, RowProblem):
            problems.append(str(item))
        elif isinstance(item, RowResult):
            results.append(item.public())
    metrics = None
    if any("human_score" in r for r in results):
        from interviewer.metrics import compute_metrics

        metrics = compute_metrics(results, 0.0, len(problems))
    return BatchOut(results=results, problems=problems, metrics=metrics)
