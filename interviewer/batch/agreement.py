"""Agreement metrics between grades and human scores: for `interviewer eval`, the batch endpoint and benchmarks."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any, SupportsFloat

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score, roc_auc_score

# scipy's pearsonr/spearmanr: a result whose first item is the coefficient.
Correlation = Callable[[np.ndarray, np.ndarray], Sequence[float]]


def _safe(fn: Callable[..., SupportsFloat], *args: Any) -> float | None:
    try:
        v = float(fn(*args))
    except (ValueError, TypeError):
        return None
    return None if math.isnan(v) else round(v, 4)


def correlation(a: np.ndarray, b: np.ndarray, fn: Correlation) -> float | None:
    """``fn``'s coefficient rounded to 4 places, or None where it is undefined (under 3 values, no spread)."""
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return _safe(lambda: fn(a, b)[0])


def compute_metrics(results: list[dict[str, Any]], wall_seconds: float, problems: int = 0) -> dict[str, Any]:
    """Metrics over `results.jsonl` lines.

    Each line is a dict with ``grade`` and optional ``human_score``/``score_max``/``labels``.
    """
    m: dict[str, Any] = {"n": len(results), "skipped_rows": problems}
    scored = [r for r in results if "human_score" in r]
    m["n_with_human_score"] = len(scored)
    if scored:
        human = np.array([r["human_score"] / r["score_max"] for r in scored])
        pred = np.array([r["grade"]["score"] / 100 for r in scored])
        maxes = {r["score_max"] for r in scored}
        scale = maxes.pop() if len(maxes) == 1 else 1.0
        m["score_max"] = scale
        m["pearson"] = correlation(pred, human, pearsonr)
        m["spearman"] = correlation(pred, human, spearmanr)
        m["rmse"] = round(float(np.sqrt(np.mean((pred * scale - human * scale) ** 2))), 4)
        raw = np.array([r["human_score"] for r in scored])
        if np.allclose(raw, np.round(raw)) and scale > 1:
            m["qwk"] = _safe(
                lambda a, b: cohen_kappa_score(a, b, weights="quadratic"),
                np.round(raw).astype(int),
                np.round(pred * scale).astype(int),
            )
        if set(np.unique(human)) <= {0.0, 1.0} and len(set(human)) == 2:
            m["auc"] = _safe(roc_auc_score, human, pred)
        per_q: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for r, h, p in zip(scored, human, pred, strict=True):
            per_q[r["grade"]["question_id"]].append((p, h))
        m["per_question_pearson"] = {
            q: correlation(np.array([a for a, _ in v]), np.array([b for _, b in v]), pearsonr)
            for q, v in sorted(per_q.items())
        }
        valid = [v for v in m["per_question_pearson"].values() if v is not None]
        m["per_question_pearson_mean"] = round(float(np.mean(valid)), 4) if valid else None
    labelled = [
        (r["labels"][p["id"]], p["probability"], p["covered"])
        for r in results
        if r.get("labels")
        for p in r["grade"]["key_points"]
        if p["id"] in r["labels"]
    ]
    if labelled:
        y = np.array([a for a, _, _ in labelled])
        m["key_points"] = {
            "n": len(labelled),
            "f1": _safe(f1_score, y, np.array([c for _, _, c in labelled])),
            "auc": _safe(roc_auc_score, y, np.array([p for _, p, _ in labelled])) if len(set(y)) == 2 else None,
            "accuracy": round(float(np.mean(y == np.array([c for _, _, c in labelled]))), 4),
        }
    m["flags"] = dict(Counter(f for r in results for f in r["grade"]["flags"]))
    categories: dict[str, list[float]] = defaultdict(list)
    for r in results:
        cat = (r.get("meta") or {}).get("category")
        if cat:
            categories[cat].append(r["grade"]["score"])
    if categories:
        m["score_by_category"] = {
            c: {"n": len(v), "mean": round(float(np.mean(v)), 1), "max": max(v)} for c, v in sorted(categories.items())
        }
        adv = [s for c, v in categories.items() if c.startswith("adv_") for s in v]
        if adv:
            m["adversarial"] = {"n": len(adv), "max": max(adv), "over_20": sum(1 for s in adv if s > 20)}
    lat = [sum(r["grade"]["timings_ms"].values()) for r in results]
    if lat:
        m["latency_ms"] = {
            "p50": round(float(np.percentile(lat, 50)), 1),
            "p95": round(float(np.percentile(lat, 95)), 1),
        }
    m["seconds"] = round(wall_seconds, 2)
    m["answers_per_second"] = round(len(results) / wall_seconds, 2) if wall_seconds > 0 else None
    return m
