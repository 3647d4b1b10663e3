"""What a grader returns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    """Where in the answer a key point was made: [start, end) character offsets and the text."""

    start: int
    end: int
    text: str


class PointGrade(BaseModel):
    id: str
    statement: str
    weight: float
    probability: float = Field(ge=0, le=1)
    covered: bool
    evidence: Evidence | None = None
    decided_by: str = "embedding"
    features: dict[str, float] = Field(default_factory=dict)


class Grade(BaseModel):
    question_id: str
    score: float = Field(ge=0, le=100, description="0-100 after flag penalties")
    coverage: float = Field(ge=0, le=1, description="weighted key-point coverage before penalties")
    key_points: list[PointGrade]
    flags: list[str] = Field(default_factory=list)
    flag_details: dict[str, str] = Field(default_factory=dict)
    grader: str = "embedding"
    model_id: str = ""
    # Set when an LLM grader could not decide (down, slow, garbage) and embeddings decided instead.
    fallback: str | None = None
    llm_calls: int = 0
    # Progressive grading: "pending" while the LLM's judgements of an answer graded by embeddings run in the
    # background, "done" once they replaced it; None when no LLM was to judge it.
    judging: str | None = None
    match_confidence: float | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)

    @property
    def covered(self) -> list[PointGrade]:
        return [p for p in self.key_points if p.covered]

    @property
    def missed(self) -> list[PointGrade]:
        return [p for p in self.key_points if not p.covered]

    def public(self) -> dict[str, Any]:
        """The JSON shape `interviewer grade --json` prints and `interviewer eval` writes."""
        return {
            "question_id": self.question_id,
            "match_confidence": self.match_confidence,
            "score": self.score,
            "coverage": self.coverage,
            "key_points": [
                {
                    "id": p.id,
                    "statement": p.statement,
                    "weight": p.weight,
                    "covered": p.covered,
                    "probability": p.probability,
                    "evidence": p.evidence.model_dump() if p.evidence else None,
                    "decided_by": p.decided_by,
                }
                for p in self.key_points
            ],
            "flags": self.flags,
            "flag_details": self.flag_details,
            "grader": self.grader,
            "model_id": self.model_id,
            "fallback": self.fallback,
            "llm_calls": self.llm_calls,
            "judging": self.judging,
            "timings_ms": self.timings_ms,
        }
