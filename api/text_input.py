"""Validation of free text sent by candidates."""

from __future__ import annotations

import re

from fastapi import HTTPException

# C0 controls except tab, newline and carriage return; DEL; and lone UTF-16 surrogates, which JSON can carry
# as "\ud800" escapes but no UTF-8 encoder (SQLite, PostgreSQL, the embedder) accepts.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_answer(text: str, limit: int) -> str:
    """The answer with control characters removed; 400 when empty, 413 when over the size limit."""
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise HTTPException(status_code=400, detail="the answer is empty; write something before sending")
    if len(text) > limit:
        raise HTTPException(status_code=413, detail=f"the answer is {len(text)} characters; the limit is {limit}")
    return text
