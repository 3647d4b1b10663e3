"""Where a reference answer makes each of its key points: the sentence that holds the point's terms.

A key point's statement is a summary in the bank's words; the reference says the same thing in a sentence
of its own, often with different wording. Matching an answer against both means an answer phrased like the
reference is recognised as well as one phrased like the statement.
"""

from __future__ import annotations

from .lexical import find_alias
from .models import KeyPoint, Question
from .text import split_sentences


def point_anchor(point: KeyPoint, reference: str) -> str:
    """The sentence of ``reference`` that holds all of the point's term groups ('' when none does)."""
    if not point.terms or not reference:
        return ""
    for sentence in split_sentences(reference):
        if all(find_alias(group, sentence.text) is not None for group in point.terms):
            return sentence.text
    return ""


def question_anchors(question: Question) -> list[list[str]]:
    """For each key point of ``question``, its anchor sentence in each language of the reference."""
    return [
        [a for a in (point_anchor(kp, text) for text in question.reference.all()) if a]
        for kp in question.key_points
    ]
