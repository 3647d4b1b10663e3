"""Response and request bodies of the API."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    JsonValue,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from interviewer.knowledge.resolve import MAX_QUESTION_CHARS, MAX_REFERENCE_CHARS, MAX_REFERENCE_ITEMS
from interviewer.service import Answered


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
    group: str = Field(
        description="seed: from the source article; modern: the project's own notes on what interviews ask today."
    )
    questions: int


class TopicGroupOut(BaseModel):
    id: str = Field(examples=["modern"])
    topics: list[str]
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
    key_points: list[dict[str, Any]]  # type: ignore[assignment]
    source: dict[str, Any] | None = None


# Text with at least one character that is neither white space nor a control character. Documented in the
# OpenAPI schema only: the use cases enforce it (interviewer/service/answers.py) with a 400 that says what to do.
HAS_TEXT = r"[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def _json_integer(value: object) -> object:
    # JSON Schema's "integer": 2 and 2.0, never true or "2" (pydantic's lax mode would take both).
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Integer = Annotated[int, BeforeValidator(_json_integer)]
# Bounds before the validator, so the OpenAPI schema shows them as minimum/maximum.
DIFFICULTY = Annotated[int, Field(ge=1, le=3), BeforeValidator(_json_integer)]
DIFFICULTY_RANGES: list[JsonValue] = [[lo, hi] for lo in (1, 2, 3) for hi in (1, 2, 3) if lo <= hi]


NULL_IS_DEFAULT = "null or left out: {}."


class RequestBody(BaseModel):
    """A JSON request body: unknown fields are refused, and `null` for an optional field means its default, as
    leaving it out does (clients that serialise every field send `"topics": null`)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _null_is_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        optional = {name for name, field in cls.model_fields.items() if not field.is_required()}
        return {k: v for k, v in data.items() if v is not None or k not in optional}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name, field in cls.model_fields.items():
            prop = schema.get("properties", {}).get(name)
            if field.is_required() or prop is None or _allows_null(prop):
                continue
            # The property's own keywords move into the first branch; what describes it stays outside.
            outer = {k: prop.pop(k) for k in ("title", "description", "default", "examples") if k in prop}
            default = json.dumps(field.get_default(call_default_factory=True), ensure_ascii=False)
            outer["description"] = f"{outer.get('description', '')} {NULL_IS_DEFAULT.format(default)}".strip()
            schema["properties"][name] = {"anyOf": [prop, {"type": "null"}], **outer}
        return schema


def _allows_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(option.get("type") == "null" for option in schema.get("anyOf", []))


class SessionCreate(RequestBody):
    topics: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=30,
        examples=[["batch-norm", "optimizers"], ["modern"]],
        description="Topic ids from GET /v1/topics or group names from GET /v1/topic-groups (seed, modern); "
        "empty for all. An unknown name gets 400.",
    )
    # Integers as JSON Schema has them: `true` or `"5"` are refused instead of silently converted.
    n_questions: Integer = Field(default=5, ge=1, le=20)
    language: Literal["zh", "en"] = "zh"
    max_followups: Integer = Field(default=2, ge=0, le=5)
    difficulty: tuple[DIFFICULTY, DIFFICULTY] = Field(
        default=(1, 3),
        examples=[[1, 3]],
        description="Lowest and highest difficulty, within 1-3, lowest first.",
        json_schema_extra={"enum": DIFFICULTY_RANGES},
    )
    seed: Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_json_integer)] | None = Field(
        default=None, description="Seed for the question order, for a repeatable interview; null: a random order."
    )

    @field_validator("difficulty")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] > value[1]:
            raise PydanticCustomError("value_error", "give the lowest difficulty first, e.g. [1, 3]")
        return value


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
    llm: bool = Field(
        default=False, description="True when an LLM phrases follow-ups and feedback (see /followup, /feedback)."
    )


class AnswerIn(RequestBody):
    text: str = Field(
        examples=["训练时用当前batch的均值和方差，测试时用训练中滑动平均得到的全局均值和方差。"],
        description="The answer. Control characters are removed; an empty answer gets 400, one over the "
        "server's INTERVIEWER_MAX_ANSWER_CHARS gets 413. Send `skip` to skip the question.",
        json_schema_extra={"minLength": 1, "pattern": HAS_TEXT},
    )


QUESTION_SCORE = "The question's score after this turn: its best attempt plus follow-up credit."
EXPLANATION = "One line, in the interview language, on how that score was reached."


class AnswerOut(BaseModel):
    turn: int
    grade: dict[str, Any] | None = Field(
        description="The grade card (as `interviewer grade --json`), null when skipped."
    )
    skipped: bool
    question_score: float | None = Field(description=QUESTION_SCORE)
    explanation: str = Field(description=EXPLANATION)
    next: MoveOut
    done: bool
    score_so_far: float

    @classmethod
    def from_answered(cls, answered: Answered) -> AnswerOut:
        turn = answered.turn
        return cls(
            turn=answered.index,
            grade=turn.grade,
            skipped=turn.skipped,
            question_score=turn.question_score,
            explanation=turn.explanation,
            next=MoveOut(**turn.next.model_dump()),
            done=answered.done,
            score_so_far=answered.score_so_far,
        )


class TurnOut(BaseModel):
    turn: int
    kind: str
    question_id: str
    prompt: str
    answer: str
    grade: dict[str, Any] | None
    skipped: bool
    question_score: float | None = Field(description=QUESTION_SCORE)
    explanation: str = Field(description=EXPLANATION)
    created_at: str


class SessionOut(BaseModel):
    session_id: str
    language: str
    finished: bool
    config: dict[str, Any]
    next: MoveOut | None
    score_so_far: float
    transcript: list[TurnOut]


REFERENCE_CHARS = MAX_REFERENCE_CHARS
REFERENCE_ITEMS = MAX_REFERENCE_ITEMS
ReferenceText = Annotated[str, Field(max_length=REFERENCE_CHARS)]


def _has_text(value: str) -> bool:
    return re.search(HAS_TEXT, value) is not None


def _reference_schema(schema: dict[str, Any]) -> None:
    """Document what GradeIn._reference checks: non-blank texts, 1 to REFERENCE_ITEMS of them."""
    for option in schema.get("anyOf", []):
        if option.get("type") == "string":
            option.update(minLength=1, pattern=HAS_TEXT)
        elif option.get("type") == "array":
            option.update(minItems=1, maxItems=REFERENCE_ITEMS)
            option["items"].update(minLength=1, pattern=HAS_TEXT)


class GradeIn(RequestBody):
    """What to grade against: a bank question id, a free-text question matched to the bank, or a reference
    answer (with an optional question); at least one of them."""

    question_id: str | None = Field(default=None, max_length=200, examples=["bn-train-test"])
    question: str | None = Field(default=None, max_length=MAX_QUESTION_CHARS, description="Ignored when blank.")
    reference: ReferenceText | list[ReferenceText] | None = Field(
        default=None,
        description=f"A reference answer, or its points as a list; at most {REFERENCE_CHARS} characters in all.",
        json_schema_extra=_reference_schema,
    )
    answer: str = Field(
        description="The answer to grade; the same rules as a session answer (400 when empty, 413 when too long).",
        json_schema_extra={"minLength": 1, "pattern": HAS_TEXT},
    )

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["question_id"], "properties": {"question_id": {"type": "string", "minLength": 1}}},
                {"required": ["question"], "properties": {"question": {"type": "string", "pattern": HAS_TEXT}}},
                {"required": ["reference"], "properties": {"reference": {"type": ["string", "array"]}}},
            ]
        },
    }

    @field_validator("question")
    @classmethod
    def _question(cls, value: str | None) -> str | None:
        return value if value is not None and _has_text(value) else None

    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str | list[str] | None) -> str | list[str] | None:
        if value is None:
            return None
        texts = [value] if isinstance(value, str) else value
        if not texts or not all(_has_text(t) for t in texts):
            raise PydanticCustomError(
                "value_error", "give the reference as text, or as a list of texts, none of them blank"
            )
        if len(texts) > REFERENCE_ITEMS:
            raise PydanticCustomError("value_error", "at most {n} reference texts", {"n": REFERENCE_ITEMS})
        if sum(map(len, texts)) > REFERENCE_CHARS:
            raise PydanticCustomError(
                "value_error", "the reference is over {n} characters in all", {"n": REFERENCE_CHARS}
            )
        return value

    @model_validator(mode="after")
    def _something_to_grade_against(self) -> GradeIn:
        if not (self.question_id or self.question or self.reference):
            raise PydanticCustomError("value_error", "give question_id, question or reference")
        return self


class BatchOut(BaseModel):
    results: list[dict[str, Any]]
    problems: list[str]
    metrics: dict[str, Any] | None
    partial: bool = Field(
        default=False,
        description="True when the batch passed its grading deadline (INTERVIEWER_GRADE_DEADLINE_SECONDS): the "
        "rows not graded by then are in `problems`; send them again in another request.",
    )


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
