"""Whether the bank's key-point terms do their job: found where the point is made, not where it is not.

A key point's ``terms`` are the words an answer must use to make it. Three things can go wrong, and each is
measured here over the bank's own reference answers, in every language:

- a term group is not found in its own question's reference (an alias that never matches real text, such
  as an English stem that only matched whole words);
- a point is found in *other* questions' references (aliases so generic that they give credit without the
  fact); some of this is expected between related questions, so it is reported as a rate;
- a follow-up probe contains its own point's terms, and so gives the answer away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from interviewer.knowledge.models import LANGUAGES, KeyPoint, Language, Question
from interviewer.language.lexical import find_alias


@dataclass(frozen=True)
class TermMiss:
    """A term group of a key point that its own question's reference does not contain."""

    question_id: str
    point_id: str
    lang: Language
    group: tuple[str, ...]

    def __str__(self) -> str:
        where = f"question {self.question_id}: key point {self.point_id}"
        return f"{where}: no alias of {list(self.group)} in the {self.lang} reference"


@dataclass(frozen=True)
class CrossHit:
    """A key point whose every term group is found in another question's reference."""

    point_id: str
    other_question_id: str
    lang: Language


@dataclass(frozen=True)
class ProbeLeak:
    """A follow-up probe that names its own point's terms."""

    question_id: str
    point_id: str
    lang: Language
    alias: str

    def __str__(self) -> str:
        where = f"question {self.question_id}: key point {self.point_id}"
        return f"{where}: the {self.lang} probe names the answer ({self.alias!r})"


@dataclass
class TermReport:
    groups: dict[Language, int] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, 0))
    misses: list[TermMiss] = field(default_factory=list)
    cross_pairs: dict[Language, int] = field(default_factory=lambda: dict.fromkeys(LANGUAGES, 0))
    cross_hits: list[CrossHit] = field(default_factory=list)
    leaks: list[ProbeLeak] = field(default_factory=list)

    def self_rate(self, lang: Language) -> float:
        """Share of term groups found in their own question's reference."""
        n = self.groups[lang]
        missed = sum(1 for m in self.misses if m.lang == lang)
        return (n - missed) / n if n else 1.0

    def cross_rate(self, lang: Language) -> float:
        """Share of (key point, other question) pairs where the other question's reference has every term."""
        n = self.cross_pairs[lang]
        return sum(1 for h in self.cross_hits if h.lang == lang) / n if n else 0.0

    def summary(self) -> list[str]:
        lines = []
        for lang in LANGUAGES:
            if not self.groups[lang]:
                continue
            own = f"{self.self_rate(lang):.1%} of {self.groups[lang]} groups found in their own reference"
            other = f"{self.cross_rate(lang):.2%} of {self.cross_pairs[lang]} pairs"
            lines.append(f"terms ({lang}): {own}; points found in other questions' references: {other}")
        return lines


def probe_leak(question: Question, point: KeyPoint, lang: Language) -> ProbeLeak | None:
    """The probe's words that give its point away, if they do.

    A probe may name the context the question already gives ("how should kernel size and stride be
    chosen?"); it gives the answer away when it holds every term group the question does not.
    """
    probe = getattr(point.probe, lang)
    asked = getattr(question.question, lang)
    answer_groups = [g for g in point.terms if find_alias(g, asked) is None]
    if not probe or not answer_groups:
        return None
    found = [find_alias(g, probe) for g in answer_groups]
    if any(m is None for m in found):
        return None
    return ProbeLeak(question.id, point.id, lang, ", ".join(m.group(0) for m in found if m is not None))


def check_terms(bank: Iterable[Question], languages: Sequence[Language] = LANGUAGES) -> TermReport:
    """Measure the bank's term groups against its own references and probes."""
    questions = list(bank)
    report = TermReport()
    for q in questions:
        for kp in q.key_points:
            if not kp.terms:
                continue
            for lang in languages:
                reference = getattr(q.reference, lang)
                if not reference:
                    continue
                for group in kp.terms:
                    report.groups[lang] += 1
                    if find_alias(group, reference) is None:
                        report.misses.append(TermMiss(q.id, kp.id, lang, tuple(group)))
                leak = probe_leak(q, kp, lang)
                if leak is not None:
                    report.leaks.append(leak)
                for other in questions:
                    other_ref = getattr(other.reference, lang)
                    if other.id == q.id or not other_ref:
                        continue
                    report.cross_pairs[lang] += 1
                    if all(find_alias(g, other_ref) is not None for g in kp.terms):
                        report.cross_hits.append(CrossHit(kp.id, other.id, lang))
    return report
