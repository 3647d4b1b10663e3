from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from interviewer.batch.evaluate import run_eval
from interviewer.grading.registry import make_grader
from interviewer.knowledge.resolve import QuestionResolver
from interviewer.settings import get_settings

ANSWER = "训练时用当前batch的均值和方差，测试时用滑动平均的全局均值和方差。"


def _csv(tmp_path: Path) -> Path:
    """Five rows on eight lines: a header, an answer with line breaks inside its quotes, a blank line at the end;
    one row names a question the bank does not have."""
    path = tmp_path / "set.csv"
    path.write_text(
        "id,question_id,answer,score\n"
        f"1,bn-train-test,{ANSWER},8\n"
        '2,bn-train-test,"训练时用batch统计量。\n测试时用全局统计量。\n",6\n'
        "3,bn-train-test,不知道,0\n"
        "4,no-such-question,x,0\n"
        f"5,bn-param-count,γ和β，每个通道一对。,9\n"
        "\n",
        encoding="utf-8",
    )
    return path


def test_the_progress_bar_counts_rows_not_lines(tmp_path: Path, corpus, capsys: pytest.CaptureFixture[str]) -> None:
    grader = make_grader(corpus, get_settings())
    metrics = run_eval(_csv(tmp_path), tmp_path / "out", grader, QuestionResolver(corpus), progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and set(re.findall(r"\d+/(\d+) \[", err)) == {"5"}, err
    assert metrics["n"] == 4 and metrics["skipped_rows"] == 1
    lines = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["1", "2", "3", "5"]


def test_no_progress_bar_when_asked(tmp_path: Path, corpus, capsys: pytest.CaptureFixture[str]) -> None:
    grader = make_grader(corpus, get_settings())
    run_eval(_csv(tmp_path), tmp_path / "out", grader, QuestionResolver(corpus), progress=False)
    assert "/5" not in capsys.readouterr().err
