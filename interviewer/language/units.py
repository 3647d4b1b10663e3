"""Cut an answer into the units that are matched against key points."""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviewer.language.text import Span, split_clauses, split_sentences, text_length

MAX_UNITS = 96
# Encoding cost grows faster than length; an unpunctuated wall of text is cut into pieces this long so that a
# single answer cannot hold the CPU for tens of seconds. With the text normalised first (no mark runs, no
# invisible characters), a unit is at most this many characters of text the encoder reads as text, and an answer
# at most MAX_UNITS of them: its encoding costs at most MAX_UNITS * MAX_UNIT_CHARS characters' worth.
MAX_UNIT_CHARS = 160
_COMMA = re.compile(r"[，,](?!\d)")
LONG_SENTENCE = 24  # text_length units: longer sentences are also matched clause by clause


@dataclass(frozen=True)
class Unit(Span):
    """A span of the answer; ``sentence`` is the index of the sentence it starts in."""

    sentence: int = 0
    kind: str = "sentence"  # sentence | clause | window


def answer_units(answer: str, max_units: int = MAX_UNITS) -> list[Unit]:
    """Sentences, their clauses (at ；/; and, in long sentences, commas) and windows of two adjacent sentences.

    Sentences come first so that, when an answer is very long, the cap drops windows and clauses
    before it drops any of what the candidate wrote.
    """
    sentences = [piece for s in split_sentences(answer) for piece in _bounded(s)]
    units: list[Unit] = [Unit(s.start, s.end, s.text, i, "sentence") for i, s in enumerate(sentences)]
    seen = {(u.start, u.end) for u in units}
    extra: list[Unit] = []
    for i, s in enumerate(sentences):
        pieces = split_clauses(s)
        if text_length(s.text) >= LONG_SENTENCE:
            pieces = [p for c in pieces for p in split_clauses(c, _COMMA)]
        for p in pieces:
            if (p.start, p.end) not in seen and text_length(p.text) >= 3:
                extra.append(Unit(p.start, p.end, p.text, i, "clause"))
                seen.add((p.start, p.end))
    for i in range(len(sentences) - 1):
        a, b = sentences[i], sentences[i + 1]
        if b.end - a.start <= MAX_UNIT_CHARS:
            extra.append(Unit(a.start, b.end, answer[a.start : b.end], i, "window"))
    return (units + extra)[:max_units]


def _bounded(s: Span) -> list[Span]:
    """The sentence itself, or pieces of at most MAX_UNIT_CHARS cut at a space where there is one."""
    if len(s.text) <= MAX_UNIT_CHARS:
        return [s]
    pieces: list[Span] = []
    start = 0
    while start < len(s.text):
        end = min(start + MAX_UNIT_CHARS, len(s.text))
        if end < len(s.text):
            space = s.text.rfind(" ", start + MAX_UNIT_CHARS // 2, end)
            end = space + 1 if space > 0 else end
        text = s.text[start:end].strip()
        if text:
            lead = s.text.index(text, start)
            pieces.append(Span(s.start + lead, s.start + lead + len(text), text))
        start = end
    return pieces


def bounded_prefix(text: str, max_chars: int) -> str:
    """``text`` if it is at most ``max_chars`` long, else its beginning: up to the last sentence end within
    ``max_chars`` (when that keeps at least half), else to the last space, else ``max_chars`` characters."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    ends = [s.end for s in split_sentences(head)[:-1] if s.end >= max_chars // 2]
    if ends:
        return head[: ends[-1]]
    space = head.rfind(" ", max_chars // 2)
    return head[:space].rstrip() if space > 0 else head
