"""Response and request bodies of the API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    detail: str = Field(examples=["the search text is empty"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Passage(BaseModel):
    id: str
    score: float
    file: str
    start_line: int
    end_line: int
    section: str
    title: str
    text: str


class SearchResult(BaseModel):
    query: str
    hits: list[Passage]


class TopicOut(BaseModel):
    id: str
    title_zh: str
    title_en: str
    section: int | None
    questions: int


class QuestionSummary(BaseModel):
    id: str
    topic: str
    difficulty: int
    question_zh: str
    question_en: str
    key_points: int
