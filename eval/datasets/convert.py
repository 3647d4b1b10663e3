"""Convert the public grading sets in ../shared/datasets into the answer-set format (JSONL).

    python -m eval.datasets.convert [--shared ../shared/datasets] [--out out/datasets]

Writes seed_dev_train.jsonl / seed_dev_test.jsonl (the shipped dev set split by question: a question's
answers are all on one side, chosen by the parity of the MD5 of its id, so the test half is on unseen questions),
le_train.jsonl / le_test.jsonl (LE, Chinese, scores 0-1, tuned on s_train_zh, reported on s_eval_zh)
scientsbank_* and beetle_{train,test_unseen_answers,test_unseen_questions}.jsonl (English; score 1 = "correct",
0 otherwise, the 3-way label kept in `label`) and saf_{en,de}_{train,test_unseen_answers,test_unseen_questions}.jsonl
(English and German; points out of the question's maximum, the tutor's feedback kept in `feedback`).
The data is read at run time and never copied into the repo.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO.parent / "shared" / "datasets"
DEFAULT_OUT = REPO / "out" / "datasets"

LE_SPLITS = {"le_train": "s_train_zh.csv", "le_test": "s_eval_zh.csv"}
SEMEVAL_FILES = {"train": "train.jsonl", "test_unseen_answers": "test_unseen_answers.jsonl",
                 "test_unseen_questions": "test_unseen_questions.jsonl"}
SB_SPLITS = {f"scientsbank_{split}": f for split, f in SEMEVAL_FILES.items()}
BEETLE_SPLITS = {f"beetle_{split}": f for split, f in SEMEVAL_FILES.items()}
SAF_SPLITS = {
    f"saf_{lang}_{split}": f"{lang}_{f}"
    for lang in ("en", "de")
    for split, f in (("train", "training.jsonl"), ("test_unseen_answers", "unseen_answers.jsonl"),
                     ("test_unseen_questions", "unseen_questions.jsonl"))
}


def _tsv(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)


def le_rows(folder: Path, split_file: str, name: str) -> Iterator[dict]:
    questions = {row[0]: row[1] for row in _tsv(folder / "qa.csv") if len(row) >= 2}
    for n, row in enumerate(_tsv(folder / split_file), start=1):
        if len(row) < 4:
            continue
        qid, reference, answer, score = row[:4]
        yield {
            "id": f"{name}-{n}",
            "question_id": f"le-{qid}",
            "question": questions.get(qid, ""),
            "reference": reference,
            "answer": answer,
            "score": float(score),
            "score_max": 1,
            "dataset": "le",
        }


def semeval_rows(
    folder: Path, split_file: str, name: str, dataset: str = "scientsbank", prefix: str = "sb"
) -> Iterator[dict]:
    """SciEntsBank or Beetle (SemEval-2013 Task 7, 3-way): score 1 for "correct", 0 otherwise."""
    with open(folder / split_file, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            r = json.loads(line)
            yield {
                "id": f"{name}-{n}",
                "question_id": f"{prefix}-{r['question_id']}",
                "question": r["question"],
                # Each reference is a complete correct answer on its own: the best match counts.
                "reference": r["references"][:1],
                "alternatives": r["references"][1:],
                "answer": r["answer"],
                "score": 1 if r["label"] == "correct" else 0,
                "score_max": 1,
                "label": r["label"],
                "dataset": dataset,
            }


def saf_rows(folder: Path, split_file: str, name: str) -> Iterator[dict]:
    """SAF (English or German): points out of the question's maximum, with the tutor's feedback."""
    lang = split_file[:2]
    with open(folder / split_file, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            r = json.loads(line)
            score_max = float(r["score_max"])
            yield {
                "id": f"{name}-{n}",
                "question_id": f"saf-{lang}-{r['question_id']}",
                "question": r["question"],
                "reference": r["reference"],
                "answer": r["answer"],
                "score": min(max(float(r["score"]), 0.0), score_max),
                "score_max": score_max,
                "label": r["label"],
                "feedback": r["feedback"],
                "dataset": f"saf_{lang}",
            }


DEV = REPO / "eval" / "datasets" / "seed_dev.jsonl"


def dev_split(question_id: str) -> str:
    return "test" if int(hashlib.md5(question_id.encode()).hexdigest(), 16) % 2 else "train"


def split_dev(out: Path, dev: Path = DEV) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts = {"seed_dev_train": 0, "seed_dev_test": 0}
    with (
        open(out / "seed_dev_train.jsonl", "w", encoding="utf-8") as tr,
        open(out / "seed_dev_test.jsonl", "w", encoding="utf-8") as te,
    ):
        for line in open(dev, encoding="utf-8"):
            if not line.strip():
                continue
            side = dev_split(json.loads(line)["question_id"])
            (te if side == "test" else tr).write(line)
            counts[f"seed_dev_{side}"] += 1
    return counts


def public_splits(shared: Path) -> list[tuple[str, Iterator[dict]]]:
    """(split name, rows) of every public set present under ``shared``."""
    jobs = [(name, le_rows(shared / "le", f, name)) for name, f in LE_SPLITS.items()]
    jobs += [(name, semeval_rows(shared / "scientsbank", f, name)) for name, f in SB_SPLITS.items()]
    if (shared / "beetle").is_dir():
        jobs += [
            (name, semeval_rows(shared / "beetle", f, name, "beetle", "beetle")) for name, f in BEETLE_SPLITS.items()
        ]
    if (shared / "saf").is_dir():
        jobs += [(name, saf_rows(shared / "saf", f, name)) for name, f in SAF_SPLITS.items()]
    return jobs


def convert(shared: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = split_dev(out)
    for name, rows in public_splits(shared):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            counts[name] = 0
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[name] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared datasets folder")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSONL files")
    a = p.parse_args(argv)
    if not (a.shared / "le").is_dir() or not (a.shared / "scientsbank").is_dir():
        print(f"error: {a.shared} has no le/ and scientsbank/ folders; pass --shared", file=sys.stderr)
        return 2
    for name, n in convert(a.shared, a.out).items():
        print(f"{n:6d} rows -> {a.out / (name + '.jsonl')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
