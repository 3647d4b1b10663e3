"""Refit a model's calibration from graded, human-labelled answers (`interviewer calibrate`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from .batch import RowResult
from .calibration import CURATED_FEATURES, DERIVED_FEATURES, Calibration, Logistic, fit_logistic


class CalibrationError(ValueError):
    """Not enough labelled data to fit; the message says what is missing."""


def fit_calibration(
    results: Sequence[RowResult], base: Calibration, min_examples: int = 20, sources: Sequence[str] | None = None
) -> Calibration:
    """New logistic parameters from key-point labels (preferred) or holistic scores, per key-point kind.

    Each result must come from grading with any calibration: the features do not depend on it.
    A kind without enough data keeps ``base``'s parameters. ``sources`` names the data set of each result:
    scored answers are weighted so that every data set counts as much as the largest one.
    """
    sources = list(sources) if sources is not None else ["all"] * len(results)
    fitted: dict[str, Logistic] = {}
    counts: dict[str, dict[str, int]] = {}
    for kind, names in (("curated", CURATED_FEATURES), ("derived", DERIVED_FEATURES)):
        point_feats: list[dict[str, float]] = []
        point_labels: list[int] = []
        groups: list[tuple[list[dict[str, float]], list[float], float]] = []
        group_sources: list[str] = []
        for r, source in zip(results, sources):
            q = r.resolved.question
            kinds = {kp.id: ("curated" if kp.terms else "derived") for kp in q.key_points}
            points = [p for p in r.grade.key_points if kinds.get(p.id) == kind]
            if not points:
                continue
            if r.row.labels:
                for p in points:
                    if p.id in r.row.labels:
                        point_feats.append(p.features)
                        point_labels.append(r.row.labels[p.id])
            elif r.row.fraction is not None and len(points) == len(q.key_points):
                groups.append(([p.features for p in points], [p.weight for p in points], r.row.fraction))
                group_sources.append(source)
        counts[kind] = {"key_point_labels": len(point_labels), "scored_answers": len(groups)}
        if len(point_labels) + len(groups) >= min_examples:
            sizes = Counter(group_sources)
            largest = max(sizes.values(), default=1)
            fitted[kind] = fit_logistic(
                names, point_feats, point_labels, groups, group_weights=[largest / sizes[s] for s in group_sources]
            )
    if not fitted:
        raise CalibrationError(
            f"need at least {min_examples} labelled key points or scored answers (got {counts}); "
            "add `labels` or `score` to the rows"
        )
    return replace(
        base,
        curated=fitted.get("curated", base.curated),
        derived=fitted.get("derived", base.derived),
        fitted_on={**counts, "refit": sorted(fitted)},
        exact=True,
    )
