from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse

from interviewer.interview import InterviewConfig, InterviewError
from interviewer.llm.coach import Phrasing, feedback_phrasing, followup_phrasing
from interviewer.report import build_report

from ..deps import CorpusDep, RateLimited, SettingsDep, StoreDep, passages_for
from ..schemas import AnswerIn, AnswerOut, ErrorBody, MoveOut, SessionCreate, SessionCreated, SessionOut, TurnOut, answer_response
from ..store import Loaded, SessionStore, StoreError
from ..text_input import clean_answer

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
SessionId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
ERRORS = {400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 413: {"model": ErrorBody}, 422: {"model": ErrorBody}}


def _token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _load(store: SessionStore, session_id: str, authorization: str | None) -> Loaded:
    try:
        return store.load(session_id, _token(authorization))
    except StoreError as e:
        raise _fail(e) from e


def _fail(e: Exception) -> HTTPException:
    if isinstance(e, StoreError):
        return HTTPException(status_code=e.status, detail=e.message)
    return HTTPException(status_code=400, detail=str(e))


@router.post(
    "",
    response_model=SessionCreated,
    status_code=201,
    summary="Start an interview",
    description="400 when a topic or group is unknown (see GET /v1/topics, GET /v1/topic-groups) or no question of the bank matches the topics "
    "and difficulty range; 422 when the body does not follow the schema.",
    responses=ERRORS,
)
def create_session(body: SessionCreate, store: StoreDep, request: Request) -> SessionCreated:
    try:
        config = InterviewConfig(**body.model_dump())
        sid, token, interview = store.create(config)
    except InterviewError as e:
        raise _fail(e) from e
    return SessionCreated(
        session_id=sid,
        token=token,
        language=config.language,
        next=MoveOut(**interview.state.current.model_dump()),
        llm=hasattr(request.app.state.grader, "judge"),
    )


@router.post(
    "/{session_id}/answers",
    response_model=AnswerOut,
    summary="Answer the current question",
    description="Send `Idempotency-Key: <unique string>` to make retries safe: a repeated request with the same key "
    "and answer gets the stored response back (header `Idempotent-Replayed: true`) instead of a second turn.",
    responses={**ERRORS, 429: {"model": ErrorBody}},
    dependencies=[RateLimited],
)
def answer(
    session_id: SessionId,
    body: AnswerIn,
    store: StoreDep,
    settings: SettingsDep,
    response: Response,
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=128, pattern=r"^[\x21-\x7e]+$")] = None,
) -> dict:
    text = clean_answer(body.text, settings.max_answer_chars)
    try:
        answered = store.answer(session_id, _token(authorization), text, answer_response, idempotency_key)
    except (StoreError, InterviewError) as e:
        raise _fail(e) from e
    if answered.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return answered.response


@router.get("/{session_id}", response_model=SessionOut, summary="Transcript and state", responses=ERRORS)
def get_session(session_id: SessionId, store: StoreDep, authorization: Annotated[str | None, Header()] = None) -> SessionOut:
    loaded = _load(store, session_id, authorization)
    interview = loaded.interview
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
                turn=i, kind=t.kind, question_id=t.question_id, prompt=t.prompt, answer=t.answer, grade=t.grade, skipped=t.skipped,
                created_at=r.created_at.isoformat() if r is not None else "",
            )
            for i, (t, r) in enumerate(zip(interview.state.turns, _pad(store.turns(session_id), len(interview.state.turns))))
        ],
    )


def _pad(rows: list, n: int) -> list:
    return rows + [None] * (n - len(rows))


@router.get(
    "/{session_id}/report",
    summary="The report (JSON, Markdown or a self-contained HTML page)",
    responses={**ERRORS, 200: {"content": {"application/json": {}, "text/markdown": {}, "text/html": {}}}},
)
def report(
    session_id: SessionId,
    store: StoreDep,
    corpus: CorpusDep,
    format: Annotated[Literal["json", "md", "html"], Query()] = "json",
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    loaded = _load(store, session_id, authorization)
    rep = build_report(loaded.interview, passages_for(corpus))
    if format == "md":
        return PlainTextResponse(rep.to_markdown(), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return HTMLResponse(rep.to_html())
    return JSONResponse(rep.model_dump())


def _client(request: Request):  # noqa: ANN202 - LLMClient | None
    """The LLM client behind the configured grader, if it has one."""
    return getattr(getattr(request.app.state.grader, "judge", None), "client", None)


def _sse(phrasing: Phrasing) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        text, origin = [], "bank"
        async for kind, value in phrasing.stream:
            if kind == "delta":
                text.append(value)
                yield f"event: delta\ndata: {json.dumps({'text': value}, ensure_ascii=False)}\n\n"
            else:
                origin = value
        done = {"text": "".join(text), "origin": origin, "sources": [s.citation for s in phrasing.sources]}
        yield f"event: done\ndata: {json.dumps(done, ensure_ascii=False)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def _phrasing_response(build, request: Request, store, corpus, session_id: str, authorization: str | None) -> StreamingResponse:  # noqa: ANN001
    loaded = await run_in_threadpool(_load, store, session_id, authorization)
    try:
        phrasing = await run_in_threadpool(build, _client(request), corpus, loaded.interview)
    except InterviewError as e:
        raise HTTPException(status_code=409, detail=str(e)) from e
    return _sse(phrasing)


@router.get(
    "/{session_id}/followup",
    summary="The current follow-up, phrased by the LLM and streamed as server-sent events",
    description="Events: `delta` ({text}) pieces, then `done` ({text, origin: llm | bank[: reason], sources}). "
    "Without an LLM (or when it fails) the bank's probe is sent as one delta.",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def followup(
    session_id: SessionId, request: Request, store: StoreDep, corpus: CorpusDep, authorization: Annotated[str | None, Header()] = None
) -> StreamingResponse:
    return await _phrasing_response(followup_phrasing, request, store, corpus, session_id, authorization)


@router.get(
    "/{session_id}/feedback",
    summary="Feedback on the last graded answer, phrased by the LLM and streamed as server-sent events",
    description="Same events as /followup. Without an LLM the feedback is built from the grade (covered and missed points).",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
)
async def feedback(
    session_id: SessionId, request: Request, store: StoreDep, corpus: CorpusDep, authorization: Annotated[str | None, Header()] = None
) -> StreamingResponse:
    return await _phrasing_response(feedback_phrasing, request, store, corpus, session_id, authorization)
