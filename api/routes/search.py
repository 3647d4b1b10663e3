from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ..deps import CorpusDep, GradingPoolDep, rate_limited
from ..schemas import ErrorBody, Passage, SearchResult

router = APIRouter(prefix="/v1", tags=["search"])


@router.get(
    "/search",
    response_model=SearchResult,
    summary="Source passages that answer a question, in Chinese or English",
    responses={400: {"model": ErrorBody}, 422: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    dependencies=[rate_limited("search")],
)
async def search(
    corpus: CorpusDep,
    pool: GradingPoolDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, examples=["BN训练和测试有什么区别"])],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SearchResult:
    if not q.strip():
        raise HTTPException(status_code=400, detail="the search text is empty; pass q=<what to look for>")
    hits = await pool.run(corpus.search, q, k)  # encoder work: on the grading pool
    return SearchResult(query=q, hits=[Passage(**h.as_dict()) for h in hits])
