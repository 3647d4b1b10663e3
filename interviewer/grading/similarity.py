"""The embedding grader: per key point, a calibrated probability that the answer makes it, with evidence.

Grading runs in two steps so that a benchmark can refit the calibration without re-encoding anything:

1. :meth:`Grader.analyze` cuts the answer into sentences, encodes each distinct one once (the whole answer's
   vector is their length-weighted mean), and measures evidence that does not depend on any fitted parameter:
   per key point the best sentence's similarity (also relative to how similar the question itself is to the
   point), the point's words and character trigrams found in the answer, a negation or antonym flip; per answer
   its similarity to the reference (relative to the question's), the reference's words it uses, how much of it
   is about the key points, and its length against the reference's. Similarities relative to the question's own
   carry over between references, questions and languages where raw cosines do not.
2. :meth:`Grader.decide` turns those features into probabilities through the calibration (a logistic model
   fitted on graded answers from several data sets), marks the points covered with the sentence that covers
   each, sets the flags that rest on evidence, and scores with :func:`interviewer.grading.scoring.score`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from interviewer.embeddings.base import SYMMETRIC, Embedder
from interviewer.embeddings.memory import DEFAULT_ITEMS, MemoryCachedEmbedder
from interviewer.embeddings.pooling import pooled_vector
from interviewer.grading import flags as F
from interviewer.grading.anchors import question_anchors
from interviewer.grading.calibration import EVIDENCE_FEATURES, Calibration, load_calibration
from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.grading.scoring import coverage as weighted_coverage
from interviewer.grading.scoring import score as final_score
from interviewer.knowledge.corpus import Corpus
from interviewer.knowledge.models import Language, Question
from interviewer.language import overlap
from interviewer.language.lexical import polarity_mismatch, term_coverage
from interviewer.language.normalize import encoder_text, normalize_text
from interviewer.language.text import Span, detect_language, text_length
from interviewer.language.units import Unit, answer_units, bounded_prefix

# What one grade can cost is bounded by construction, whoever calls: the answer is normalised (no runs of
# combining marks, no invisible characters) and cut to MAX_ANSWER_CHARS, only its first MAX_UNITS sentence units
# of at most MAX_UNIT_CHARS are encoded (interviewer.language.units), and of each text it is compared with the
# encoder reads at most a bounded beginning (ENCODED_CHARS). Everything else is linear in those lengths.
MAX_ANSWER_CHARS = 20000
# The longest beginning of a question, a reference and a key point statement that is encoded: above the longest
# in the bank (202, 1,528 and 219 characters) and in the evaluation sets' references (1,061, 2,219 and 359), so
# none of those changes; a reference sent with a request may be longer (8,000 characters), its derived points too.
Role = Literal["question", "reference", "point"]
ENCODED_CHARS: dict[Role, int] = {"question": 1200, "reference": 2400, "point": 400}
# How much closer to the reference than the question itself an answer must come not to count as an echo.
ECHO_MARGIN = 0.05


@dataclass
class _Prepared:
    question: Question
    answer: str
    units: list[Unit]
    instructions: list[Span]


@dataclass
class Analysis:
    """Everything about one answer that does not depend on the calibration."""

    question: Question
    answer: str
    lang: Language
    units: list[Unit]
    features: dict[str, np.ndarray]  # name -> one value per key point
    sims: np.ndarray  # units × key points: best cosine of each unit to each point
    echo: np.ndarray  # per unit: repeats the question and says nothing else
    content_len: int
    shares_words: bool  # any content word or trigram in common with the question or the reference
    found: dict[str, str] = field(default_factory=dict)  # calibration-independent flags
    rival: tuple[str, float] | None = None  # another bank question the answer fits better, and the margin
    timings_ms: dict[str, float] = field(default_factory=dict)


# Share of the reference's own sentence for a point (its character trigrams beyond the question's) that an
# answer must repeat to have made the point in the reference's words.
ANCHOR_REPEAT = 0.6


class Grader:
    name = "embedding"
    llm = None  # embeddings only: follow-ups and feedback come from the bank

    def __init__(
        self,
        corpus: Corpus,
        calibration: Calibration | None = None,
        data_dir: Path | None = None,
        answer_cache: int = DEFAULT_ITEMS,
    ) -> None:
        self.corpus = corpus
        # Answers' sentences: kept in memory for retries and repeats (``answer_cache`` vectors; 0 keeps none).
        self.embedder: Embedder = (
            MemoryCachedEmbedder(corpus.embedder, answer_cache) if answer_cache > 0 else corpus.embedder
        )
        self.encoder = corpus.encoder or corpus.embedder
        self.model_id = corpus.embedder.model_id
        self.calibration = calibration or load_calibration(self.model_id, data_dir)
        # Vectors of question-side texts (statements, questions, references): few, and asked for again and again.
        self._text_vecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._bank_fit_setup()

    # -- vectors of the things an answer is compared with ----------------------------------------------
    def _vectors(self, texts: Sequence[str], role: Role) -> np.ndarray:
        """One vector per non-empty text, encoded from its beginning of at most ``ENCODED_CHARS[role]``."""
        limit = ENCODED_CHARS[role]
        keys = [bounded_prefix(t, limit) for t in texts if t]
        todo = list(dict.fromkeys(k for k in keys if k not in self._text_vecs))
        if todo:
            for t, v in zip(todo, self.encoder.encode(todo, SYMMETRIC), strict=True):
                self._text_vecs[t] = v
            while len(self._text_vecs) > 8192:
                self._text_vecs.popitem(last=False)
        dim = self.embedder.dim
        out = [self._text_vecs[k] for k in keys]
        return np.stack(out) if out else np.zeros((0, dim), np.float32)

    def _bank_fit_setup(self) -> None:
        """Key point vectors of the whole bank grouped per question, for the "answer to another question" check."""
        index = self.corpus.index
        rows = index.rows["key_points"]
        self._kp_matrix = index.vectors("key_points")
        self._bank_qids = sorted({r.question_id for r in rows})
        kp_ids = list(dict.fromkeys(r.ref for r in rows))
        kp_pos = {k: i for i, k in enumerate(kp_ids)}
        q_pos = {q: i for i, q in enumerate(self._bank_qids)}
        self._n_kps = len(kp_ids)
        self._row_kp = np.array([kp_pos[r.ref] for r in rows], dtype=np.int64)
        kp_question = {r.ref: r.question_id for r in rows}
        self._kp_q = np.array([q_pos[kp_question[k]] for k in kp_ids], dtype=np.int64)
        self._q_kp_count = np.maximum(np.bincount(self._kp_q, minlength=len(self._bank_qids)), 1)

    # -- grading --------------------------------------------------------------------------------------
    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return self.grade_many([(question, answer)], [match_confidence])[0]

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]:
        """Grade many answers, encoding all their sentences in one batch."""
        grades = [self.decide(a) for a in self.analyze_many(items)]
        for i, g in enumerate(grades):
            g.match_confidence = match_confidences[i] if match_confidences else None
        return grades

    def analyze_many(self, items: Sequence[tuple[Question, str]]) -> list[Analysis]:
        t0 = time.perf_counter()
        prepared = [self._prepare(q, a) for q, a in items]
        # Each distinct sentence is encoded once, whichever answers it appears in.
        texts = list(dict.fromkeys(u.text for p in prepared for u in p.units))
        t1 = time.perf_counter()
        vecs = (
            self.embedder.encode([encoder_text(t) for t in texts], SYMMETRIC)
            if texts
            else np.zeros((0, self.embedder.dim), np.float32)
        )
        t2 = time.perf_counter()
        row = {t: i for i, t in enumerate(texts)}
        n = max(1, len(items))
        out: list[Analysis] = []
        for p in prepared:
            ts = time.perf_counter()
            U = vecs[[row[u.text] for u in p.units]] if p.units else np.zeros((0, self.embedder.dim), np.float32)
            a = self._analyze(p, U, pooled_vector(p.units, U))
            a.timings_ms = {
                "prepare": round((t1 - t0) * 1000 / n, 2),
                "encode": round((t2 - t1) * 1000 / n, 2),
                "score": round((time.perf_counter() - ts) * 1000, 2),
            }
            out.append(a)
        return out

    def _prepare(self, question: Question, answer: str) -> _Prepared:
        # The service hands over answers normalised already (clean_answer), so this changes nothing there and
        # the evidence offsets fit the stored text; any other caller's text is bounded the same way.
        answer = normalize_text(answer[:MAX_ANSWER_CHARS])
        instructions = F.instruction_spans(answer)
        units = [
            u for u in answer_units(answer)
            if u.kind == "sentence" and not any(u.start < s.end and s.start < u.end for s in instructions)
        ]
        return _Prepared(question, answer, units, instructions)

    def _analyze(self, p: _Prepared, U: np.ndarray, whole: np.ndarray | None) -> Analysis:
        q, answer, units = p.question, p.answer, p.units
        lang = detect_language(answer)
        n_units, n_points = len(units), len(q.key_points)
        questions = q.question.all()
        references = q.reference.all()
        Q = self._vectors(questions, "question")
        R = self._vectors(references, "reference")
        point_texts = [kp.statement.all() for kp in q.key_points]
        P = [self._vectors(t, "point") for t in point_texts]
        anchors = question_anchors(q)
        # How close the question alone comes to each point and to the reference: restating the question
        # reaches this much, so evidence is measured from there.
        q_points = np.array([float((Q @ pv.T).max()) if len(Q) and len(pv) else 0.0 for pv in P])
        q_ref = float((Q @ R.T).max()) if len(Q) and len(R) else 0.0

        # Units that repeat the question and add no word of their own are no evidence for anything.
        q_words = frozenset().union(*(overlap.words(t) for t in questions)) if questions else frozenset()
        S = np.full((n_units, n_points), -1.0, dtype=np.float32)
        for k, pv in enumerate(P):
            if n_units and len(pv):
                S[:, k] = (U @ pv.T).max(axis=1)
        echo = np.zeros(n_units, dtype=bool)
        if n_units and len(Q):
            q_sim = (U @ Q.T).max(axis=1)
            best_point = S.max(axis=1) if n_points else np.full(n_units, -1.0)
            # Rephrasing the question adds a word or two of its own ("so the question is about ..."); an answer
            # adds the point's words.
            new_share = np.array(
                [len(overlap.words(u.text) - q_words) / max(1, len(overlap.words(u.text))) for u in units]
            )
            echo = (q_sim >= best_point) & (new_share <= 0.34)
            S[echo] = -1.0
        kept = [u for u, e in zip(units, echo, strict=True) if not e]
        content = " ".join(u.text for u in kept)
        content_len = text_length(content)
        a_words, a_grams = overlap.words(content), overlap.trigrams(content)
        a_han = overlap.han_bigrams(content)
        q_han = frozenset().union(*(overlap.han_bigrams(t) for t in questions)) if questions else frozenset()
        q_grams = frozenset().union(*(overlap.trigrams(t) for t in questions)) if questions else frozenset()
        # An echo, or no answer at all, sits at the question's own similarity.
        floored = np.maximum(S, q_points[None, :]) if n_units else np.zeros((0, n_points))
        floored[echo] = q_points

        # Answer-level evidence, the same for every point of the answer.
        ref_sim = float((R @ whole).max()) if whole is not None and len(R) else q_ref
        ref_words = [overlap.words(t) for t in references]
        ref_grams = [overlap.trigrams(t) for t in references]
        a_nov = max((overlap.recall(w, a_words, q_words) for w in ref_words), default=0.0)
        a_gram = max((overlap.recall(g, a_grams, q_grams) for g in ref_grams), default=0.0)
        rubric_grams = frozenset().union(*ref_grams, *(overlap.trigrams(t) for ts in point_texts for t in ts))
        a_prec = overlap.recall(a_grams, rubric_grams, q_grams)
        focus = float(floored.max(axis=1).mean()) if n_units and n_points else float(q_points.max(initial=0.0))
        ref_len = text_length(q.reference.get(lang)) or sum(text_length(kp.statement.get(lang)) for kp in q.key_points)
        shared = bool(a_words & (q_words | frozenset().union(*ref_words))) if ref_words else bool(a_words & q_words)

        feats: dict[str, list[float]] = {name: [] for name in EVIDENCE_FEATURES}
        for k, kp in enumerate(q.key_points):
            b = int(S[:, k].argmax()) if n_units else -1
            sim = float(floored[:, k].max()) if n_units else float(q_points[k])
            feats["sim"].append(sim)
            feats["sim_rel"].append(_relative(sim, float(q_points[k])))
            if kp.terms:
                lex = term_coverage(kp.terms, content) if content else 0.0
            else:
                target = kp.focus or " ".join(kp.statement.all())
                lex = overlap.recall(overlap.words(target), a_words, q_words)
            feats["point_words"].append(lex)
            feats["point_grams"].append(
                max((overlap.recall(overlap.trigrams(t), a_grams, q_grams) for t in point_texts[k]), default=0.0)
            )
            feats["point_anchor"].append(
                max((overlap.recall(overlap.trigrams(t), a_grams, q_grams) for t in anchors[k]), default=0.0)
            )
            han = [overlap.han_bigrams(t) for t in point_texts[k]]
            feats["point_han"].append(max((overlap.recall(h, a_han, q_han) for h in han if h), default=0.0))
            unit_text = units[b].text if b >= 0 and S[b, k] > -1 else ""
            feats["polarity"].append(polarity_mismatch(kp.statement.get(lang), unit_text) if unit_text else 0.0)
            feats["answer_sim"].append(ref_sim)
            feats["answer_sim_rel"].append(_relative(ref_sim, q_ref))
            feats["answer_words"].append(a_nov)
            feats["answer_grams"].append(a_gram)
            feats["answer_grams_precision"].append(a_prec)
            feats["answer_focus"].append(focus)
            feats["length_ratio"].append(math.log((content_len + 2) / (ref_len + 2)))
        features = {name: np.array(v, dtype=np.float64) for name, v in feats.items()}

        found: dict[str, str] = {}
        if p.instructions:
            found["instruction_like"] = p.instructions[0].text[:120]
        # An echo comes no closer to the reference than the question itself does; a terse correct answer in the
        # question's own words does.
        if n_units and echo.all() and _relative(ref_sim, q_ref) <= ECHO_MARGIN:
            found["question_echo"] = "the answer repeats the question"
        remaining = text_length(" ".join(u.text for u in kept if not F.dont_know_spans(u.text)))
        if F.dont_know(answer, remaining):
            found["dont_know"] = "the answer says the candidate does not know"
        # Only the bank's curated key points are known to be claims; a reference may itself be a list to recite.
        if any(kp.terms for kp in q.key_points) and F.is_keyword_list(content or answer) and _expects_claims(q, lang):
            found["keyword_list"] = "terms listed without saying anything about them"
        return Analysis(
            question=q,
            answer=answer,
            lang=lang,
            units=units,
            features=features,
            sims=S,
            echo=echo,
            content_len=content_len,
            shares_words=shared,
            found=found,
            rival=self._other_question(q, U[~echo] if n_units else U),
        )

    def decide(self, a: Analysis, calibration: Calibration | None = None) -> Grade:
        """The grade of an analysed answer under ``calibration`` (default: the grader's own)."""
        cal = calibration or self.calibration
        th = cal.thresholds
        q = a.question
        prob = cal.points.prob(a.features) if q.key_points else np.zeros(0)
        if len(prob):
            # An answer that makes a point in the reference's own words has made it, however the statement
            # summarising the point is worded (the fitted model only sees the statement).
            repeat = a.features["point_anchor"]
            prob = np.maximum(prob, np.where(repeat >= ANCHOR_REPEAT, repeat, 0.0))
        if not a.content_len:
            prob = np.zeros_like(prob)
        points: list[PointGrade] = []
        for k, kp in enumerate(q.key_points):
            covered = bool(prob[k] >= th.covered)
            evidence = None
            if covered and len(a.units) and a.sims[:, k].max() > -1:
                u = a.units[int(a.sims[:, k].argmax())]
                evidence = Evidence(start=u.start, end=u.end, text=a.answer[u.start : u.end])
            points.append(
                PointGrade(
                    id=kp.id,
                    statement=kp.statement.get(a.lang),
                    weight=kp.weight,
                    probability=round(float(prob[k]), 4),
                    covered=covered,
                    evidence=evidence,
                    features={name: round(float(v[k]), 4) for name, v in a.features.items()},
                )
            )
        cov = weighted_coverage(points)
        # An answer closer to another bank question keeps its ramp score: its points may all look "covered" by
        # that question's vocabulary (an Adam answer against BN's mean, variance and scale points).
        floor = a.rival is None
        unflagged = final_score(points, floor=floor)
        found = dict(a.found)
        # Flags that rest on the decision: each needs the answer to have made (almost) none of the points and to
        # score low already, so that none of them can take marks from an answer the evidence supports.
        nothing = not any(p.covered for p in points)
        if (
            nothing
            and unflagged < th.too_short_score
            and F.is_too_short(" ".join(u.text for u in a.units) or a.answer, _median_point_length(q, a.lang))
        ):
            found["too_short"] = f"{a.content_len} words/characters of content"
        rel = float(a.features["answer_sim_rel"][0]) if len(q.key_points) else 0.0
        if a.content_len and nothing and unflagged < th.too_short_score and rel <= 0 and not a.shares_words:
            found["off_topic"] = (
                "the answer shares no word with the question or its reference, comes no closer to the reference "
                "than the question itself, and makes none of its points"
            )
        if a.rival is not None and unflagged < th.other_question_score:
            found["other_question"] = f"the answer fits {a.rival[0]} better"
        return Grade(
            question_id=q.id,
            score=final_score(points, found, floor=floor),
            coverage=round(cov, 4),
            key_points=points,
            flags=[f for f in F.FLAG_NAMES if f in found],
            flag_details=found,
            grader=self.name,
            model_id=self.model_id + ("" if cal.exact else " (uncalibrated)"),
            timings_ms=dict(a.timings_ms),
        )

    def _other_question(self, question: Question, U: np.ndarray) -> tuple[str, float] | None:
        """The bank question this answer fits clearly better than the one asked, if any.

        A question's fit is the mean, over its key points, of the best similarity any sentence reaches; the
        margin is relative to the distance left to a perfect match, like the other relative similarities.
        """
        if self.corpus.bank.get(question.id) is not question or len(U) == 0 or len(self._bank_qids) < 2:
            return None
        row_best = (U @ self._kp_matrix.T).max(axis=0)
        kp_best = np.full(self._n_kps, -1.0)
        np.maximum.at(kp_best, self._row_kp, row_best)
        fit = np.bincount(self._kp_q, weights=kp_best, minlength=len(self._bank_qids)) / self._q_kp_count
        own = self._bank_qids.index(question.id)
        others = fit.copy()
        others[own] = -np.inf
        rival = int(others.argmax())
        margin = _relative(float(fit[rival]), float(fit[own]))
        if margin >= self.calibration.thresholds.other_question_margin:
            return self._bank_qids[rival], round(margin, 3)
        return None


def _relative(sim: float, floor: float) -> float:
    """How far ``sim`` goes from ``floor`` towards a perfect match (1.0): 0 at the floor, 1 at identity."""
    return (sim - floor) / max(1.0 - floor, 1e-3)


def _median_point_length(question: Question, lang: Language) -> float:
    lengths = sorted(text_length(kp.statement.get(lang)) for kp in question.key_points)
    return float(lengths[len(lengths) // 2]) if lengths else 0.0


def _expects_claims(question: Question, lang: Language) -> bool:
    """Whether the key points are statements (a list of terms is then no answer) rather than items to name."""
    if any(kp.focus for kp in question.key_points):
        return False
    lengths = sorted(text_length(kp.statement.get(lang)) for kp in question.key_points)
    return bool(lengths) and lengths[len(lengths) // 2] >= 8
