"""Free text from candidates, made safe to grade and store."""

from __future__ import annotations

import re

from interviewer.service.errors import InvalidRequest, TooLarge

# C0 controls except tab, newline and carriage return; DEL; and lone UTF-16 surrogates, which JSON can carry
# as "\ud800" escapes but no UTF-8 encoder (SQLite, PostgreSQL, the embedder) accepts.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_answer(text: str, limit: int) -> str:
    """The answer with control characters removed; refused when nothing is left or it is over ``limit``."""
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise InvalidRequest("the answer is empty; write something before sending")
    if len(text) > limit:
        raise TooLarge(f"the answer is {len(text)} characters; the limit is {limit}")
    return text
