"""The one interface every grader implements, and the registry that builds one by name.

The interview, batch evaluation, the API and the CLI only ever see a :class:`GraderProtocol`. Adding a grader
means implementing it and calling :func:`register_grader`; the score always comes from
:func:`interviewer.scoring.score`, so the same key point probabilities and flags give the same score whichever
grader produced them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .grade import Grade
from .models import Question
from .settings import Settings

if TYPE_CHECKING:
    from .corpus import Corpus


@runtime_checkable
class GraderProtocol(Protocol):
    """Grades answers to a question: per key point a probability, evidence, flags, and the score."""

    name: str
    model_id: str
    corpus: Corpus

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade: ...

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]: ...


GraderFactory = Callable[["Corpus", Settings], GraderProtocol]


class GraderConfigError(ValueError):
    """The chosen grader cannot be built from the settings; the message says which setting to fix."""


_REGISTRY: dict[str, GraderFactory] = {}


def register_grader(name: str, factory: GraderFactory) -> None:
    """Make ``name`` a valid ``INTERVIEWER_GRADER`` / ``--grader`` value, built by ``factory(corpus, settings)``."""
    _REGISTRY[name] = factory


def grader_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def make_grader(corpus: Corpus, settings: Settings, name: str | None = None) -> GraderProtocol:
    name = name or settings.grader
    factory = _REGISTRY.get(name)
    if factory is None:
        raise GraderConfigError(f"unknown grader {name!r}; choose one of: {', '.join(_REGISTRY)}")
    return factory(corpus, settings)


def _embedding(corpus: Corpus, settings: Settings) -> GraderProtocol:
    from .grader import Grader

    return Grader(corpus, data_dir=settings.data_dir)


def _llm_factory(mode: str) -> GraderFactory:
    def build(corpus: Corpus, settings: Settings) -> GraderProtocol:
        if not settings.llm_base_url:
            raise GraderConfigError(f"the {mode} grader needs an LLM server: set INTERVIEWER_LLM_BASE_URL")
        from .grader import Grader
        from .llm.client import LLMClient
        from .llm.grading import LLMGrader
        from .llm.judge import LLMJudge

        client = LLMClient(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value(),
            timeout=settings.llm_timeout,
            max_retries=settings.llm_retries,
            concurrency=settings.llm_concurrency,
            structured=settings.llm_structured,
        )
        base = Grader(corpus, data_dir=settings.data_dir)
        return LLMGrader(base, LLMJudge(client, settings.llm_strategy), "llm" if mode == "llm" else "hybrid")

    return build


register_grader("embedding", _embedding)
register_grader("llm", _llm_factory("llm"))
register_grader("hybrid", _llm_factory("hybrid"))

# Kept for callers that list the choices.
GRADERS = grader_names()

__all__ = ["GRADERS", "GraderConfigError", "GraderFactory", "GraderProtocol", "grader_names", "make_grader", "register_grader"]
