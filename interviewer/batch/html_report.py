"""A self-contained HTML report of an evaluation run, with matplotlib plots inlined as PNG."""

from __future__ import annotations

import base64
import html
import io
import json
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _scatter(scored: list[dict[str, Any]]) -> str:
    human = np.array([r["human_score"] / r["score_max"] for r in scored])
    pred = np.array([r["grade"]["score"] / 100 for r in scored])
    fig, ax = plt.subplots(figsize=(5, 4.5))
    jitter = np.random.default_rng(0).normal(0, 0.008, len(human))
    ax.scatter(human + jitter, pred, s=12, alpha=0.5)
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set_xlabel("human score (fraction of max)")
    ax.set_ylabel("predicted score / 100")
    ax.set_title("Predicted vs human")
    return _png(fig)


def _calibration(results: list[dict[str, Any]]) -> str:
    """Key-point probability against how often humans marked the point covered; else score bins vs human mean."""
    pairs = [
        (p["probability"], r["labels"][p["id"]])
        for r in results
        if r.get("labels")
        for p in r["grade"]["key_points"]
        if p["id"] in r["labels"]
    ]
    fig, ax = plt.subplots(figsize=(5, 4.5))
    if pairs:
        x = np.array([a for a, _ in pairs])
        y = np.array([b for _, b in pairs])
        title, xlabel, ylabel = "Key-point calibration", "predicted probability", "fraction labelled covered"
    else:
        scored = [r for r in results if "human_score" in r]
        x = np.array([r["grade"]["score"] / 100 for r in scored])
        y = np.array([r["human_score"] / r["score_max"] for r in scored])
        title, xlabel, ylabel = "Score calibration", "predicted score / 100", "mean human score (fraction)"
    bins = np.linspace(0, 1, 11)
    idx = np.clip(np.digitize(x, bins) - 1, 0, 9)
    centres, means, counts = [], [], []
    for b in range(10):
        mask = idx == b
        if mask.any():
            centres.append(float(x[mask].mean()))
            means.append(float(y[mask].mean()))
            counts.append(int(mask.sum()))
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.plot(centres, means, "o-")
    for c, m_, n in zip(centres, means, counts, strict=True):
        ax.annotate(str(n), (c, m_), textcoords="offset points", xytext=(0, 6), fontsize=7, ha="center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return _png(fig)


def _per_question(metrics: dict[str, Any]) -> str | None:
    per_q = {k: v for k, v in (metrics.get("per_question_pearson") or {}).items() if v is not None}
    if not per_q:
        return None
    items = sorted(per_q.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, max(2.5, 0.18 * len(items))))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlabel("Pearson r within the question")
    ax.set_title("Per-question agreement")
    ax.tick_params(axis="y", labelsize=6)
    return _png(fig)


def _highlight(answer: str, spans: list[tuple[int, int]]) -> str:
    """The answer, escaped, with evidence spans marked."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(html.escape(answer[pos:a]))
        out.append("<mark>" + html.escape(answer[a:b]) + "</mark>")
        pos = b
    out.append(html.escape(answer[pos:]))
    return "".join(out)


def render_report(
    title: str, metrics: dict[str, Any], results: list[dict[str, Any]], answers: dict[str, str]
) -> str:
    scored = [r for r in results if "human_score" in r]
    figs = []
    if scored:
        figs.append(_scatter(scored))
    if results:
        figs.append(_calibration(results))
    pq = _per_question(metrics)
    if pq:
        figs.append(pq)
    worst = sorted(scored, key=lambda r: -abs(r["grade"]["score"] / 100 - r["human_score"] / r["score_max"]))[:15]
    rows = []
    for r in worst:
        g = r["grade"]
        spans = [(p["evidence"]["start"], p["evidence"]["end"]) for p in g["key_points"] if p.get("evidence")]
        points = "".join(
            f"<li>{'✔' if p['covered'] else '✘'} {html.escape(p['statement'])} "
            f"<small>p={p['probability']:.2f}</small></li>"
            for p in g["key_points"]
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(str(r['id']))}<br><small>{html.escape(g['question_id'])}</small></td>"
            f"<td>{r['human_score']:g}/{r['score_max']:g}</td><td>{g['score']:.0f}/100</td>"
            f"<td class=ans>{_highlight(answers.get(str(r['id']), ''), spans)}</td>"
            f"<td><ul>{points}</ul>{html.escape(', '.join(g['flags']))}</td>"
            "</tr>"
        )
    shown = {k: v for k, v in metrics.items() if k != "per_question_pearson"}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;max-width:1200px}}
img{{max-width:100%;margin:0 1rem 1rem 0;vertical-align:top}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top;font-size:.9rem}} td.ans{{max-width:420px}}
mark{{background:#c8f7c5}} pre{{background:#f6f6f6;padding:1rem;overflow:auto}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<h2>Metrics</h2><pre>{html.escape(json.dumps(shown, indent=2, ensure_ascii=False))}</pre>
<h2>Plots</h2>{''.join(f'<img alt="plot" src="{f}">' for f in figs)}
<h2>Worst disagreements</h2>
<table><tr><th>row</th><th>human</th><th>predicted</th><th>answer (evidence highlighted)</th><th>key points</th></tr>
{''.join(rows)}</table>
</body></html>
"""
