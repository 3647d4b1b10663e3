"""Build the grader a setting names: ``embedding``, ``llm`` or ``hybrid``."""

from __future__ import annotations

from .corpus import Corpus
from .grader import Grader
from .settings import Settings

GRADERS = ("embedding", "llm", "hybrid")


class GraderConfigError(ValueError):
    """The chosen grader cannot be built from the settings; the message says which setting to fix."""


def make_grader(corpus: Corpus, settings: Settings, name: str | None = None):  # noqa: ANN201 - Grader | LLMGrader
    name = name or settings.grader
    if name not in GRADERS:
        raise GraderConfigError(f"unknown grader {name!r}; choose one of: {', '.join(GRADERS)}")
    base = Grader(corpus, data_dir=settings.data_dir)
    if name == "embedding":
        return base
    if not settings.llm_base_url:
        raise GraderConfigError(f"the {name} grader needs an LLM server: set INTERVIEWER_LLM_BASE_URL")
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
    return LLMGrader(base, LLMJudge(client, settings.llm_strategy), name)  # type: ignore[arg-type]
