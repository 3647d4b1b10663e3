"""The embedding grader: per key point, a calibrated probability that the answer makes it, with evidence.

For one answer: cut it into units (sentences, clauses, two-sentence windows), encode them in one batch,
compare every unit with every key point statement (both languages, so an English answer to a Chinese
question is matched in its own language), and combine the best similarity with word-level evidence
(required terms, token recall, negation/antonym flips) through the model's calibration. The score is
the weighted mean probability, lowered by the flags in :data:`interviewer.flags.PENALTY_RULES`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import flags as F
from .calibration import ALL_FEATURES, Calibration, load_calibration
from .corpus import Corpus
from .grade import Evidence, Grade, PointGrade
from .lexical import polarity_mismatch, term_coverage, token_recall
from .models import Language, Question
from .text import detect_language, text_length
from .units import Unit, answer_units

MAX_ANSWER_CHARS = 20000


@dataclass
class _Prepared:
    question: Question
    answer: str
    units: list[Unit]
    instructions: list
    lang: Language


class Grader:
    name = "embedding"

    def __init__(self, corpus: Corpus, calibration: Calibration | None = None, data_dir: Path | None = None) -> None:
        self.corpus = corpus
        self.embedder = corpus.embedder
        self.encoder = corpus.encoder or corpus.embedder
        self.model_id = corpus.embedder.model_id
        self.calibration = calibration or load_calibration(self.model_id, data_dir)
        index = corpus.index
        kp_vecs = index.vectors("key_points")
        self._kp_rows = index.rows["key_points"]
        self._kp_matrix = kp_vecs
        self._kp_index: dict[str, list[int]] = {}
        for i, row in enumerate(self._kp_rows):
            self._kp_index.setdefault(row.ref, []).append(i)
        self._q_index: dict[str, list[int]] = {}
        for i, row in enumerate(index.rows["questions"]):
            self._q_index.setdefault(row.question_id, []).append(i)
        self._q_matrix = index.vectors("questions")
        self.mu, self.sd = self._background(kp_vecs, [r.question_id for r in self._kp_rows])
        # Bank key points grouped per question, for the "answer to another question" check.
        self._bank_qids = sorted({r.question_id for r in self._kp_rows})
        kp_ids = list(dict.fromkeys(r.ref for r in self._kp_rows))
        kp_pos = {k: i for i, k in enumerate(kp_ids)}
        q_pos = {q: i for i, q in enumerate(self._bank_qids)}
        self._n_kps = len(kp_ids)
        self._row_kp = np.array([kp_pos[r.ref] for r in self._kp_rows], dtype=np.int64)
        kp_question = {r.ref: r.question_id for r in self._kp_rows}
        self._kp_q = np.array([q_pos[kp_question[k]] for k in kp_ids], dtype=np.int64)
        self._q_kp_count = np.maximum(np.bincount(self._kp_q, minlength=len(self._bank_qids)), 1)
        self._derived_vecs: dict[str, np.ndarray] = {}
        self._bank_statements = {kp.id: (kp.statement.zh, kp.statement.en) for q in corpus.bank for kp in q.key_points}

    @staticmethod
    def _background(vecs: np.ndarray, qids: list[str]) -> tuple[float, float]:
        """Mean and spread of the similarity between key points of different questions: the model's noise floor."""
        if len(vecs) < 4:
            return 0.8, 0.05
        rng = np.random.default_rng(0)
        idx = rng.choice(len(vecs), size=min(len(vecs), 600), replace=False)
        sims = vecs[idx] @ vecs[idx].T
        q = np.array(qids)[idx]
        mask = q[:, None] != q[None, :]
        vals = sims[mask]
        return float(vals.mean()), float(max(vals.std(), 1e-3))

    # -- vectors of the things an answer is compared with -----------------------------------------------
    def _point_vectors(self, question: Question) -> list[np.ndarray]:
        """Per key point, its statement vectors (one per language), from the index or encoded once and kept."""
        out: list[np.ndarray] = []
        missing: list[tuple[str, str]] = []
        for kp in question.key_points:
            rows = self._kp_index.get(kp.id)
            if rows and self._bank_statements.get(kp.id) == (kp.statement.zh, kp.statement.en):
                out.append(self._kp_matrix[rows])
                continue
            key = f"{question.id}\0{kp.id}\0{kp.statement.zh}\0{kp.statement.en}"
            if key not in self._derived_vecs:
                missing.append((key, kp.statement.zh))
                missing.append((key, kp.statement.en))
            out.append(None)  # type: ignore[arg-type]
        todo = [(k, t) for k, t in missing if t]
        if todo:
            vecs = self.encoder.encode([t for _, t in todo], "query")
            grouped: dict[str, list[np.ndarray]] = {}
            for (k, _), v in zip(todo, vecs):
                grouped.setdefault(k, []).append(v)
            for k, vs in grouped.items():
                self._derived_vecs[k] = np.stack(vs)
        for i, kp in enumerate(question.key_points):
            if out[i] is None:
                out[i] = self._derived_vecs[f"{question.id}\0{kp.id}\0{kp.statement.zh}\0{kp.statement.en}"]
        return out

    def _question_vectors(self, question: Question) -> np.ndarray:
        rows = self._q_index.get(question.id)
        bank_q = self.corpus.bank.get(question.id)
        if rows and bank_q is not None and bank_q.question == question.question:
            return self._q_matrix[rows]
        texts = question.question.all()
        return self.encoder.encode(texts, "query") if texts else np.zeros((0, self._q_matrix.shape[1]), np.float32)

    # -- grading --------------------------------------------------------------------------------------
    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        return self.grade_many([(question, answer)], [match_confidence])[0]

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]:
        """Grade many answers, encoding all their units in one batch."""
        t0 = time.perf_counter()
        prepared = [self._prepare(q, a) for q, a in items]
        texts = [u.text for p in prepared for u in p.units]
        t1 = time.perf_counter()
        vecs = self.embedder.encode(texts, "query") if texts else np.zeros((0, 1), np.float32)
        t2 = time.perf_counter()
        encode_share = (t2 - t1) * 1000 / max(1, len(items))
        grades: list[Grade] = []
        offset = 0
        for i, p in enumerate(prepared):
            ts = time.perf_counter()
            U = vecs[offset : offset + len(p.units)]
            offset += len(p.units)
            g = self._grade_one(p, U)
            g.match_confidence = match_confidences[i] if match_confidences else None
            g.timings_ms = {
                "prepare": round((t1 - t0) * 1000 / max(1, len(items)), 2),
                "encode": round(encode_share, 2),
                "score": round((time.perf_counter() - ts) * 1000, 2),
            }
            grades.append(g)
        return grades

    def _prepare(self, question: Question, answer: str) -> _Prepared:
        answer = answer[:MAX_ANSWER_CHARS]
        instructions = F.instruction_spans(answer)
        units = [u for u in answer_units(answer) if not any(_overlaps(u, s) for s in instructions)]
        return _Prepared(question, answer, units, instructions, detect_language(answer))

    def _grade_one(self, p: _Prepared, U: np.ndarray) -> Grade:
        q, cal, th = p.question, self.calibration, self.calibration.thresholds
        point_vecs = self._point_vectors(q)
        n_units = len(p.units)
        S = np.full((n_units, len(q.key_points)), -1.0, dtype=np.float32)
        for k, pv in enumerate(point_vecs):
            if n_units and len(pv):
                S[:, k] = (U @ pv.T).max(axis=1)
        # Sentences that only repeat the question are no evidence for anything.
        echo = np.zeros(n_units, dtype=bool)
        qv = self._question_vectors(q)
        q_sim = (U @ qv.T).max(axis=1) if n_units and len(qv) else np.zeros(n_units)
        if n_units and len(qv):
            E = q_sim
            best_point = S.max(axis=1) if S.shape[1] else np.full(n_units, -1.0)
            echo = ((E - self.mu) / self.sd >= th.echo_z) & (E >= best_point)
            S[echo] = -1.0
        kept = [u for u, e in zip(p.units, echo) if not e]
        content = " ".join(u.text for u in kept if u.kind == "sentence")
        content_len = text_length(content)

        question_text = " ".join(q.question.all())
        feats: dict[str, list[float]] = {name: [] for name in ALL_FEATURES}
        best_units: list[int] = []
        for k, kp in enumerate(q.key_points):
            b = int(S[:, k].argmax()) if n_units else -1
            sim = float(S[b, k]) if b >= 0 else -1.0
            best_units.append(b)
            statement = kp.statement.get(p.lang)
            feats["sim_z"].append((sim - self.mu) / self.sd if b >= 0 and sim > -1 else -5.0)
            feats["sim_q"].append((float(q_sim[b]) - self.mu) / self.sd if b >= 0 and sim > -1 else -5.0)
            feats["recall"].append(max((token_recall(t, content) for t in kp.statement.all()), default=0.0))
            # What the key point says beyond the question: restating the question earns nothing.
            feats["recall_new"].append(
                max((token_recall(t, content, exclude=question_text) for t in kp.statement.all()), default=0.0)
            )
            if kp.terms:
                feats["terms"].append(term_coverage(kp.terms, content) if content else 0.0)
            else:
                feats["terms"].append(token_recall(kp.focus, content) if kp.focus else feats["recall_new"][-1])
            unit_text = p.units[b].text if b >= 0 else ""
            feats["polarity"].append(polarity_mismatch(statement, unit_text) if unit_text else 0.0)
        arrays = {name: np.array(v, dtype=np.float64) for name, v in feats.items()}
        curated = np.array([bool(kp.terms) for kp in q.key_points])
        prob = np.where(curated, cal.curated.prob(arrays), cal.derived.prob(arrays)) if len(q.key_points) else np.zeros(0)
        if not content_len:
            prob = np.zeros_like(prob)

        points: list[PointGrade] = []
        for k, kp in enumerate(q.key_points):
            covered = bool(prob[k] >= th.covered)
            evidence = None
            if covered and best_units[k] >= 0:
                u = self._evidence_unit(p.units, S[:, k])
                evidence = Evidence(start=u.start, end=u.end, text=p.answer[u.start : u.end])
            points.append(
                PointGrade(
                    id=kp.id,
                    statement=kp.statement.get(p.lang),
                    weight=kp.weight,
                    probability=round(float(prob[k]), 4),
                    covered=covered,
                    evidence=evidence,
                    features={name: round(float(arrays[name][k]), 4) for name in arrays},
                )
            )
        weights = np.array([kp.weight for kp in q.key_points], dtype=np.float64)
        coverage = float((weights * prob).sum() / weights.sum()) if weights.sum() > 0 else 0.0
        found: dict[str, str] = {}

        # Flags, each with its documented effect (flags.PENALTY_RULES).
        if p.instructions:
            found["instruction_like"] = p.instructions[0].text[:120]
        if n_units and echo.any() and content_len < 4:
            found["question_echo"] = "the answer repeats the question"
        remaining = text_length(" ".join(u.text for u in kept if u.kind == "sentence" and not F.dont_know_spans(u.text)))
        if F.dont_know(p.answer, remaining):
            found["dont_know"] = "the answer says the candidate does not know"
        if F.is_too_short(content or p.answer, _median_point_length(q, p.lang)):
            found["too_short"] = f"{text_length(content)} words/characters of content"
        if F.is_keyword_list(content or p.answer) and _expects_claims(q, p.lang):
            found["keyword_list"] = "terms listed without saying anything about them"
        sentences = [i for i, u in enumerate(p.units) if u.kind == "sentence"]
        if len(sentences) >= 3 and S.shape[1]:
            best = (S[sentences].max(axis=1) - self.mu) / self.sd
            lengths = np.array([len(p.units[i].text) for i in sentences], dtype=np.float64)
            filler = float(lengths[best < th.filler_z].sum() / lengths.sum())
            if filler >= th.padding_share:
                found["padding"] = f"{filler:.0%} of the answer is about none of the key points"
        best_z = max(feats["sim_z"], default=-5.0)
        if content_len and best_z < th.off_topic_z and coverage < th.off_topic_coverage:
            found["off_topic"] = f"nothing in the answer is close to a key point (best z {best_z:.1f})"
        other = self._other_question(q, U[~echo] if n_units else U)
        if other is not None and coverage < 0.5:
            found["other_question"] = f"the answer fits {other} better"

        return Grade(
            question_id=q.id,
            score=F.penalize(100.0 * coverage, found),
            coverage=round(coverage, 4),
            key_points=points,
            flags=[f for f in F.FLAG_NAMES if f in found],
            flag_details=found,
            grader=self.name,
            model_id=self.model_id + ("" if self.calibration.exact else " (uncalibrated)"),
        )

    @staticmethod
    def _evidence_unit(units: list[Unit], sims: np.ndarray) -> Unit:
        """The tightest unit nearly as similar as the best one: a clause rather than a two-sentence window."""
        best = float(sims.max())
        close = [u for u, s in zip(units, sims) if s >= best - 0.015]
        return min(close, key=lambda u: u.end - u.start)

    def _other_question(self, question: Question, U: np.ndarray) -> str | None:
        """The bank question this answer fits clearly better than the one asked, if any.

        A question's fit is the mean, over its key points, of the best similarity any unit reaches.
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
        margin = (fit[rival] - fit[own]) / self.sd
        return self._bank_qids[rival] if margin >= self.calibration.thresholds.other_question_margin else None


def _median_point_length(question: Question, lang: Language) -> float:
    lengths = sorted(text_length(kp.statement.get(lang)) for kp in question.key_points)
    return float(lengths[len(lengths) // 2]) if lengths else 0.0


def _expects_claims(question: Question, lang: Language) -> bool:
    """Whether the key points are statements (a list of terms is then no answer) rather than items to name."""
    if any(kp.focus for kp in question.key_points):
        return False
    lengths = sorted(text_length(kp.statement.get(lang)) for kp in question.key_points)
    return bool(lengths) and lengths[len(lengths) // 2] >= 8


def _overlaps(a: Unit, b) -> bool:  # noqa: ANN001 - any span
    return a.start < b.end and b.start < a.end

