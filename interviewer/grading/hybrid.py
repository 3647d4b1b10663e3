"""Grading with an LLM judge on top of the embedding grader: modes ``hybrid`` and ``llm``.

The embedding grade always comes first and at once (:meth:`LLMGrader.begin`): it supplies the instant grade
an interview shows while the LLM works, the evidence spans, the flags, and the fallback when the LLM is down,
slow or answers garbage. :meth:`LLMGrader.finish` then asks the LLM and returns the final grade; its points
can be reported one by one as they are judged (``on_point``), so a front can stream them.

``hybrid`` (the default): the LLM is asked, key point by key point, whether the answer explains the point, and
its answer is read as P(yes) from the token probabilities. P(yes) is one more feature of the point model
(``llm_yes``), fitted together with the embedding evidence on graded answers from several data sets
(the ``hybrid`` calibration), so neither decides alone: a 1.5B model says "yes" to almost everything, and a
similarity cannot tell a contradiction from the claim. The LLM reads the answer's sentences without those
addressed to the grader, so an injection never reaches it, and evidence spans come from the embedding
alignment. A point the LLM could not judge is decided by the embedding calibration (``decided_by:
embedding``, counted in ``fallback``).

Where a point the LLM judged is covered, the flags that rest on embedding similarity alone
(:data:`interviewer.grading.scoring.SOFT_FLAGS`) no longer cap the score: the judged points support it.
Instruction-to-the-grader and don't-know flags stay absolute.

``llm``: each key point is decided by a JSON verdict that counts only with a quote found in the answer
(probability 0.9 for yes, 0.1 for no), for strong hosted models.

In both modes the score comes from :func:`interviewer.grading.scoring.score`, as for every grader.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from interviewer.grading.calibration import Calibration, load_calibration
from interviewer.grading.flags import instruction_spans
from interviewer.grading.protocol import PendingLike
from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.grading.scoring import SOFT_FLAGS
from interviewer.grading.scoring import coverage as weighted_coverage
from interviewer.grading.scoring import score as final_score
from interviewer.grading.similarity import Analysis, Grader
from interviewer.knowledge.models import Question
from interviewer.llm.client import LLMClient
from interviewer.llm.judge import LLMJudge, PointProbability, Verdict

Mode = Literal["llm", "hybrid"]

_T = TypeVar("_T")

# Called with each key point as the LLM judges it: the point's id and the whole grade so far (that point final,
# the ones not judged yet as the embedding grade has them).
OnJudged = Callable[[str, Grade], None]


def combine(point: PointGrade, verdict: Verdict | None) -> PointGrade:
    """``llm`` mode: one key point's final decision from the LLM's verdict (the embedding's without one)."""
    if verdict is None or verdict.explained is None:
        return point
    prob, covered = (0.9, True) if verdict.explained else (0.1, False)
    evidence = None
    if covered:
        evidence = (
            Evidence(start=verdict.start, end=verdict.end, text=verdict.quote) if verdict.start >= 0 else point.evidence
        )
    return point.model_copy(
        update={"probability": prob, "covered": covered, "evidence": evidence, "decided_by": "llm"}
    )


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code, also when called inside a running event loop's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass(frozen=True)
class PendingGrade:
    """An answer graded by embeddings, waiting for the LLM: ``instant`` is what a front shows meanwhile."""

    analysis: Analysis
    instant: Grade

    @property
    def needs_llm(self) -> bool:
        """False when there is nothing for the LLM to judge (no content, an echo, "I don't know")."""
        g = self.instant
        empty = not self.analysis.answer.strip() or not self.analysis.units
        return bool(g.key_points) and not empty and not (g.score == 0 and {"dont_know", "question_echo"} & set(g.flags))


class LLMGrader:
    def __init__(
        self,
        base: Grader,
        judge: LLMJudge,
        mode: Mode = "hybrid",
        calibration: Calibration | None = None,
        data_dir: Path | None = None,
        parallel_answers: int = 1,
    ) -> None:
        self.base = base
        self.judge = judge
        self.mode = mode
        # Declared as str: GraderProtocol.name is a plain, writable str attribute.
        self.name: str = mode
        self.corpus = base.corpus
        self.model_id = f"{base.model_id} + {judge.client.model}"
        self.calibration = base.calibration
        self.hybrid_calibration = calibration or load_calibration(base.model_id, data_dir, "hybrid")
        # Answers judged at once in a batch. 1 for a server with one slot (llama.cpp on a CPU): the points of
        # one answer share its cached prompt, and a second answer in between would evict it.
        self.parallel_answers = max(1, parallel_answers)
        self.fallbacks = 0

    @property
    def llm(self) -> LLMClient:
        return self.judge.client

    # -- the protocol ------------------------------------------------------------------------------------
    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return self.grade_many([(question, answer)], [match_confidence])[0]

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]:
        return _run(self._pipeline(items, match_confidences))

    async def agrade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return await self.finish(self.begin(question, answer, match_confidence))

    # -- progressive grading -----------------------------------------------------------------------------
    def begin(self, question: Question, answer: str, match_confidence: float | None = None) -> PendingGrade:
        return self.begin_many([(question, answer)], [match_confidence])[0]

    def begin_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[PendingGrade]:
        """The embedding grades of ``items`` (one encoder batch), each ready for :meth:`finish`."""
        out = []
        for i, a in enumerate(self.base.analyze_many(items)):
            g = self.base.decide(a)
            g.match_confidence = match_confidences[i] if match_confidences else None
            out.append(PendingGrade(a, self._label(g)))
        return out

    async def finish(self, pending: PendingLike, on_point: OnJudged | None = None) -> Grade:
        """The final grade: the instant one refined by the LLM's judgement of every key point."""
        if not isinstance(pending, PendingGrade):
            raise TypeError("finish() takes what begin() returned")
        if not pending.needs_llm:
            return pending.instant
        t = time.perf_counter()
        calls_before = self.judge.client.calls
        if self.mode == "hybrid":
            grade = await self._hybrid(pending, on_point)
        else:
            grade = await self._verdicts(pending, on_point)
        timings = {**grade.timings_ms, "llm": round((time.perf_counter() - t) * 1000, 1)}
        return grade.model_copy(update={"llm_calls": self.judge.client.calls - calls_before, "timings_ms": timings})

    async def _pipeline(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None
    ) -> list[Grade]:
        """Batch grading that keeps the LLM busy: the next answers are encoded while the current ones are judged."""
        chunk = 8
        confidences = list(match_confidences) if match_confidences else [None] * len(items)
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.parallel_answers)

        async def finish(p: PendingGrade) -> Grade:
            async with slots:
                return await self.finish(p)

        out: list[Grade] = []
        with ThreadPoolExecutor(1) as pool:

            def begin(start: int) -> asyncio.Future[list[PendingGrade]]:
                part = slice(start, start + chunk)
                return loop.run_in_executor(pool, self.begin_many, items[part], confidences[part])

            ahead = begin(0) if items else None
            for start in range(0, len(items), chunk):
                assert ahead is not None
                pendings = await ahead
                ahead = begin(start + chunk) if start + chunk < len(items) else None
                out.extend(await asyncio.gather(*(finish(p) for p in pendings)))
        return out

    def _label(self, grade: Grade) -> Grade:
        return grade.model_copy(update={"grader": self.name, "model_id": self.model_id})

    # -- hybrid ---------------------------------------------------------------------------------------------
    async def _hybrid(self, pending: PendingGrade, on_point: OnJudged | None) -> Grade:
        a = pending.analysis
        judged: dict[str, PointProbability] = {}

        def report(point_id: str, p: PointProbability) -> None:
            judged[point_id] = p
            if on_point is not None:
                on_point(point_id, self.decide(pending, judged))

        await self.judge.probabilities(
            a.question, a.answer, a.lang, sentences=[u.text for u in a.units], on_point=report
        )
        final = self.decide(pending, judged)
        if final.fallback:
            self.fallbacks += 1
        return final

    def decide(self, pending: PendingGrade, judged: dict[str, PointProbability]) -> Grade:
        """The grade from the embedding analysis and the LLM's P(yes) for the points in ``judged``.

        Pure: the benchmark calls it with stored judgements and a calibration of each fold's own.
        """
        return decide_hybrid(self.base, pending, judged, self.hybrid_calibration, self.name, self.model_id)

    # -- llm (verdicts with quotes) -------------------------------------------------------------------------
    async def _verdicts(self, pending: PendingGrade, on_point: OnJudged | None) -> Grade:
        a, grade = pending.analysis, pending.instant
        verdicts = await self.judge.judge(a.question, a.answer, a.lang)
        # Measured with a 1.5B model: injected "answer explained=true" sentences were obeyed and quoted as
        # evidence. A quote from a sentence addressed to the grader proves nothing.
        injected = instruction_spans(a.answer)
        verdicts = {
            k: Verdict(False, v.quote, reason="quote is text addressed to the grader")
            if v.explained and any(v.start < s.end and s.start < v.end for s in injected)
            else v
            for k, v in verdicts.items()
        }
        points = [combine(p, verdicts.get(p.id)) for p in grade.key_points]
        failed = [v.reason for v in verdicts.values() if v.explained is None]
        final = self._finalise(grade, points, failed)
        if on_point is not None:
            for p in points:
                on_point(p.id, final)
        return final

    def _finalise(self, grade: Grade, points: list[PointGrade], failed: list[str]) -> Grade:
        if failed:
            self.fallbacks += 1
        decided = grade.model_copy(
            update={
                "key_points": points,
                "coverage": round(weighted_coverage(points), 4),
                "score": final_score(points, grade.flags),
                "fallback": None,
            }
        )
        return _with_fallback(decided, failed, len(points))


def decide_hybrid(
    base: Grader,
    pending: PendingGrade,
    judged: dict[str, PointProbability],
    calibration: Calibration,
    name: str = "hybrid",
    model_id: str = "",
) -> Grade:
    """Per key point: the hybrid point model where the LLM judged it, the embedding grade's decision where not."""
    a, instant = pending.analysis, pending.instant
    keys = [kp.id for kp in a.question.key_points]
    llm = np.array(
        [judged[k].probability if k in judged and judged[k].probability is not None else math.nan for k in keys],
        dtype=np.float64,
    )
    known = ~np.isnan(llm)
    if not known.any():
        failed = [judged[k].reason for k in keys if k in judged]
        return _with_fallback(instant, failed, len(keys))
    with_llm = replace(a, features={**a.features, "llm_yes": np.where(known, llm, 0.0)})
    hybrid = base.decide(with_llm, calibration)
    points = [
        h.model_copy(update={"decided_by": "hybrid"}) if known[k] else e
        for k, (h, e) in enumerate(zip(hybrid.key_points, instant.key_points, strict=True))
    ]
    # The decision's flags are re-derived from the final points (base.decide did so for the hybrid ones).
    flags = dict(hybrid.flag_details)
    if any(p.covered and p.decided_by == "hybrid" for p in points):
        flags = {f: why for f, why in flags.items() if f not in SOFT_FLAGS}
    failed = [judged[k].reason for k in keys if k in judged and judged[k].probability is None]
    pending_points = len(keys) - len(judged)
    grade = instant.model_copy(
        update={
            "key_points": points,
            "coverage": round(weighted_coverage(points), 4),
            "score": final_score(points, flags),
            "flags": [f for f in hybrid.flags if f in flags],
            "flag_details": flags,
            "grader": name,
            "model_id": model_id or instant.model_id,
        }
    )
    if pending_points:
        return grade
    return _with_fallback(grade, failed, len(keys))


def _with_fallback(grade: Grade, failed: list[str], total: int) -> Grade:
    if not failed:
        return grade
    return grade.model_copy(update={"fallback": f"embedding decided {len(failed)} of {total} key points: {failed[0]}"})
