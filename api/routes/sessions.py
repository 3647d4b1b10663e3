"""Interviews: start one, answer, read the transcript and the report, stream the phrased follow-up and feedback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse

from interviewer.interview.coach import Phrasing
from interviewer.interview.machine import InterviewConfig
from interviewer.service.judging import JudgingEvent

from ..deps import GradingPoolDep, InterviewsDep, rate_limited
from ..schemas import AnswerIn, AnswerOut, ErrorBody, MoveOut, SessionCreate, SessionCreated, SessionOut, TurnOut

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
SessionId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 401, 404, 409, 413, 422)}
# 415: a JSON body sent as something else (api/http_errors.py: not_json).
BODY_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 415: {"model": ErrorBody}, 429: {"model": ErrorBody}}
Authorization = Annotated[str | None, Header()]


def _token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@router.post(
    "",
    response_model=SessionCreated,
    status_code=201,
    summary="Start an interview",
    description="400 when a topic or group is unknown (see GET /v1/topics, GET /v1/topic-groups) or no question of "
    "the bank matches the topics and difficulty range; 422 when the body does not follow the schema.",
    responses=BODY_ERRORS,
    dependencies=[rate_limited("sessions")],
)
def create_session(body: SessionCreate, interviews: InterviewsDep) -> SessionCreated:
    started = interviews.start(InterviewConfig(**body.model_dump()))
    current = started.interview.state.current
    assert current is not None  # a new interview always has its first move
    return SessionCreated(
        session_id=started.session_id,
        token=started.token,
        language=body.language,
        next=MoveOut(**current.model_dump()),
        llm=interviews.llm is not None,
    )


@router.post(
    "/{session_id}/answers",
    response_model=AnswerOut,
    summary="Answer the current question",
    description="Send `Idempotency-Key: <unique string>` to make retries safe: a repeated request with the same key "
    "and answer gets the stored response back (header `Idempotent-Replayed: true`) instead of a second turn.",
    responses=BODY_ERRORS,
    dependencies=[rate_limited("answers")],
)
async def answer(
    session_id: SessionId,
    body: AnswerIn,
    interviews: InterviewsDep,
    pool: GradingPoolDep,
    response: Response,
    authorization: Authorization = None,
    idempotency_key: Annotated[str | None, Header(max_length=128, pattern=r"^[\x21-\x7e]+$")] = None,
) -> AnswerOut:
    answered = await pool.run(interviews.answer, session_id, _token(authorization), body.text, idempotency_key)
    if answered.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return AnswerOut.from_answered(answered)


@router.get("/{session_id}", response_model=SessionOut, summary="Transcript and state", responses=ERRORS)
def get_session(session_id: SessionId, interviews: InterviewsDep, authorization: Authorization = None) -> SessionOut:
    transcript = interviews.transcript(session_id, _token(authorization))
    interview = transcript.interview
    current = interview.state.current
    return SessionOut(
        session_id=session_id,
        language=interview.lang,
        finished=interview.done,
        config=interview.state.config.model_dump(),
        next=MoveOut(**current.model_dump()) if current else None,
        score_so_far=interview.overall_score(),
        transcript=[
            TurnOut(
                turn=t.index,
                kind=t.turn.kind,
                question_id=t.turn.question_id,
                prompt=t.turn.prompt,
                answer=t.turn.answer,
                grade=t.turn.grade,
                skipped=t.turn.skipped,
                question_score=t.turn.question_score,
                explanation=t.turn.explanation,
                created_at=t.created_at.isoformat(),
            )
            for t in transcript.turns
        ],
    )


@router.get(
    "/{session_id}/report",
    summary="The report (JSON, Markdown or a self-contained HTML page)",
    responses={**ERRORS, 200: {"content": {"application/json": {}, "text/markdown": {}, "text/html": {}}}},
)
async def report(
    session_id: SessionId,
    interviews: InterviewsDep,
    pool: GradingPoolDep,
    format: Annotated[Literal["json", "md", "html"], Query()] = "json",
    authorization: Authorization = None,
) -> Response:
    # A report searches the corpus for each question with missed points: encoder work, so on the grading pool.
    rep = await pool.run(interviews.report, session_id, _token(authorization))
    if format == "md":
        return PlainTextResponse(rep.to_markdown(), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return HTMLResponse(rep.to_html())
    return JSONResponse(rep.model_dump())


def _sse(phrasing: Phrasing) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        text: list[str] = []
        origin = "bank"
        async for kind, value in phrasing.stream:
            if kind == "delta":
                text.append(value)
                yield f"event: delta\ndata: {json.dumps({'text': value}, ensure_ascii=False)}\n\n"
            else:
                origin = value
        done = {"text": "".join(text), "origin": origin, "sources": [s.citation for s in phrasing.sources]}
        yield f"event: done\ndata: {json.dumps(done, ensure_ascii=False)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def _phrased(
    interviews: InterviewsDep,
    pool: GradingPoolDep,
    session_id: str,
    authorization: str | None,
    what: Literal["followup", "feedback"],
) -> StreamingResponse:
    # Reading the session and searching the corpus: encoder work, on the grading pool, off the event loop.
    phrasing = await pool.run(interviews.phrasing, session_id, _token(authorization), what)
    return _sse(phrasing)


@router.get(
    "/{session_id}/turns/{turn}/judging",
    summary="A turn's LLM judgements as they arrive, streamed as server-sent events",
    description="With an LLM grader an answer is graded by embeddings at once (`grade.judging: pending`) and by the "
    "LLM in the background. Events: `point` ({point_id, grade}: one key point judged, the grade so far), then one "
    "`final` ({grade}: what the turn now stores; `judging: done`). A turn that is not being judged gets its "
    "`final` at once. Without this stream, GET on the session or the report gives the final grade once stored.",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def judging(
    session_id: SessionId,
    turn: Annotated[int, Path(ge=0, le=10_000)],
    interviews: InterviewsDep,
    authorization: Authorization = None,
) -> StreamingResponse:
    events = interviews.follow_judging(session_id, _token(authorization), turn)
    # The first event is read here, so a wrong token or turn is an HTTP error and not a broken stream.
    first = await anext(events)

    async def stream() -> AsyncIterator[str]:
        event: JudgingEvent | None = first
        while event is not None:
            body: dict[str, Any] = {"grade": event.grade}
            if event.kind == "point":
                body["point_id"] = event.point_id
            yield f"event: {event.kind}\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
            event = await anext(events, None)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get(
    "/{session_id}/followup",
    summary="The current follow-up, phrased by the LLM and streamed as server-sent events",
    description="Events: `delta` ({text}) pieces, then `done` ({text, origin: llm | bank[: reason], sources}). "
    "Without an LLM (or when it fails) the bank's probe is sent as one delta.",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def followup(
    session_id: SessionId, interviews: InterviewsDep, pool: GradingPoolDep, authorization: Authorization = None
) -> StreamingResponse:
    return await _phrased(interviews, pool, session_id, authorization, "followup")


@router.get(
    "/{session_id}/feedback",
    summary="Feedback on the last graded answer, phrased by the LLM and streamed as server-sent events",
    description="Same events as /followup. Without an LLM the feedback is built from the grade (covered and missed "
    "points).",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def feedback(
    session_id: SessionId, interviews: InterviewsDep, pool: GradingPoolDep, authorization: Authorization = None
) -> StreamingResponse:
    return await _phrased(interviews, pool, session_id, authorization, "feedback")
