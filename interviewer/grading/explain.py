"""The one line that says how a score was reached, in the candidate's language, for a grade card or a question.

The score model in words: covered key points count in full (at least 90 % of their weight), ones recovered
after a hint at 70 % of that, the others in part by how close the answer came, and flags lower the result.
"""

from __future__ import annotations

from interviewer.grading.result import Grade
from interviewer.grading.scoring import PENALTIES, point_credit
from interviewer.knowledge.models import Language

EXPLAIN: dict[str, dict[str, str]] = {
    "zh": {
        "covered": "答到 {n}/{total} 个要点",
        "hinted": "其中 {n} 个经提示后答出，按 {share}% 计",
        "partial": "{n} 个未答全，得部分分",
        "flags": "因下方标记扣分",
        "skipped": "已跳过 → {score}",
        "join": "；",
    },
    "en": {
        "covered": "{n} of {total} key points covered",
        "hinted": "{n} after a hint, at {share} %",
        "partial": "partial credit on {n} more",
        "flags": "lowered by the flags below",
        "skipped": "skipped → {score}",
        "join": "; ",
    },
}


def explain_score(
    score: float,
    lang: Language,
    *,
    total: int,
    covered: int,
    recovered: int = 0,
    hint_share: float = 0.7,
    partial: int = 0,
    flags: list[str] | tuple[str, ...] = (),
    skipped: bool = False,
) -> str:
    """E.g. "4 of 5 key points covered; 1 after a hint, at 70 %; partial credit on 1 more → 81/100"."""
    t = EXPLAIN[lang]
    result = f"{score:.0f}/100"
    if skipped and not covered:
        return t["skipped"].format(score=result)
    parts = [t["covered"].format(n=covered, total=total)]
    if recovered:
        parts.append(t["hinted"].format(n=recovered, share=round(hint_share * 100)))
    if partial:
        parts.append(t["partial"].format(n=partial))
    if any(f in PENALTIES for f in flags):
        parts.append(t["flags"])
    return t["join"].join(parts) + f" → {result}"


def explain_grade(grade: Grade, lang: Language) -> str:
    """How one answer's grade reached its score (no follow-ups involved)."""
    partial = sum(1 for p in grade.key_points if not p.covered and point_credit(p.probability) > 0)
    return explain_score(
        grade.score,
        lang,
        total=len(grade.key_points),
        covered=len(grade.covered),
        partial=partial,
        flags=grade.flags,
    )


__all__ = ["EXPLAIN", "explain_grade", "explain_score"]
