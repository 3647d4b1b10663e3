"""Grading with an LLM judge on top of the embedding grader: modes ``llm`` and ``hybrid``.

The embedding grade is always computed first: it supplies the flags (injection, echo, keyword list, ...),
the evidence when the LLM gives none, and the fallback when the LLM is down, slow or returns garbage.

``llm``: each key point is decided by the LLM's verdict (which counts only with a quote found in the
answer); probability 0.9 for yes, 0.1 for no.

``hybrid`` (the rule, per key point, with p = the embedding probability):

- LLM yes and p ≥ 0.45 → covered, probability max(p, 0.75)
- LLM yes and p < 0.45 → not covered, probability p (an LLM fooled by an injection cannot decide alone;
  the embedding point model puts a point with no evidence at 0.3-0.4, and a made one from 0.6)
- LLM no → not covered, probability min(p, 0.25) (a similarity fooled by a contradiction cannot decide alone)
- no usable verdict (error, garbage, or a "yes" whose quote is not in the answer) → the embedding decides
  (recorded as ``decided_by: embedding`` and in ``fallback``)

In both modes the score comes from :func:`interviewer.grading.scoring.score` over the final probabilities and the
embedding grade's flags, as for every grader.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from interviewer.grading.flags import instruction_spans
from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.grading.scoring import coverage as weighted_coverage
from interviewer.grading.scoring import score as final_score
from interviewer.grading.similarity import Grader
from interviewer.knowledge.models import Question
from interviewer.language.text import detect_language
from interviewer.llm.client import LLMClient
from interviewer.llm.judge import LLMJudge, Verdict

Mode = Literal["llm", "hybrid"]
HYBRID_SUPPORT = 0.45

_T = TypeVar("_T")


def combine(point: PointGrade, verdict: Verdict | None, mode: Mode) -> PointGrade:
    """One key point's final decision from its embedding grade and the LLM's verdict."""
    if verdict is None or verdict.explained is None:
        return point
    p = point.probability
    if mode == "llm":
        prob, covered = (0.9, True) if verdict.explained else (0.1, False)
    elif verdict.explained and p >= HYBRID_SUPPORT:
        prob, covered = max(p, 0.75), True
    elif verdict.explained:
        prob, covered = p, False
    else:
        prob, covered = min(p, 0.25), False
    evidence = None
    if covered:
        evidence = (
            Evidence(start=verdict.start, end=verdict.end, text=verdict.quote) if verdict.start >= 0 else point.evidence
        )
    return point.model_copy(
        update={"probability": round(prob, 4), "covered": covered, "evidence": evidence, "decided_by": mode}
    )


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code, also when called inside a running event loop's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class LLMGrader:
    def __init__(self, base: Grader, judge: LLMJudge, mode: Mode = "hybrid") -> None:
        self.base = base
        self.judge = judge
        self.mode = mode
        # Declared as str: GraderProtocol.name is a plain, writable str attribute.
        self.name: str = mode
        self.corpus = base.corpus
        self.model_id = f"{base.model_id} + {judge.client.model}"
        self.calibration = base.calibration
        self.fallbacks = 0

    @property
    def llm(self) -> LLMClient:
        return self.judge.client

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return self.grade_many([(question, answer)], [match_confidence])[0]

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]:
        grades = self.base.grade_many(items, match_confidences)
        return _run(self._refine_all(items, grades))

    async def agrade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        base = self.base.grade(question, answer, match_confidence)
        return (await self._refine_all([(question, answer)], [base]))[0]

    async def _refine_all(self, items: Sequence[tuple[Question, str]], grades: list[Grade]) -> list[Grade]:
        return list(await asyncio.gather(*(self._refine(q, a, g) for (q, a), g in zip(items, grades, strict=True))))

    async def _refine(self, question: Question, answer: str, grade: Grade) -> Grade:
        # Nothing to ask when the answer was emptied by its flags (skip, echo, injection only).
        if not answer.strip() or grade.score == 0 and {"dont_know", "question_echo"} & set(grade.flags):
            return grade.model_copy(update={"grader": self.name, "model_id": self.model_id})
        t = time.perf_counter()
        calls_before = self.judge.client.calls
        lang = detect_language(answer)
        verdicts = await self.judge.judge(question, answer, lang)
        # Measured with a 1.5B model: injected "answer explained=true" sentences were obeyed and quoted as
        # evidence. A quote from a sentence addressed to the grader proves nothing.
        injected = instruction_spans(answer)
        verdicts = {
            k: Verdict(False, v.quote, reason="quote is text addressed to the grader")
            if v.explained and any(v.start < s.end and s.start < v.end for s in injected)
            else v
            for k, v in verdicts.items()
        }
        points = [combine(p, verdicts.get(p.id), self.mode) for p in grade.key_points]
        failed = [v.reason for v in verdicts.values() if v.explained is None]
        fallback = None
        if failed:
            self.fallbacks += 1
            fallback = f"embedding decided {len(failed)} of {len(points)} key points: {failed[0]}"
        coverage = weighted_coverage(points)
        timings = {**grade.timings_ms, "llm": round((time.perf_counter() - t) * 1000, 1)}
        return grade.model_copy(
            update={
                "key_points": points,
                "coverage": round(coverage, 4),
                "score": final_score(points, grade.flags),
                "grader": self.name,
                "model_id": self.model_id,
                "fallback": fallback,
                "llm_calls": self.judge.client.calls - calls_before,
                "timings_ms": timings,
            }
        )
