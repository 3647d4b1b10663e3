"""Cross-dataset quality: `interviewer bench quality` or `python -m eval.quality`.

Grades the test splits of every development set (the bank's seed_dev, LE in Chinese, SciEntsBank and Beetle in
English, SAF in English and German) and prints, per split, how the grades agree with the human ones beside two
naive baselines computed in the same run: a bare cosine between answer and reference with the same encoder,
and word overlap (F1) between them.

Leave-one-dataset-out: every learned part behind a set's figures (the calibration) is fitted on the training
splits of the *other* data sets only, so each figure says how the grader does on answers, questions and
language it never saw. See eval/QUALITY.md for the method and the latest table.

    python -m eval.quality [--data out/datasets] [--sample N] [--grader embedding|llm|hybrid] [--json FILE]
                           [--write-calibration FILE] [--llm-url URL --llm-model NAME]

``--grader hybrid`` asks the LLM (the local llama.cpp server unless ``--llm-url``) for P(yes) on every key point
of every sampled row, training splits included, keeping its judgements in the data dir between runs. Each fold
then fits two point models on the other data sets: the embedding one and the hybrid one (the embedding evidence
and P(yes)); both grade the held-out rows, so every hybrid row stands beside the embedding grader's figure on
the same answers.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from interviewer import Corpus, get_settings
from interviewer.batch.agreement import correlation
from interviewer.batch.answerset import AnswerRow, read_answer_set
from interviewer.batch.rows import best_grade
from interviewer.grading.calibration import FEATURES, HYBRID_FEATURES, Calibration, TrainingSet, fit_points
from interviewer.grading.hybrid import PendingGrade, decide_hybrid
from interviewer.grading.registry import GraderConfigError, make_grader
from interviewer.grading.result import Grade
from interviewer.grading.similarity import Analysis, Grader
from interviewer.interview.machine import followup_target
from interviewer.knowledge.resolve import QuestionResolver, ResolvedQuestion, UnknownQuestion
from interviewer.language import overlap
from interviewer.llm.judge import PointProbability

from .datasets.convert import DEFAULT_OUT, DEFAULT_SHARED, convert
from .llm_server import LLMServerError


@dataclass(frozen=True)
class DataSet:
    name: str
    train: tuple[str, ...]
    test: tuple[str, ...]
    kind: str  # what the human grade is: "points", "binary" or "fraction"


def _semeval(name: str) -> DataSet:
    return DataSet(name, (f"{name}_train",), (f"{name}_test_unseen_answers", f"{name}_test_unseen_questions"), "binary")


def _saf(lang: str) -> DataSet:
    n = f"saf_{lang}"
    return DataSet(n, (f"{n}_train",), (f"{n}_test_unseen_answers", f"{n}_test_unseen_questions"), "points")


SETS: tuple[DataSet, ...] = (
    DataSet("seed_dev", ("seed_dev_train",), ("seed_dev_test",), "points"),
    DataSet("le", ("le_train",), ("le_test",), "fraction"),
    _semeval("scientsbank"),
    _semeval("beetle"),
    _saf("en"),
    _saf("de"),
)


@dataclass
class Item:
    """One graded row: its analyses (one per model answer) and the baselines' scores."""

    row: AnswerRow
    resolved: ResolvedQuestion
    analyses: list[Analysis]
    cosine: float
    word_overlap: float
    judged: dict[str, PointProbability] | None = None  # the LLM's P(yes) per key point of train_analysis

    @property
    def human(self) -> float:
        return float(self.row.fraction or 0.0)

    @property
    def train_analysis(self) -> Analysis:
        """The analysis against the closest model answer: what a fit learns from."""
        return max(
            self.analyses, key=lambda a: float(a.features["answer_sim"][0]) if len(a.features["answer_sim"]) else 0.0
        )


@dataclass
class SplitResult:
    name: str
    dataset: str
    grades: list[Grade]
    items: list[Item]
    extra: dict[str, Any] = field(default_factory=dict)


# -- data ------------------------------------------------------------------------------------------------
class DataError(ValueError):
    """No answer sets to grade; the message says where it looked."""


def ensure_data(folder: Path, shared: Path = DEFAULT_SHARED) -> Path:
    """The converted answer sets: ``folder`` as it is when it holds any, else written from ``shared``."""
    if folder.is_dir() and any(folder.glob("*.jsonl")):
        return folder
    if not (shared / "le").is_dir():
        raise DataError(f"{folder} holds no answer sets and {shared} has no datasets; pass --data or --shared")
    convert(shared, folder)
    return folder


def read_split(folder: Path, split: str, sample: int | None, seed: int = 0) -> list[AnswerRow]:
    path = folder / f"{split}.jsonl"
    if not path.is_file():
        return []
    rows = [r for r in read_answer_set(path) if isinstance(r, AnswerRow)]
    if sample is not None and len(rows) > sample:
        rows = random.Random(f"{seed}:{split}").sample(rows, sample)
    return rows


# -- analysis ----------------------------------------------------------------------------------------------
def analyze_rows(grader: Grader, resolver: QuestionResolver, rows: Sequence[AnswerRow], batch: int = 64) -> list[Item]:
    encoder = grader.encoder
    items: list[Item] = []
    for start in range(0, len(rows), batch):
        part: list[tuple[AnswerRow, ResolvedQuestion]] = []
        for row in rows[start : start + batch]:
            try:
                part.append((row, resolver.resolve(row.question_id, row.question, row.reference, row.alternatives)))
            except UnknownQuestion:
                continue
        pairs = [(q, row.answer) for row, r in part for q in r.candidates]
        analyses = iter(grader.analyze_many(pairs))
        answer_vecs = encoder.encode([row.answer[:600] for row, _ in part], "query")
        for (row, r), av in zip(part, answer_vecs, strict=True):
            refs = [t for q in r.candidates for t in q.reference.all()] or [
                " ".join(kp.statement.get("en") for kp in r.question.key_points)
            ]
            ref_vecs = encoder.encode(refs, "query")
            a_words = overlap.words(row.answer)
            items.append(
                Item(
                    row=row,
                    resolved=r,
                    analyses=[next(analyses) for _ in r.candidates],
                    cosine=float((ref_vecs @ av).max()),
                    word_overlap=max(_f1(overlap.words(t), a_words) for t in refs),
                )
            )
    return items


def _f1(ref: frozenset[str], ans: frozenset[str]) -> float:
    common = len(ref & ans)
    return 2 * common / (len(ref) + len(ans)) if common else 0.0


def training_set(items: Sequence[tuple[Item, str]]) -> TrainingSet:
    answers = []
    for item, source in items:
        a = item.train_analysis
        q = a.question
        labels = None
        if item.row.labels:
            labels = [float(item.row.labels[kp.id]) if kp.id in item.row.labels else math.nan for kp in q.key_points]
        if not q.key_points:
            continue
        feats = a.features if item.judged is None else {**a.features, "llm_yes": llm_feature(item)}
        answers.append((feats, [kp.weight for kp in q.key_points], labels, item.row.fraction, source))
    return TrainingSet.build(answers)


def llm_feature(item: Item) -> np.ndarray:
    """P(yes) per key point of the item's closest model answer; 0.5 (no opinion) where the LLM gave none."""
    judged = item.judged or {}
    values = [judged.get(kp.id) for kp in item.train_analysis.question.key_points]
    return np.array([v.probability if v is not None and v.probability is not None else 0.5 for v in values])


def fit_calibration(
    base: Calibration, items: Sequence[tuple[Item, str]], features: tuple[str, ...] | None = None
) -> Calibration:
    data = training_set(items)
    points = fit_points(data, features=features)
    counts: dict[str, int] = defaultdict(int)
    for s in data.source:
        counts[s] += 1
    return Calibration(
        model_id=base.model_id,
        points=points,
        thresholds=base.thresholds,
        fitted_on={"answers": dict(counts)},
        exact=True,
    )


def decide(grader: Grader, item: Item, calibration: Calibration) -> Grade:
    return best_grade([grader.decide(a, calibration) for a in item.analyses], item.resolved)


def decide_with_llm(grader: Grader, item: Item, calibration: Calibration, hybrid: Calibration) -> Grade:
    """The hybrid grade of an item, against its closest model answer (the one the LLM judged)."""
    a = item.train_analysis
    pending = PendingGrade(a, grader.decide(a, calibration))
    grade = decide_hybrid(grader, pending, item.judged or {}, hybrid)
    return grade.model_copy(update={"question_id": item.resolved.question.id})


# -- metrics -------------------------------------------------------------------------------------------------
def agreement(pred: np.ndarray, human: np.ndarray, qids: Sequence[str]) -> dict[str, float | None]:
    """Pearson, Spearman, mean per-question Pearson and AUC (full marks vs the rest) of any score."""
    out: dict[str, float | None] = {
        "pearson": correlation(pred, human, pearsonr),
        "spearman": correlation(pred, human, spearmanr),
    }
    per_q: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(qids):
        per_q[q].append(i)
    rs = [correlation(pred[ix], human[ix], pearsonr) for ix in per_q.values() if len(ix) >= 3]
    valid = [r for r in rs if r is not None]
    out["per_question_pearson"] = round(float(np.mean(valid)), 4) if valid else None
    full = (human >= 0.999).astype(int)
    out["auc"] = round(float(roc_auc_score(full, pred)), 4) if 0 < full.sum() < len(full) else None
    return out


def split_metrics(res: SplitResult) -> dict[str, Any]:
    human = np.array([i.human for i in res.items])
    score = np.array([g.score / 100 for g in res.grades])
    qids = [i.resolved.question.id for i in res.items]
    m: dict[str, Any] = {"dataset": res.dataset, "n": len(res.items), **agreement(score, human, qids)}
    bins = 4
    m["qwk"] = (
        round(float(cohen_kappa_score(np.round(human * bins), np.round(score * bins), weights="quadratic")), 4)
        if len(set(np.round(human * bins))) > 1
        else None
    )
    full = human >= 0.999
    m["full_mark_n"] = int(full.sum())
    m["full_mark_flagged"] = (
        round(float(np.mean([bool(g.flags) for g, f in zip(res.grades, full, strict=True) if f])), 4)
        if full.any()
        else None
    )
    m["full_mark_mean_score"] = round(float(score[full].mean() * 100), 1) if full.any() else None
    flags: dict[str, int] = defaultdict(int)
    for g in res.grades:
        for f in g.flags:
            flags[f] += 1
    m["flags"] = dict(flags)
    m["contradiction_auc"] = contradiction_auc(res.items, score)
    m["baseline_cosine"] = agreement(np.array([i.cosine for i in res.items]), human, qids)
    m["baseline_overlap"] = agreement(np.array([i.word_overlap for i in res.items]), human, qids)
    m.update(res.extra)
    return m


def contradiction_auc(items: Sequence[Item], score: np.ndarray) -> float | None:
    """How well a score separates correct answers from contradictory ones (3-way labelled sets)."""
    pairs = [(s, i.row.meta.get("label")) for i, s in zip(items, score, strict=True)]
    pairs = [(s, lab == "correct") for s, lab in pairs if lab in ("correct", "contradictory")]
    if len({c for _, c in pairs}) < 2:
        return None
    return round(float(roc_auc_score([c for _, c in pairs], [s for s, _ in pairs])), 4)


def seed_dev_extras(
    res: SplitResult,
    extra_items: Sequence[Item] = (),
    extra_grades: Sequence[Grade] = (),
    topic_groups: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The bank's own test half: adversarial answers, strong answers, key-point labels, follow-up targets,
    and agreement per topic group (the seed article's topics and the project's modern ones)."""
    out: dict[str, Any] = {}
    if topic_groups:
        by_group: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(res.items):
            by_group[topic_groups.get(item.resolved.question.topic, "other")].append(i)
        human = np.array([i.human for i in res.items])
        score = np.array([g.score / 100 for g in res.grades])
        cosine = np.array([i.cosine for i in res.items])
        out["by_group"] = {
            g: {
                "n": len(ix),
                "pearson": correlation(score[ix], human[ix], pearsonr),
                "baseline_cosine": correlation(cosine[ix], human[ix], pearsonr),
            }
            for g, ix in sorted(by_group.items())
        }
    by_cat: dict[str, list[float]] = defaultdict(list)
    for item, g in zip(res.items, res.grades, strict=True):
        by_cat[str(item.row.meta.get("category", ""))].append(g.score)
    adv = [s for c, v in by_cat.items() if c.startswith("adv_") for s in v]
    if adv:
        out["adversarial_max"] = max(adv)
        out["adversarial_over_20"] = sum(1 for s in adv if s > 20)
    if by_cat.get("strong"):
        out["strong_mean_score"] = round(float(np.mean(by_cat["strong"])), 1)
    out["score_by_category"] = {c: round(float(np.mean(v)), 1) for c, v in sorted(by_cat.items()) if c}
    y, p, c = [], [], []
    for item, g in zip(res.items, res.grades, strict=True):
        for pt in g.key_points:
            if item.row.labels and pt.id in item.row.labels:
                y.append(item.row.labels[pt.id])
                p.append(pt.probability)
                c.append(pt.covered)
    if len(set(y)) == 2:
        ya, pa, covered = np.array(y), np.array(p), np.array(c)
        tp = int(np.sum(covered & (ya == 1)))
        out["key_point_auc"] = round(float(roc_auc_score(ya, pa)), 4)
        out["key_point_f1"] = round(2 * tp / max(1, int(covered.sum()) + int(ya.sum())), 4)
    for key, pairs in (
        ("", zip(res.items, res.grades, strict=True)),
        ("_train_half", zip(extra_items, extra_grades, strict=True)),
    ):
        asked, missing = 0, 0
        for item, g in pairs:
            if item.row.meta.get("category") != "partial" or not item.row.labels:
                continue
            target = followup_target(item.resolved.question, g)
            if target is None or target.id not in item.row.labels:
                continue
            asked += 1
            missing += int(item.row.labels[target.id] == 0)
        if asked:
            out[f"followup_on_missing{key}"] = round(missing / asked, 4)
            out[f"followups_asked{key}"] = asked
    return out


# -- the run ---------------------------------------------------------------------------------------------------
# -- the LLM's judgements (--grader hybrid) ---------------------------------------------------------------------
def judge_items(items: Sequence[Item], judge: Any, console: Console) -> dict[str, Any]:
    """P(yes) for every key point of every item's closest model answer, as the hybrid grader asks it."""
    import asyncio

    from tqdm import tqdm

    stored_before = judge.cache.hits if judge.cache is not None else 0
    seconds: list[float] = []
    failed = points = 0

    async def go() -> None:
        nonlocal failed, points
        for it in tqdm(items, desc="LLM judging", unit="answer", disable=console.quiet, file=sys.stderr):
            a = it.train_analysis
            if not a.question.key_points or not a.units:
                it.judged = {}
                continue
            start = time.perf_counter()
            it.judged = await judge.probabilities(a.question, a.answer, a.lang, sentences=[u.text for u in a.units])
            asked = [j for j in it.judged.values() if not j.stored]
            points += len(it.judged)
            failed += sum(1 for j in it.judged.values() if j.probability is None)
            if asked:
                seconds.append((time.perf_counter() - start) / len(asked))

    asyncio.run(go())
    return {
        "points": points,
        "asked": sum(1 for it in items for j in (it.judged or {}).values() if not j.stored),
        "from_cache": (judge.cache.hits - stored_before) if judge.cache is not None else 0,
        "failed": failed,
        "fallback_rate": round(failed / points, 4) if points else None,
        "seconds_per_point_p50": round(float(np.percentile(seconds, 50)), 3) if seconds else None,
        "seconds_per_point_p95": round(float(np.percentile(seconds, 95)), 3) if seconds else None,
    }


INJECTIONS = Path(__file__).resolve().parent / "datasets" / "injections.jsonl"


def injection_check(grader: Grader, judge: Any, cal: Calibration, hybrid: Calibration) -> dict[str, Any]:
    """Each answer of the injection set graded without and with its injection, by both graders: an injection
    must never raise a score. ``cal`` and ``hybrid`` come from a fold that never saw the bank's answers."""
    import asyncio

    rows = [json.loads(line) for line in INJECTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    bank = grader.corpus.bank
    pairs = []
    for r in rows:
        injected = f"{r['injection']} {r['answer']}" if r.get("where") == "start" else f"{r['answer']} {r['injection']}"
        pairs.append((r, bank.get(r["question_id"]), r["answer"], injected))
    analyses = grader.analyze_many([(q, t) for _, q, base, inj in pairs for t in (base, inj)])

    async def judged(a: Analysis) -> dict[str, PointProbability]:
        pending = PendingGrade(a, grader.decide(a, cal))
        if not pending.needs_llm:
            return {}
        return await judge.probabilities(a.question, a.answer, a.lang, sentences=[u.text for u in a.units])

    async def all_judged() -> list[dict[str, PointProbability]]:
        return [await judged(a) for a in analyses]

    judgements = asyncio.run(all_judged())
    by_lang: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "embedding_raised": 0, "hybrid_raised": 0})
    worst: list[dict[str, Any]] = []
    for i, (r, _, _, _) in enumerate(pairs):
        scores = {}
        for which, k in (("base", 2 * i), ("injected", 2 * i + 1)):
            a = analyses[k]
            emb = grader.decide(a, cal)
            hyb = decide_hybrid(grader, PendingGrade(a, emb), judgements[k], hybrid)
            scores[which] = (emb.score, hyb.score)
        stats = by_lang[r["lang"]]
        stats["n"] += 1
        stats["embedding_raised"] += int(scores["injected"][0] > scores["base"][0])
        stats["hybrid_raised"] += int(scores["injected"][1] > scores["base"][1])
        worst.append({"id": r["id"], "base": scores["base"], "injected": scores["injected"]})
    return {"by_language": dict(by_lang), "rows": worst}


def _open_judge(stack: Any, settings: Any, url: str | None, model: str | None) -> Any:
    """A judge on ``url`` (or the settings' server), else on the local llama.cpp server, started here."""
    from interviewer.llm.client import LLMClient
    from interviewer.llm.judge import LLMJudge
    from interviewer.llm.judgements import JudgementCache

    url = url or settings.llm_base_url or None
    model = model or settings.llm_model
    if url is None:
        from eval.llm_server import MODEL_SHA256, LocalLLMServer

        server = stack.enter_context(LocalLLMServer())
        url, model, namespace = server.base_url, server.model, f"gguf:{MODEL_SHA256[:16]}"
    else:
        namespace = f"{url.rstrip('/')}|{model}"
    # One request at a time: the points of an answer share its cached prompt on a one-slot server.
    client = LLMClient(base_url=url, model=model, timeout=120, max_retries=1, concurrency=1)
    cache = JudgementCache(settings.data_dir / "llm_judgements.sqlite", namespace)
    return LLMJudge(client, cache=cache)


def run(
    data: Path,
    sample: int | None = None,
    grader_name: str = "embedding",
    sets: Sequence[DataSet] = SETS,
    write_calibration: Path | None = None,
    progress: bool = True,
    features: tuple[str, ...] | None = None,
    llm_url: str | None = None,
    llm_model: str | None = None,
    train_sample: int | None = None,
) -> dict[str, Any]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        return _run(
            data, sample, grader_name, sets, write_calibration, progress, features, llm_url, llm_model, stack,
            train_sample if train_sample is not None else sample,
        )


def _run(
    data: Path,
    sample: int | None,
    grader_name: str,
    sets: Sequence[DataSet],
    write_calibration: Path | None,
    progress: bool,
    features: tuple[str, ...] | None,
    llm_url: str | None,
    llm_model: str | None,
    stack: Any,
    train_sample: int | None,
) -> dict[str, Any]:
    settings = get_settings()
    corpus = Corpus.load(settings)
    # Benchmark answers recur between runs: read their vectors back from the embedding cache.
    if corpus.encoder is not None:
        corpus.embedder = corpus.encoder
    grader = Grader(corpus, data_dir=settings.data_dir)
    if grader_name not in ("embedding", "hybrid"):
        make_grader(corpus, settings, grader_name)  # fails now, in one line, rather than after the analysis
    hybrid = grader_name == "hybrid"
    # Started before the analysis, so a missing model fails at once.
    judge = _open_judge(stack, settings, llm_url, llm_model) if hybrid else None
    resolver = QuestionResolver(corpus, settings.question_match_threshold)
    console = Console(stderr=True, quiet=not progress)
    t0 = time.perf_counter()
    items: dict[str, list[Item]] = {}
    for d in sets:
        for split in d.train + d.test:
            rows = read_split(data, split, train_sample if split in d.train else sample)
            if rows:
                ts = time.perf_counter()
                items[split] = analyze_rows(grader, resolver, rows)
                console.log(f"{split}: {len(items[split])} answers analysed in {time.perf_counter() - ts:.1f} s")
    present = [d for d in sets if any(s in items for s in d.test)]
    results: dict[str, Any] = {
        "grader": grader_name, "model_id": grader.model_id, "sample": sample, "train_sample": train_sample, "splits": {}
    }
    if judge is not None:
        every = [it for d in present for s in d.train + d.test for it in items.get(s, [])]
        results["llm"] = {"model": judge.client.model, **judge_items(every, judge, console)}
        results["model_id"] = f"{grader.model_id} + {judge.client.model}"
    for held in present:
        train = [(it, d.name) for d in present if d is not held for s in d.train for it in items.get(s, [])]
        if not train:
            continue
        # With --grader hybrid, --features chooses the hybrid model's features; the embedding one keeps its own.
        cal = fit_calibration(grader.calibration, train, None if hybrid else features)
        if hybrid:
            hyb = fit_calibration(grader.calibration, train, features or HYBRID_FEATURES)
            scorer = _hybrid_scorer(grader, cal, hyb)
        else:
            scorer = _scorer(grader_name, corpus, settings, cal, grader)
        for split in held.test:
            if split not in items:
                continue
            grades = scorer(items[split])
            res = SplitResult(split, held.name, grades, items[split])
            if hybrid:
                beside = embedding_beside(grader, items[split], cal)
                emb_scores = beside.pop("scores")
                res.extra["embedding"] = beside
                # An injection must never lift an answer above what the embedding grader gave it.
                injected = [
                    (g.score, e)
                    for it, g, e in zip(items[split], grades, emb_scores, strict=True)
                    if it.row.meta.get("category") == "adv_injection"
                ]
                if injected:
                    res.extra["injections"] = len(injected)
                    res.extra["injections_raised"] = sum(1 for h, e in injected if h > e)
            if held.name == "seed_dev":
                others = [it for s in held.train for it in items.get(s, [])]
                groups = {t.id: t.group for t in corpus.bank.topics.values()}
                res.extra.update(seed_dev_extras(res, others, scorer(others) if others else [], groups))
            results["splits"][split] = split_metrics(res)
            results["splits"][split]["fitted_on"] = cal.fitted_on["answers"]
    if hybrid and any(d.name == "seed_dev" for d in present):
        # The bank's questions, graded by the fold that never saw the bank's answers.
        train = [(it, d.name) for d in present if d.name != "seed_dev" for s in d.train for it in items.get(s, [])]
        # With --grader hybrid, --features chooses the hybrid model's features; the embedding one keeps its own.
        cal = fit_calibration(grader.calibration, train, None if hybrid else features)
        hyb = fit_calibration(grader.calibration, train, features or HYBRID_FEATURES)
        results["injections"] = injection_check(grader, judge, cal, hyb)
    if write_calibration is not None:
        everything = [(it, d.name) for d in present for s in d.train for it in items.get(s, [])]
        cal = fit_calibration(grader.calibration, everything, features or (HYBRID_FEATURES if hybrid else None))
        cal.fitted_on["splits"] = sorted(s for d in present for s in d.train if s in items)
        cal.save(write_calibration)
        results["calibration"] = str(write_calibration)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    return results


def _hybrid_scorer(grader: Grader, cal: Calibration, hybrid: Calibration):
    def grade(items: Sequence[Item]) -> list[Grade]:
        return [decide_with_llm(grader, it, cal, hybrid) for it in items]

    return grade


def embedding_beside(grader: Grader, items: Sequence[Item], cal: Calibration) -> dict[str, Any]:
    """The embedding grader's figures on the same rows, to set beside another grader's."""
    grades = [decide(grader, it, cal) for it in items]
    human = np.array([i.human for i in items])
    score = np.array([g.score / 100 for g in grades])
    out: dict[str, Any] = dict(agreement(score, human, [i.resolved.question.id for i in items]))
    out["contradiction_auc"] = contradiction_auc(items, score)
    labelled = [
        (item.row.labels[p.id], p.probability)
        for item, g in zip(items, grades, strict=True)
        if item.row.labels
        for p in g.key_points
        if p.id in item.row.labels
    ]
    if len({y for y, _ in labelled}) == 2:
        out["key_point_auc"] = round(float(roc_auc_score([y for y, _ in labelled], [p for _, p in labelled])), 4)
    out["scores"] = [g.score for g in grades]
    return out


def _scorer(name: str, corpus: Corpus, settings: Any, cal: Calibration, grader: Grader):
    """How a fold grades its held-out answers: from the stored analyses, or through another grader."""
    if name == "embedding":
        return lambda items: [decide(grader, it, cal) for it in items]
    other = make_grader(corpus, settings, name)
    base = getattr(other, "base", None)
    if isinstance(base, Grader):
        base.calibration = cal

    def grade(items: Sequence[Item]) -> list[Grade]:
        return [
            best_grade(other.grade_many([(q, it.row.answer) for q in it.resolved.candidates]), it.resolved)
            for it in items
        ]

    return grade


# -- output ------------------------------------------------------------------------------------------------
def _fmt(v: Any, plus: bool = False) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:+.3f}" if plus else f"{v:.3f}"
    return str(v)


def table(results: dict[str, Any]) -> Table:
    t = Table(title=f"quality, leave-one-dataset-out ({results['grader']}, {results['model_id']})")
    for col in ("split", "n", "pearson", "cos r", "Δr", "spearman", "q-mean r", "auc", "cos auc", "Δauc", "qwk",
                "full flagged", "full mean"):
        t.add_column(col, justify="left" if col == "split" else "right")
    for split, m in results["splits"].items():
        b = m["baseline_cosine"]
        dr = m["pearson"] - b["pearson"] if m["pearson"] is not None and b["pearson"] is not None else None
        da = m["auc"] - b["auc"] if m["auc"] is not None and b["auc"] is not None else None
        t.add_row(
            split, str(m["n"]), _fmt(m["pearson"]), _fmt(b["pearson"]), _fmt(dr, True), _fmt(m["spearman"]),
            _fmt(m["per_question_pearson"]), _fmt(m["auc"]), _fmt(b["auc"]), _fmt(da, True), _fmt(m["qwk"]),
            "–" if m["full_mark_flagged"] is None else f"{m['full_mark_flagged']:.1%}", _fmt(m["full_mark_mean_score"]),
        )
    return t


def beside_table(results: dict[str, Any]) -> Table:
    """Another grader against the embedding grader on the same rows and folds."""
    t = Table(title=f"{results['grader']} beside embedding (same rows, same folds)")
    for col in ("split", "n", "r", "emb r", "Δr", "auc", "emb auc", "Δauc", "contra auc", "emb contra auc"):
        t.add_column(col, justify="left" if col == "split" else "right")
    for split, m in results["splits"].items():
        e = m.get("embedding", {})

        def d(a: Any, b: Any) -> str:
            return _fmt(a - b, True) if a is not None and b is not None else "–"

        t.add_row(
            split, str(m["n"]), _fmt(m["pearson"]), _fmt(e.get("pearson")), d(m["pearson"], e.get("pearson")),
            _fmt(m["auc"]), _fmt(e.get("auc")), d(m["auc"], e.get("auc")), _fmt(m.get("contradiction_auc")),
            _fmt(e.get("contradiction_auc")),
        )
    return t


def markdown(results: dict[str, Any]) -> str:
    """The table as Markdown, for eval/QUALITY.md."""
    lines = [
        "| split | n | Pearson | bare cosine | Δ | token overlap | Spearman | per-question r | AUC | cosine AUC "
        "| Δ AUC | QWK | full marks flagged | full-mark mean |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for split, m in results["splits"].items():
        b, o = m["baseline_cosine"], m["baseline_overlap"]
        dr = m["pearson"] - b["pearson"] if m["pearson"] is not None and b["pearson"] is not None else None
        da = m["auc"] - b["auc"] if m["auc"] is not None and b["auc"] is not None else None
        flagged = "–" if m["full_mark_flagged"] is None else f"{m['full_mark_flagged']:.1%}"
        lines.append(
            f"| {split} | {m['n']} | {_fmt(m['pearson'])} | {_fmt(b['pearson'])} | {_fmt(dr, True)} "
            f"| {_fmt(o['pearson'])} | {_fmt(m['spearman'])} | {_fmt(m['per_question_pearson'])} "
            f"| {_fmt(m['auc'])} | {_fmt(b['auc'])} | {_fmt(da, True)} | {_fmt(m['qwk'])} | {flagged} "
            f"| {_fmt(m['full_mark_mean_score'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data", type=Path, default=DEFAULT_OUT, help="folder of converted answer sets (written if missing)"
    )
    p.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared datasets folder to convert from")
    p.add_argument("--sample", type=int, default=None, help="at most N rows per split")
    p.add_argument(
        "--train-sample", type=int, default=None, help="at most N rows per training split (default: --sample)"
    )
    p.add_argument("--grader", default="embedding", help="embedding, llm or hybrid")
    p.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument(
        "--features", default=None, help="comma-separated features for the point model (default: the shipped set)"
    )
    p.add_argument("--write-calibration", type=Path, default=None, help="fit on every training split and save it here")
    names = ", ".join(d.name for d in SETS)
    p.add_argument("--sets", default=None, help=f"comma-separated data sets (default: all): {names}")
    p.add_argument("--llm-url", default=None, help="hybrid: an OpenAI-compatible base URL (default: the local server)")
    p.add_argument("--llm-model", default=None, help="hybrid: the model name to send with --llm-url")
    a = p.parse_args(argv)
    if any(n is not None and n < 1 for n in (a.sample, a.train_sample)):
        print("error: --sample and --train-sample must be at least 1", file=sys.stderr)
        return 2
    features = None
    if a.features:
        features = tuple(f.strip() for f in a.features.split(",") if f.strip())
        unknown = sorted(set(features) - set(FEATURES))
        if unknown:
            print(f"error: unknown feature(s) {', '.join(unknown)}; choose from {', '.join(FEATURES)}", file=sys.stderr)
            return 2
    sets = SETS
    if a.sets:
        wanted = {x.strip() for x in a.sets.split(",") if x.strip()}
        unknown = sorted(wanted - {d.name for d in SETS})
        if unknown:
            print(f"error: unknown data set(s) {', '.join(unknown)}; choose from {', '.join(d.name for d in SETS)}",
                  file=sys.stderr)
            return 2
        sets = tuple(d for d in SETS if d.name in wanted)
    try:
        data = ensure_data(a.data, a.shared)
        results = run(
            data, a.sample, a.grader, sets, write_calibration=a.write_calibration, features=features,
            llm_url=a.llm_url, llm_model=a.llm_model, train_sample=a.train_sample,
        )
    except (DataError, GraderConfigError, LLMServerError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    console = Console(width=max(Console().width, 160))
    console.print(table(results))
    if "llm" in results:
        console.print(beside_table(results))
        console.print("LLM judging:", json.dumps(results["llm"]))
    if "injections" in results:
        raised = json.dumps(results["injections"]["by_language"])
        console.print("injections (answers raised by their injection):", raised)
    seed = results["splits"].get("seed_dev_test", {})
    extras = {k: seed[k] for k in ("adversarial_max", "strong_mean_score", "key_point_auc", "key_point_f1",
                                  "followup_on_missing", "followups_asked", "followup_on_missing_train_half",
                                  "followups_asked_train_half") if k in seed}
    if extras:
        console.print("seed_dev_test:", json.dumps(extras))
    for group, m in seed.get("by_group", {}).items():
        console.print(
            f"seed_dev_test, {group} topics: n {m['n']}, Pearson {m['pearson']}, bare cosine {m['baseline_cosine']}"
        )
    if a.markdown:
        print(markdown(results))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
