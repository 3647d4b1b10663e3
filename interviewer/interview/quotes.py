"""What a follow-up quotes back from the answer: one whole clause that makes a covered point, or nothing.

A follow-up opens with what the candidate got right ("You said 'x' - right."). Cutting the evidence sentence at
a fixed length left quotes ending mid-word or on a comma, and a sentence that the embeddings matched to a point
may be about something else (an Adam sentence praised on an SGD question). So the quote is a whole clause, it
must share the point's own terms or words, and it is left out when no clause is short enough to quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from interviewer.grading.result import PointGrade
from interviewer.knowledge.models import KeyPoint, Language
from interviewer.language import overlap
from interviewer.language.lexical import term_coverage
from interviewer.language.text import Span, split_clauses, text_length

# Commas, colons and semicolons end a clause; a sentence end ends one anyway.
_CLAUSE = re.compile(r"[，,；;：:、]|[。！？!?](?=\s|$)|\.(?=\s|$)")
_EDGE_PUNCT = " \t\n\"'“”‘’「」『』（）()[]，,。.；;：:、！!？?…—-"
# Longest quote, in characters (Chinese) or words (English), that still reads as a quote, not a recital.
MAX_QUOTE = {"zh": 30, "en": 14}
MIN_QUOTE = 2


def clauses(text: str) -> list[str]:
    """The clauses of ``text``, without the punctuation that separates them."""
    pieces = split_clauses(Span(0, len(text), text), _CLAUSE)
    return [c for c in (p.text.strip(_EDGE_PUNCT) for p in pieces) if c]


def support(point: KeyPoint, clause: str, lang: Language) -> float:
    """How much of the point's own vocabulary ``clause`` uses: its term groups, else its statement's words."""
    if point.terms:
        return term_coverage(point.terms, clause)
    target = point.focus or point.statement.get(lang)
    return overlap.recall(overlap.words(target), overlap.words(clause))


def _fits(clause: str, lang: Language) -> bool:
    size = len(clause.split()) if lang == "en" else text_length(clause)
    return MIN_QUOTE <= size <= MAX_QUOTE[lang]


def quote(points: Sequence[tuple[KeyPoint, PointGrade]], lang: Language) -> str | None:
    """The clause to quote from the covered points' evidence, most probable point first; None if none fits."""
    ranked = sorted((pair for pair in points if pair[1].covered and pair[1].evidence), key=lambda p: -p[1].probability)
    for kp, graded in ranked:
        text = graded.evidence.text if graded.evidence else ""
        scored = [(support(kp, c, lang), c) for c in clauses(text) if _fits(c, lang)]
        scored = [(s, c) for s, c in scored if s > 0]
        if scored:
            return max(scored, key=lambda sc: sc[0])[1]
    return None


__all__ = ["MAX_QUOTE", "clauses", "quote", "support"]
