"""The registry that builds a grader by name (``INTERVIEWER_GRADER`` / ``--grader``).

Adding a grader means implementing :class:`~interviewer.grading.protocol.GraderProtocol` and calling
:func:`register_grader`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from interviewer.grading.protocol import GraderProtocol
from interviewer.settings import Settings

if TYPE_CHECKING:
    from interviewer.knowledge.corpus import Corpus


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
    from interviewer.grading.similarity import Grader

    return Grader(corpus, data_dir=settings.data_dir, answer_cache=settings.answer_cache_items)


def _llm_factory(mode: str) -> GraderFactory:
    def build(corpus: Corpus, settings: Settings) -> GraderProtocol:
        if not settings.llm_base_url:
            raise GraderConfigError(f"the {mode} grader needs an LLM server: set INTERVIEWER_LLM_BASE_URL")
        from interviewer.grading.hybrid import LLMGrader
        from interviewer.grading.similarity import Grader
        from interviewer.llm.client import LLMClient
        from interviewer.llm.judge import LLMJudge
        from interviewer.llm.judgements import JudgementCache

        client = LLMClient(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value(),
            timeout=settings.llm_timeout,
            max_retries=settings.llm_retries,
            concurrency=settings.llm_concurrency,
            structured=settings.llm_structured,
        )
        cache = None
        if settings.llm_judgement_cache:
            namespace = f"{settings.llm_base_url.rstrip('/')}|{settings.llm_model}"
            cache = JudgementCache(settings.data_dir / "llm_judgements.sqlite", namespace)
        base = Grader(corpus, data_dir=settings.data_dir, answer_cache=settings.answer_cache_items)
        return LLMGrader(
            base,
            LLMJudge(client, settings.llm_strategy, cache),
            "llm" if mode == "llm" else "hybrid",
            data_dir=settings.data_dir,
            parallel_answers=settings.llm_parallel_answers,
        )

    return build


register_grader("embedding", _embedding)
register_grader("llm", _llm_factory("llm"))
register_grader("hybrid", _llm_factory("hybrid"))

# Kept for callers that list the choices.
GRADERS = grader_names()

__all__ = ["GRADERS", "GraderConfigError", "GraderFactory", "grader_names", "make_grader", "register_grader"]
