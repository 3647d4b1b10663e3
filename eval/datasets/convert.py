"""Convert the public grading sets in ../shared/datasets into the answer-set format (JSONL).

    python -m eval.datasets.convert [--shared ../shared/datasets] [--out out/datasets]

Writes seed_dev_train.jsonl / seed_dev_test.jsonl (the shipped dev set split by question: a question's
answers are all on one side, chosen by the parity of the MD5 of its id, so the test half is on unseen questions),
le_train.jsonl / le_test.jsonl (LE, Chinese, scores 0-1, tuned on s_train_zh, reported on s_eval_zh)
and scientsbank_{train,test_unseen_answers,test_unseen_questions}.jsonl (English; score 1 = "correct",
0 otherwise, the 3-way label kept in `label`). The data is read at run time and never copied into the repo.
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
SB_SPLITS = {
    "scientsbank_train": "train.jsonl",
    "scientsbank_test_unseen_answers": "test_unseen_answers.jsonl",
    "scientsbank_test_unseen_questions": "test_unseen_questions.jsonl",
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


def scientsbank_rows(folder: Path, split_file: str, name: str) -> Iterator[dict]:
    with open(folder / split_file, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            r = json.loads(line)
            yield {
                "id": f"{name}-{n}",
                "question_id": f"sb-{r['question_id']}",
                "question": r["question"],
                "reference": r["references"],
                "answer": r["answer"],
                "score": 1 if r["label"] == "correct" else 0,
                "score_max": 1,
                "label": r["label"],
                "dataset": "scientsbank",
            }


DEV = REPO / "eval" / "datasets" / "seed_dev.jsonl"


def dev_split(question_id: str) -> str:
    return "test" if int(hashlib.md5(question_id.encode()).hexdigest(), 16) % 2 else "train"


def split_dev(out: Path, dev: Path = DEV) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts = {"seed_dev_train": 0, "seed_dev_test": 0}
    with open(out / "seed_dev_train.jsonl", "w", encoding="utf-8") as tr, open(out / "seed_dev_test.jsonl", "w", encoding="utf-8") as te:
        for line in open(dev, encoding="utf-8"):
            if not line.strip():
                continue
            side = dev_split(json.loads(line)["question_id"])
            (te if side == "test" else tr).write(line)
            counts[f"seed_dev_{side}"] += 1
    return counts


def convert(shared: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = split_dev(out)
    jobs = [(name, le_rows(shared / "le", f, name)) for name, f in LE_SPLITS.items()]
    jobs += [(name, scientsbank_rows(shared / "scientsbank", f, name)) for name, f in SB_SPLITS.items()]
    for name, rows in jobs:
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
