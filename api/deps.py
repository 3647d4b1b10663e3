"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from interviewer import Corpus, Question, Settings
from interviewer.grader import Grader
from interviewer.resolve import QuestionResolver

from .store import SessionStore


def _state(request: Request, name: str) -> Any:
    value = getattr(request.app.state, name, None)
    if value is None:
        raise HTTPException(status_code=503, detail="the service is still loading; retry shortly", headers={"Retry-After": "5"})
    return value


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_corpus(request: Request) -> Corpus:
    return _state(request, "corpus")


def get_grader(request: Request) -> Grader:
    return _state(request, "grader")


def get_resolver(request: Request) -> QuestionResolver:
    return _state(request, "resolver")


def get_store(request: Request) -> SessionStore:
    return _state(request, "store")


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
GraderDep = Annotated[Grader, Depends(get_grader)]
ResolverDep = Annotated[QuestionResolver, Depends(get_resolver)]
StoreDep = Annotated[SessionStore, Depends(get_store)]


def passages_for(corpus: Corpus):  # noqa: ANN201
    """The report's "what to read": source passages for a question's missed points."""

    def find(question: Question, missed: list[str]) -> list[dict[str, Any]]:
        hits = corpus.search(" ".join([question.question.zh or question.question.en, *missed])[:500], k=2)
        return [
            {"file": h.chunk.file, "start_line": h.chunk.start_line, "end_line": h.chunk.end_line, "title": h.chunk.title, "text": h.chunk.text}
            for h in hits
        ]

    return find
