"""Where a reference answer makes each of its key points: the sentence that holds the point's terms.

A key point's statement is a summary in the bank's words; the reference says the same thing in a sentence
of its own, often with different wording. An answer that repeats that sentence has made the point, however
the statement is worded.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from interviewer.knowledge.models import Question
from interviewer.language.lexical import find_alias
from interviewer.language.text import split_sentences

Groups = tuple[tuple[str, ...], ...]


def anchor_sentence(groups: Sequence[Sequence[str]], reference: str) -> str:
    """The first sentence of ``reference`` that holds every term group ('' when none does, or no groups)."""
    if not groups or not reference:
        return ""
    for sentence in split_sentences(reference):
        if all(find_alias(group, sentence.text) is not None for group in groups):
            return sentence.text
    return ""


def question_anchors(question: Question) -> list[list[str]]:
    """For each key point of ``question``, its anchor sentence in each language of the reference."""
    terms = tuple(tuple(tuple(group) for group in kp.terms) for kp in question.key_points)
    return [list(a) for a in _anchors(tuple(question.reference.all()), terms)]


@lru_cache(maxsize=2048)
def _anchors(references: tuple[str, ...], terms: tuple[Groups, ...]) -> tuple[tuple[str, ...], ...]:
    # Every grade asks for its question's anchors, and a bank's questions are few and fixed.
    return tuple(tuple(a for a in (anchor_sentence(groups, text) for text in references) if a) for groups in terms)
