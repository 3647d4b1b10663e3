"""Text utilities shared by ingest and grading: language detection and sentence/clause splitting with offsets."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

# The languages the bank is written in and answers are graded in.
Language = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# Sentence ends: Chinese full stops always; ASCII ones only when followed by space/end, so
# "3.14", "e.g." inside words and "1.5B" are not split.
_SENT_END = re.compile(r"[。！？!?]+[”’」』）)]*|(?<![A-Za-z0-9]\.[A-Za-z])(?<!\be\.g)(?<!\bi\.e)\.(?=\s|$)|\n+")
_CLAUSE_END = re.compile(r"[；;]")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*•]|\(?\d{1,2}[.)、．]|[（(]\d{1,2}[）)]|[一二三四五六七八九十]{1,2}[、.])\s*")


@dataclass(frozen=True)
class Span:
    """A piece of a text and its [start, end) character offsets in that text."""

    start: int
    end: int
    text: str


def detect_language(text: str) -> Language:
    """'zh' when CJK characters carry the text, else 'en'."""
    cjk, words = language_counts(text)
    # One CJK character carries about as much as one English word.
    return "zh" if cjk and cjk >= words else "en"


def language_counts(text: str) -> tuple[int, int]:
    """The CJK characters and the Latin words (two letters or more) of ``text``: what detect_language weighs."""
    return len(_CJK.findall(text)), len(_LATIN_WORD.findall(text))


def cjk_ratio(text: str) -> float:
    stripped = re.sub(r"\s+", "", text)
    return len(_CJK.findall(stripped)) / len(stripped) if stripped else 0.0


def _trimmed(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail <= lead:
        return None
    return Span(start + lead, start + trail, piece[lead:trail])


def split_sentences(text: str) -> list[Span]:
    """Sentences of a text, by Chinese and English punctuation, line breaks of list items and blank lines."""
    spans: list[Span] = []
    # A new line that opens a list item always starts a new sentence.
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    cuts = {0, len(text)}
    starts: list[int] = []  # list item markers: where each starts, and the furthest end of those so far
    reach: list[int] = []
    for pos in line_starts:
        m = _LIST_ITEM.match(text, pos)
        if m and m.end() > pos:
            cuts.add(pos)
            starts.append(pos)
            reach.append(max(m.end(), reach[-1] if reach else 0))
    for m in _SENT_END.finditer(text):
        # "1. " opening a list item is a marker, not the end of a sentence: a marker starting before the end
        # reaches it (found by bisection, so that a text of many list items stays linear).
        i = bisect.bisect_left(starts, m.end()) - 1
        if i < 0 or reach[i] < m.end():
            cuts.add(m.end())
    bounds = sorted(cuts)
    for a, b in pairwise(bounds):
        span = _trimmed(text, a, b)
        if span is not None and re.search(r"\w", span.text):
            spans.append(span)
    return spans


def split_clauses(sentence: Span, delimiter: re.Pattern[str] = _CLAUSE_END) -> list[Span]:
    """A sentence cut after each ``delimiter`` (default ；/;) into clauses; offsets stay relative to the text."""
    pieces: list[Span | None] = []
    start = 0
    for m in delimiter.finditer(sentence.text):
        pieces.append(_offset(sentence, start, m.end()))
        start = m.end()
    pieces.append(_offset(sentence, start, len(sentence.text)))
    return [p for p in pieces if p is not None and re.search(r"\w", p.text)]


def _offset(parent: Span, a: int, b: int) -> Span | None:
    inner = _trimmed(parent.text, a, b)
    if inner is None:
        return None
    return Span(parent.start + inner.start, parent.start + inner.end, inner.text)


def strip_list_marker(text: str) -> str:
    m = _LIST_ITEM.match(text)
    return (text[m.end() :] if m else text).strip()


def text_length(text: str) -> int:
    """A length that treats one CJK character and one English word alike (≈ one token of meaning)."""
    return len(_CJK.findall(text)) + len(_LATIN_WORD.findall(text)) + len(re.findall(r"\d+", text))
