"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from interviewer import Corpus, Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_corpus(request: Request) -> Corpus:
    corpus = getattr(request.app.state, "corpus", None)
    if corpus is None:
        raise HTTPException(status_code=503, detail="the index is still loading; retry shortly",
                            headers={"Retry-After": "5"})
    return corpus


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
