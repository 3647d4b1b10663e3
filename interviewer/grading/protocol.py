"""The one interface every grader implements.

The interview, batch evaluation, the API and the CLI only ever see a :class:`GraderProtocol`. The score always
comes from :func:`interviewer.grading.scoring.score`, so the same key point probabilities and flags give the same
score whichever grader produced them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from interviewer.grading.result import Grade
from interviewer.knowledge.models import Question

if TYPE_CHECKING:
    from interviewer.knowledge.corpus import Corpus
    from interviewer.llm.client import LLMClient


@runtime_checkable
class GraderProtocol(Protocol):
    """Grades answers to a question: per key point a probability, evidence, flags, and the score."""

    name: str
    model_id: str
    corpus: Corpus

    @property
    def llm(self) -> LLMClient | None:
        """The LLM client behind this grader, if any: follow-ups and feedback are phrased with it."""
        ...

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade: ...

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]: ...


class PendingLike(Protocol):
    """An answer graded at once (by embeddings) and waiting for a slower judge."""

    @property
    def instant(self) -> Grade: ...

    @property
    def needs_llm(self) -> bool: ...


@runtime_checkable
class ProgressiveGrader(GraderProtocol, Protocol):
    """A grader whose final grade comes later than a first one: an interview shows the first at once and the
    final as it arrives, each key point reported to ``on_point`` (its id, the grade so far) when judged."""

    def begin(self, question: Question, answer: str, match_confidence: float | None = None) -> PendingLike: ...

    async def finish(self, pending: PendingLike, on_point: Callable[[str, Grade], None] | None = None) -> Grade: ...
