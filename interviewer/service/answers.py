"""Free text from candidates and requests, made safe to grade and store, and bounded in what it can cost."""

from __future__ import annotations

from interviewer.knowledge.resolve import MAX_QUESTION_CHARS, MAX_REFERENCE_CHARS, MAX_REFERENCE_ITEMS
from interviewer.language.normalize import normalize_text
from interviewer.service.errors import InvalidRequest, TooLarge


def clean_answer(text: str, limit: int) -> str:
    """The answer normalised (:func:`normalize_text`: NFC, combining marks capped, line ends as ``\\n``, no
    control or invisible characters); refused when nothing is left or it is over ``limit`` characters.

    The normalised text is what is graded and stored, so the offsets of the evidence quoted from it hold.
    """
    text = normalize_text(text)
    if not text.strip():
        raise InvalidRequest("the answer is empty; write something before sending")
    if len(text) > limit:
        raise TooLarge(f"the answer is {len(text)} characters; the limit is {limit}")
    return text


def clean_reference(reference: str | list[str] | None, name: str = "reference") -> list[str] | None:
    """A request's reference answer (one text, or its points as a list), normalised and within the limits:
    at most MAX_REFERENCE_ITEMS texts of MAX_REFERENCE_CHARS characters in all. ``name`` is what the messages
    call it (an answer-set row's ``alternatives`` are bounded the same way)."""
    if reference is None:
        return None
    texts = [normalize_text(t) for t in ([reference] if isinstance(reference, str) else reference)]
    if not texts or not all(t.strip() for t in texts):
        raise InvalidRequest(f"{name}: a text is empty; give the reference answer's text")
    if len(texts) > MAX_REFERENCE_ITEMS:
        raise TooLarge(f"{name}: {len(texts)} texts; the limit is {MAX_REFERENCE_ITEMS}")
    size = sum(map(len, texts))
    if size > MAX_REFERENCE_CHARS:
        raise TooLarge(f"{name}: {size} characters in all; the limit is {MAX_REFERENCE_CHARS}")
    return texts


def clean_question(question: str | None) -> str | None:
    """A request's free-text question normalised; None when blank; refused over MAX_QUESTION_CHARS."""
    if question is None:
        return None
    question = normalize_text(question)
    if not question.strip():
        return None
    if len(question) > MAX_QUESTION_CHARS:
        raise TooLarge(f"the question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}")
    return question
