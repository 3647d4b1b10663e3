from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from ..deps import CorpusDep
from ..schemas import ErrorBody, QuestionDetail, QuestionSummary, TopicGroupOut, TopicOut

router = APIRouter(prefix="/v1", tags=["questions"])


@router.get("/topics", response_model=list[TopicOut], summary="Topics of the question bank")
def topics(corpus: CorpusDep) -> list[TopicOut]:
    return [
        TopicOut(
            id=t.id,
            title_zh=t.title.zh,
            title_en=t.title.en,
            section=t.section,
            group=t.group,
            questions=len(corpus.bank.by_topic(t.id)),
        )
        for t in corpus.bank.topics.values()
    ]


@router.get(
    "/topic-groups",
    response_model=list[TopicGroupOut],
    summary="Groups of topics: the seed article's and the project's own modern ones",
)
def topic_groups(corpus: CorpusDep) -> list[TopicGroupOut]:
    bank = corpus.bank
    return [
        TopicGroupOut(id=g, topics=ids, questions=sum(len(bank.by_topic(t)) for t in ids))
        for g, ids in bank.groups.items()
    ]


@router.get(
    "/questions",
    response_model=list[QuestionSummary],
    summary="Questions of the bank, optionally of one topic",
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def questions(
    corpus: CorpusDep,
    topic: Annotated[str | None, Query(max_length=200, examples=["batch-norm"])] = None,
) -> list[QuestionSummary]:
    if topic is not None and topic not in corpus.bank.topics:
        raise HTTPException(status_code=404, detail=f"unknown topic {topic!r}; see GET /v1/topics")
    selected = corpus.bank.by_topic(topic) if topic else list(corpus.bank)
    return [
        QuestionSummary(
            id=q.id,
            topic=q.topic,
            difficulty=q.difficulty,
            question_zh=q.question.zh,
            question_en=q.question.en,
            key_points=len(q.key_points),
        )
        for q in selected
    ]


@router.get(
    "/questions/{question_id}",
    response_model=QuestionDetail,
    summary="One question with its key points",
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def question(corpus: CorpusDep, question_id: Annotated[str, Path(max_length=200)]) -> QuestionDetail:
    q = corpus.bank.get(question_id)
    if q is None:
        raise HTTPException(status_code=404, detail=f"unknown question {question_id!r}; see GET /v1/questions")
    return QuestionDetail(
        id=q.id,
        topic=q.topic,
        difficulty=q.difficulty,
        question_zh=q.question.zh,
        question_en=q.question.en,
        reference_zh=q.reference.zh,
        reference_en=q.reference.en,
        key_points=[kp.model_dump(include={"id", "statement", "weight", "probe"}) for kp in q.key_points],
        source=q.source.model_dump() if q.source else None,
    )
