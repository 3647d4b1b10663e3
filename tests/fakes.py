"""Stand-ins shared by tests that need a grader or an encoder but not the model."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from dataclasses import dataclass

import numpy as np

from interviewer.embeddings.base import Embedder, Kind
from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.grading.scoring import coverage, score
from interviewer.knowledge.models import Question


class KeywordGrader:
    """Covers a key point when the answer contains its id's last part (e.g. 'gamma-beta')."""

    llm = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        self.calls.append((question.id, [kp.id for kp in question.key_points]))
        points = []
        for kp in question.key_points:
            tag = kp.id.rsplit(".", 1)[-1]
            at = answer.find(tag)
            points.append(
                PointGrade(
                    id=kp.id, statement=kp.statement.zh, weight=kp.weight, probability=1.0 if at >= 0 else 0.0,
                    covered=at >= 0, evidence=Evidence(start=at, end=at + len(tag), text=tag) if at >= 0 else None,
                )
            )
        flags = ["dont_know"] if "不知道" in answer else []
        return Grade(
            question_id=question.id,
            score=score(points, flags),
            coverage=coverage(points),
            key_points=points,
            flags=flags,
        )


@dataclass(frozen=True)
class _Pending:
    instant: Grade
    final: Grade
    needs_llm: bool = True


class SlowJudgeGrader:
    """A progressive grader: the instant grade covers nothing, the final one (the keyword grade, as if an LLM saw
    what embeddings missed) comes once ``release`` is set, one key point after the other."""

    name = "slow-judge"
    model_id = "fake"
    llm = None
    corpus = None

    def __init__(self, released: bool = True) -> None:
        self.keywords = KeywordGrader()
        self.release = threading.Event()
        if released:
            self.release.set()
        self.finished = 0

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return self.keywords.grade(question, answer)

    def grade_many(self, items, match_confidences=None) -> list[Grade]:
        return [self.grade(q, a) for q, a in items]

    def begin(self, question: Question, answer: str, match_confidence: float | None = None) -> _Pending:
        final = self.keywords.grade(question, answer)
        missed = [
            p.model_copy(update={"probability": 0.0, "covered": False, "evidence": None}) for p in final.key_points
        ]
        instant = final.model_copy(update={"key_points": missed, "score": 0.0, "coverage": 0.0})
        return _Pending(instant, final.model_copy(update={"grader": "slow-judge"}), needs_llm=bool(final.key_points))

    async def finish(self, pending: _Pending, on_point=None) -> Grade:
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        for p in pending.final.key_points:
            if on_point is not None:
                on_point(p.id, pending.final)
        self.finished += 1
        return pending.final


class CountingEmbedder(Embedder):
    """Deterministic vectors from the text, and a record of every text and every call it was asked for."""

    def __init__(self, model_id: str = "fake/counting", dim: int = 16) -> None:
        self.model_id = model_id
        self.dim = dim
        self.encoded: list[tuple[Kind, str]] = []
        self.calls: list[list[str]] = []

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        self.encoded.extend((kind, t) for t in texts)
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(f"{kind}\0{t}".encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self.dim))
        return np.array(rows, dtype=np.float32)
