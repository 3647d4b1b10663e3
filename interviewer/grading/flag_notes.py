"""A flag explained to the candidate, in the interview's language.

A grade's ``flag_details`` are the grader's own notes, in English. A candidate reads the flag's rule
(:data:`interviewer.grading.scoring.PENALTY_RULES`) in their language, plus only the specifics that read the same in
any language: the bank question an answer fits better, or the sentence of the answer that addressed the grader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from interviewer.grading.scoring import PENALTY_RULES
from interviewer.language.text import Language

# A bank question id: lowercase words joined by hyphens ("bn-param-count").
_QUESTION_ID = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")
_FITS: dict[Language, str] = {"zh": "更符合：", "en": "fits better: "}


def flag_rule(flag: str, lang: Language) -> str:
    """The rule of ``flag`` in ``lang``; the flag's name for a flag without one."""
    return PENALTY_RULES.get(flag, {}).get(lang, "") or flag


def flag_specifics(flag: str, detail: str, lang: Language) -> str:
    """What of the grader's note on ``flag`` reads the same in every language ("" when nothing does)."""
    if flag == "other_question":
        ids = _QUESTION_ID.findall(detail)
        return _FITS[lang] + ", ".join(ids) if ids else ""
    if flag == "instruction_like" and detail.strip():
        return f"“{' '.join(detail.split())}”"
    return ""


def flag_note(flag: str, lang: Language, details: Mapping[str, str] | None = None) -> str:
    """One line: the rule of ``flag`` in ``lang`` and its language-neutral specifics, if any."""
    rule = flag_rule(flag, lang)
    extra = flag_specifics(flag, (details or {}).get(flag, ""), lang)
    if not extra:
        return rule
    return f"{rule}（{extra}）" if lang == "zh" else f"{rule} ({extra})"


__all__ = ["flag_note", "flag_rule", "flag_specifics"]
