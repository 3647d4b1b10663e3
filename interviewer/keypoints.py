"""Derive key points from a reference answer: one per distinct claim."""

from __future__ import annotations

import re

from .models import Bilingual, KeyPoint
from .text import detect_language, split_clauses, split_sentences, strip_list_marker, text_length

MIN_CLAIM = 3  # in text_length units (CJK characters or English words): shorter pieces merge with a neighbour
MAX_POINTS = 8


def split_claims(reference: str) -> list[str]:
    """Sentences, list items and ；/; clauses of ``reference``, with fragments too short to stand alone merged."""
    pieces: list[str] = []
    for sentence in split_sentences(reference):
        for clause in split_clauses(sentence):
            text = strip_list_marker(clause.text).strip(" ;；")
            if text:
                pieces.append(text)
    if len(pieces) == 1:
        pieces = _split_long(pieces[0])
    merged: list[str] = []
    for piece in pieces:
        if merged and (text_length(piece) < MIN_CLAIM or text_length(merged[-1]) < MIN_CLAIM):
            merged[-1] = _glue(merged[-1], piece)
        else:
            merged.append(piece)
    while len(merged) > MAX_POINTS:
        # Fold the shortest neighbouring pair until the count fits.
        i = min(range(len(merged) - 1), key=lambda k: text_length(merged[k]) + text_length(merged[k + 1]))
        merged[i : i + 2] = [_glue(merged[i], merged[i + 1])]
    return merged


def _split_long(text: str) -> list[str]:
    """A single-claim reference cut at its commas, so partial answers earn partial credit."""
    if text_length(text) < 2 * MIN_CLAIM:
        return [text]
    parts = [p.strip() for p in re.split(r"[，,、:：]", text) if p.strip()]
    return parts if len(parts) > 1 else [text]


def _glue(a: str, b: str) -> str:
    sep = "；" if detect_language(a + b) == "zh" else "; "
    return f"{a.rstrip('。.；;')}{sep}{b}"


def derive_key_points(reference: str, question_id: str, question: str = "") -> list[KeyPoint]:
    """Key points for a reference-only question, in the reference's language."""
    points: list[KeyPoint] = []
    lang = detect_language(reference)
    for i, claim in enumerate(split_claims(reference), start=1):
        topic = question.strip().rstrip("?？") or claim
        probe = (
            Bilingual(zh=f"关于“{topic}”，还有一点你没有谈到，能再补充一下吗？")
            if lang == "zh"
            else Bilingual(en=f"About \"{topic}\", there is one more aspect you have not covered. Can you add to your answer?")
        )
        points.append(
            KeyPoint(
                id=f"{question_id}.kp{i}",
                statement=Bilingual(**{lang: claim}),
                weight=1.0,
                probe=probe,
            )
        )
    return points


__all__ = ["derive_key_points", "split_claims"]
