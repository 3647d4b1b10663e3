"""Grading without an interview: one answer, or an answer set (with agreement metrics when it has human scores)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request

from ..deps import ApiKey, AssessorDep, GradingPoolDep, rate_limited
from ..schemas import BatchOut, ErrorBody, GradeIn

router = APIRouter(prefix="/v1/grade", tags=["grading"])


@router.post(
    "",
    summary="Grade one answer, no session",
    responses={code: {"model": ErrorBody} for code in (400, 404, 413, 415, 422, 429)},
    dependencies=[rate_limited("answers")],
)
async def grade(body: GradeIn, assessor: AssessorDep, pool: GradingPoolDep) -> dict[str, Any]:
    graded = await pool.run(assessor.grade_one, body.answer, body.question_id, body.question, body.reference)
    return graded.grade.public()


@router.post(
    "/batch",
    response_model=BatchOut,
    summary="Grade an answer set (JSONL body, one row per line; see eval/datasets/README.md)",
    description="Needs an API key from INTERVIEWER_API_KEYS (`X-API-Key` header). Bodies are limited by "
    "INTERVIEWER_MAX_REQUEST_BYTES and to 2,000 rows. `Content-Type: text/csv` or `text/tab-separated-values` "
    "sends CSV or TSV instead. Grading stops at INTERVIEWER_GRADE_DEADLINE_SECONDS: the rows not graded by then come "
    "back in `problems` and `partial` is true.",
    responses={code: {"model": ErrorBody} for code in (400, 401, 403, 413, 429)},
    dependencies=[ApiKey, rate_limited("batch")],
    openapi_extra={
        "requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def batch(request: Request, assessor: AssessorDep, pool: GradingPoolDep) -> BatchOut:
    raw = await request.body()  # BodyLimitMiddleware has already bounded its size
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPException(status_code=400, detail="the body is not UTF-8 text") from e
    content_type = request.headers.get("content-type", "")
    fmt: Literal["jsonl", "csv", "tsv"] = (
        "tsv" if "tab-separated" in content_type else "csv" if "csv" in content_type else "jsonl"
    )
    # Grading is CPU-bound: on the grading pool, so health checks and other requests still answer.
    graded = await pool.run(assessor.grade_batch, text, fmt)
    return BatchOut(results=graded.results, problems=graded.problems, metrics=graded.metrics, partial=graded.partial)
