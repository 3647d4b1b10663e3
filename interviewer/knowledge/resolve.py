"""Turn what an answer-set row or an API call names (an id, a free-text question, a reference) into a Question."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from interviewer.knowledge.corpus import Corpus
from interviewer.knowledge.keypoints import derive_key_points
from interviewer.knowledge.models import Bilingual, Question
from interviewer.language.normalize import normalize_text
from interviewer.language.text import detect_language

Origin = Literal["bank", "matched", "reference"]

# What a request may send to grade against (POST /v1/grade refuses more; an answer-set row over them is a
# problem). Within them a reference costs at most what its length does: it is normalised like an answer, its
# key points are at most keypoints.MAX_POINTS, and the grader encodes a bounded prefix of each text.
MAX_REFERENCE_CHARS = 8000
MAX_REFERENCE_ITEMS = 50
MAX_QUESTION_CHARS = 2000


class UnknownQuestion(LookupError):
    """Nothing in the bank matches; the message says what was tried."""


@dataclass(frozen=True)
class ResolvedQuestion:
    question: Question
    origin: Origin
    # Cosine similarity of a free-text question to the bank question it was matched to; None when given by id.
    match_confidence: float | None = None
    # The same question against further complete model answers (``alternatives`` of an answer-set row):
    # an answer is graded against each and the best grade counts.
    alternatives: tuple[Question, ...] = ()

    @property
    def candidates(self) -> tuple[Question, ...]:
        return (self.question, *self.alternatives)


class QuestionResolver:
    MAX_DERIVED = 2048

    def __init__(self, corpus: Corpus, min_confidence: float = 0.85) -> None:
        self.corpus = corpus
        self.min_confidence = min_confidence
        # Bounded: every new reference sent to /v1/grade derives a question, and the service runs for weeks.
        self._derived: OrderedDict[str, Question] = OrderedDict()

    def resolve(
        self,
        question_id: str | None = None,
        question: str | None = None,
        reference: list[str] | str | None = None,
        alternatives: list[str] | None = None,
    ) -> ResolvedQuestion:
        if isinstance(reference, str):
            reference = [reference]
        resolved = self._resolve(question_id, question, reference)
        if not alternatives:
            return resolved
        base = self.corpus.bank.get(question_id) if question_id else None
        others = tuple(
            self._from_reference(f"{resolved.question.id}.alt{i}", question, [alt], base)
            for i, alt in enumerate(alternatives, start=1)
        )
        return ResolvedQuestion(resolved.question, resolved.origin, resolved.match_confidence, others)

    def _resolve(
        self, question_id: str | None, question: str | None, reference: list[str] | None
    ) -> ResolvedQuestion:
        base: Question | None = None
        confidence: float | None = None
        if question_id:
            base = self.corpus.bank.get(question_id)
            if base is None and not reference:
                raise UnknownQuestion(f"unknown question id {question_id!r}")
        elif question and not reference:
            match = self.corpus.match_question(normalize_text(question))
            if not match:
                raise UnknownQuestion("the question bank is empty")
            base, confidence = match[0].question, round(match[0].score, 4)
            if confidence < self.min_confidence:
                raise UnknownQuestion(
                    f"no bank question matches {question[:60]!r} (closest: {base.id} at {confidence:.2f}); "
                    "give a question_id or a reference"
                )
            return ResolvedQuestion(base, "matched", confidence)
        if reference:
            return ResolvedQuestion(self._from_reference(question_id, question, reference, base), "reference")
        assert base is not None
        return ResolvedQuestion(base, "bank")

    def _from_reference(
        self, question_id: str | None, question: str | None, reference: list[str], base: Question | None
    ) -> Question:
        # Callers check the limits (the API and the Assessor refuse more); what reaches here is cut to them.
        text = _bounded_reference(reference)
        question = normalize_text(question)[:MAX_QUESTION_CHARS] if question else question
        key = hashlib.sha1(f"{question_id}\0{question}\0{text}".encode()).hexdigest()[:12]
        if key in self._derived:
            self._derived.move_to_end(key)
        else:
            qid = question_id or f"ref-{key}"
            if base is not None:
                qtext = base.question
            else:
                qtext = Bilingual(**{detect_language(question or text): question or ""})
            self._derived[key] = Question(
                id=qid,
                topic=base.topic if base is not None else "reference",
                question=qtext,
                reference=Bilingual(**{detect_language(text): text}),
                key_points=derive_key_points(text, qid, question=question or qtext.get("zh")),
            )
            if len(self._derived) > self.MAX_DERIVED:
                self._derived.popitem(last=False)
        return self._derived[key]


def _bounded_reference(reference: list[str]) -> str:
    """The reference's texts normalised, at most MAX_REFERENCE_ITEMS of them, cut to MAX_REFERENCE_CHARS."""
    texts = [t for t in (normalize_text(r) for r in reference[:MAX_REFERENCE_ITEMS]) if t.strip()]
    return "\n".join(texts)[:MAX_REFERENCE_CHARS]
