"""Response and request bodies of the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from interviewer.interview import Interview, Turn


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


class QuestionDetail(QuestionSummary):
    reference_zh: str
    reference_en: str
    key_points: list[dict]  # type: ignore[assignment]
    source: dict | None = None


class SessionCreate(BaseModel):
    topics: list[str] = Field(default_factory=list, max_length=30, examples=[["batch-norm", "optimizers"]])
    n_questions: int = Field(default=5, ge=1, le=20)
    language: Literal["zh", "en"] = "zh"
    max_followups: int = Field(default=2, ge=0, le=5)
    difficulty: tuple[int, int] = Field(default=(1, 3), examples=[[1, 3]])
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)

    model_config = {"extra": "forbid"}


class MoveOut(BaseModel):
    kind: Literal["question", "followup", "done"]
    text: str
    question_id: str | None = None
    point_id: str | None = None
    index: int
    total: int


class SessionCreated(BaseModel):
    session_id: str
    token: str = Field(description="Send as 'Authorization: Bearer <token>' on every later call for this session.")
    language: str
    next: MoveOut
    llm: bool = Field(default=False, description="True when an LLM phrases follow-ups and feedback (see /followup, /feedback).")


class AnswerIn(BaseModel):
    text: str = Field(examples=["训练时用当前batch的均值和方差，测试时用训练中滑动平均得到的全局均值和方差。"])

    model_config = {"extra": "forbid"}


class AnswerOut(BaseModel):
    turn: int
    grade: dict | None = Field(description="The grade card (as `interviewer grade --json`), null when skipped.")
    skipped: bool
    next: MoveOut
    done: bool
    score_so_far: float

    @classmethod
    def from_turn(cls, turn: Turn, interview: Interview) -> AnswerOut:
        return cls(
            turn=len(interview.state.turns) - 1,
            grade=turn.grade,
            skipped=turn.skipped,
            next=MoveOut(**turn.next.model_dump()),
            done=interview.done,
            score_so_far=interview.overall_score(),
        )


def answer_response(turn: Turn, interview: Interview) -> dict:
    """What POST /answers returns, as stored with the turn for idempotent retries."""
    return AnswerOut.from_turn(turn, interview).model_dump(mode="json")


class TurnOut(BaseModel):
    turn: int
    kind: str
    question_id: str
    prompt: str
    answer: str
    grade: dict | None
    skipped: bool
    created_at: str


class SessionOut(BaseModel):
    session_id: str
    language: str
    finished: bool
    config: dict
    next: MoveOut | None
    score_so_far: float
    transcript: list[TurnOut]


class GradeIn(BaseModel):
    question_id: str | None = Field(default=None, max_length=200, examples=["bn-train-test"])
    question: str | None = Field(default=None, max_length=2000)
    reference: str | list[str] | None = None
    answer: str

    model_config = {"extra": "forbid"}


class BatchOut(BaseModel):
    results: list[dict]
    problems: list[str]
    metrics: dict | None


class Ready(BaseModel):
    status: str
    model: str
    index_vectors: int
    database: str


class AdminSession(BaseModel):
    session_id: str
    language: str
    finished: bool
    turns: int
    mean_score: float | None = Field(description="Mean score of the graded turns, null before the first grade.")
    created_at: str
    updated_at: str


class AdminStats(BaseModel):
    sessions: int
    finished: int
    turns: int
    graded_turns: int
    mean_score: float | None
