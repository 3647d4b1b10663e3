"""Refit a model's calibration from graded, human-labelled answers (`interviewer calibrate`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from interviewer.batch.rows import RowResult
from interviewer.grading.calibration import Calibration, TrainingSet, fit_points


class CalibrationError(ValueError):
    """Not enough labelled data to fit; the message says what is missing."""


def fit_calibration(
    results: Sequence[RowResult], base: Calibration, min_examples: int = 20, sources: Sequence[str] | None = None
) -> Calibration:
    """New parameters from key-point labels (preferred) or holistic scores.

    Each result must come from grading with any calibration: the features do not depend on it. ``sources``
    names the data set of each result; every data set counts as much as every other.
    """
    sources = list(sources) if sources is not None else ["all"] * len(results)
    # The features of the model being refitted: a hybrid grade's points also carry the LLM's judgement.
    needed = base.points.features
    answers = []
    labelled = scored = 0
    for r, source in zip(results, sources, strict=True):
        points = r.grade.key_points
        if not points or any(set(needed) - set(p.features) for p in points):
            continue
        feats = {f: np.array([p.features[f] for p in points]) for f in needed}
        labels = None
        if r.row.labels:
            labels = [float(r.row.labels[p.id]) if p.id in r.row.labels else math.nan for p in points]
            labelled += sum(1 for x in labels if not math.isnan(x))
        elif r.row.fraction is not None:
            scored += 1
        else:
            continue
        answers.append((feats, [p.weight for p in points], labels, r.row.fraction, source))
    counts = {"key_point_labels": labelled, "scored_answers": scored}
    if labelled + scored < min_examples:
        raise CalibrationError(
            f"need at least {min_examples} labelled key points or scored answers (got {counts}); "
            "add `labels` or `score` to the rows"
        )
    model = fit_points(TrainingSet.build(answers), features=needed)
    return replace(
        base,
        points=model,
        fitted_on={**counts, "sources": dict(Counter(a[-1] for a in answers))},
        exact=True,
    )
