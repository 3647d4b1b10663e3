"""The cross-dataset benchmark runs end to end on a small fixed sample: its columns, baselines and folds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.datasets.convert import DEV, dev_split

ZH = [
    (
        "盘点内容包括哪些？",
        "盘点内容包括数量盘点、重量盘点、账实核对。",
        "盘点内容包括数量盘点、重量盘点、账实核对。",
        1.0,
    ),
    ("盘点内容包括哪些？", "盘点内容包括数量盘点、重量盘点、账实核对。", "盘点内容包括数量盘点。", 0.3),
    ("盘点内容包括哪些？", "盘点内容包括数量盘点、重量盘点、账实核对。", "不知道。", 0.0),
    (
        "配货作业的主要形式有哪些？",
        "配货作业的主要形式包括单一配货作业、集中配货作业。",
        "单一配货作业和集中配货作业。",
        1.0,
    ),
    ("配货作业的主要形式有哪些？", "配货作业的主要形式包括单一配货作业、集中配货作业。", "集中配货。", 0.5),
    ("配货作业的主要形式有哪些？", "配货作业的主要形式包括单一配货作业、集中配货作业。", "运输和仓储。", 0.0),
]
DE = [
    (
        "Was tut man an der Tankstelle?",
        "Tanken, im Shop einkaufen und bezahlen.",
        "Man tankt, kauft im Shop ein und bezahlt.",
        1.0,
    ),
    ("Was tut man an der Tankstelle?", "Tanken, im Shop einkaufen und bezahlen.", "Man tankt.", 0.4),
    ("Was tut man an der Tankstelle?", "Tanken, im Shop einkaufen und bezahlen.", "Man wäscht das Auto.", 0.0),
    (
        "Wie grüßt man Kunden?",
        "Freundlich und mit Blickkontakt grüßen.",
        "Freundlich grüßen und Blickkontakt halten.",
        1.0,
    ),
    ("Wie grüßt man Kunden?", "Freundlich und mit Blickkontakt grüßen.", "Gar nicht.", 0.0),
    ("Wie grüßt man Kunden?", "Freundlich und mit Blickkontakt grüßen.", "Mit einem Lächeln.", 0.5),
]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _rows(name: str, data: list[tuple[str, str, str, float]], prefix: str) -> list[dict]:
    return [
        {"id": f"{name}-{i}", "question_id": f"{prefix}-{q[:4]}", "question": q, "reference": ref, "answer": a,
         "score": s, "score_max": 1}
        for i, (q, ref, a, s) in enumerate(data)
    ]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "sets"
    folder.mkdir()
    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    _write(folder / "seed_dev_train.jsonl", [r for r in dev if dev_split(r["question_id"]) == "train"][:8])
    _write(folder / "seed_dev_test.jsonl", [r for r in dev if dev_split(r["question_id"]) == "test"][:8])
    for split in ("le_train", "le_test"):
        _write(folder / f"{split}.jsonl", _rows(split, ZH, "le"))
    for split in ("saf_de_train", "saf_de_test_unseen_answers"):
        _write(folder / f"{split}.jsonl", _rows(split, DE, "de"))
    return folder


@pytest.fixture
def settings_on_session_data(monkeypatch: pytest.MonkeyPatch, session_data: Path, corpus) -> None:
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(session_data))
    from interviewer.settings import get_settings

    get_settings.cache_clear()


def test_the_table_has_every_column_and_the_baselines(data: Path, settings_on_session_data: None) -> None:
    from eval.quality import markdown, run

    results = run(data, sample=6, progress=False)
    splits = results["splits"]
    assert set(splits) == {"seed_dev_test", "le_test", "saf_de_test_unseen_answers"}
    for m in splits.values():
        assert m["n"] == 6
        assert {
            "pearson",
            "spearman",
            "per_question_pearson",
            "auc",
            "qwk",
            "full_mark_flagged",
            "full_mark_mean_score",
        } <= set(m)
        assert m["baseline_cosine"]["pearson"] is not None and m["baseline_overlap"]["pearson"] is not None
        # Leave-one-dataset-out: the fold behind a set's figures never saw that set.
        assert m["dataset"] not in m["fitted_on"] and m["fitted_on"]
    assert "followup_on_missing" in splits["seed_dev_test"] or "adversarial_max" in splits["seed_dev_test"]
    table = markdown(results)
    assert "| split | n | Pearson | bare cosine |" in table and "saf_de_test_unseen_answers" in table


def test_the_command_writes_json_and_refuses_bad_options(
    data: Path, tmp_path: Path, settings_on_session_data: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from eval.quality import main

    out = tmp_path / "q.json"
    assert main(["--data", str(data), "--sample", "4", "--json", str(out)]) == 0
    assert set(json.loads(out.read_text(encoding="utf-8"))["splits"]) >= {"le_test"}
    assert main(["--data", str(data), "--sample", "0"]) == 2
    assert main(["--data", str(data), "--features", "answer_sim,nonsense"]) == 2
    assert "unknown feature" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "empty"), "--shared", str(tmp_path / "nothing")]) == 2
    assert "holds no answer sets" in capsys.readouterr().err
    assert main(["--data", str(data), "--sample", "2", "--grader", "llm"]) == 2
    assert "INTERVIEWER_LLM_BASE_URL" in capsys.readouterr().err
    # hybrid starts the local LLM server itself: without its model, one line before any grading.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INTERVIEWER_LLM_CACHE", str(tmp_path / "no-model"))
        assert main(["--data", str(data), "--sample", "2", "--grader", "hybrid"]) == 2
    assert "model not found" in capsys.readouterr().err
