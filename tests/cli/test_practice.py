"""`interviewer practice` in the terminal: every label, card title and flag explanation in the interview's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.grading.scoring import PENALTY_RULES

runner = CliRunner()


@pytest.fixture
def small_env(monkeypatch: pytest.MonkeyPatch, small_corpus_dir: Path) -> Path:
    monkeypatch.setenv("INTERVIEWER_CORPUS_DIR", str(small_corpus_dir))
    monkeypatch.setenv("COLUMNS", "200")  # one line per card row, so phrases are not wrapped apart
    return small_corpus_dir


def practice(lang: str, answer: str) -> str:
    r = runner.invoke(
        app, ["practice", "--lang", lang, "--n", "1", "--max-followups", "0", "--seed", "1"], input=f"{answer}\n\n"
    )
    assert r.exit_code == 0, r.output
    return r.stdout


def test_a_chinese_session_speaks_chinese_throughout(small_env: Path) -> None:
    out = practice("zh", "嗯")
    assert "回答完按一次空行提交" in out and "Dropout 有什么作用？" in out
    assert "评分" in out and "你的回答（下划线为依据）" in out
    assert "too_short" in out and PENALTY_RULES["too_short"]["zh"] in out
    assert "得分说明：" in out  # how the question's score was reached
    assert "模拟面试报告" in out and "主题" in out and "遗漏的要点" in out
    for english in ("grade", "your answer", "flags:", "capped at", "Points missed", "topic"):
        assert english not in out, english


def test_an_english_session_speaks_english_throughout(small_env: Path) -> None:
    out = practice("en", "During training dropout randomly sets activations to zero, which reduces overfitting.")
    assert "finish with an empty line" in out and "What does dropout do?" in out
    assert "grade" in out and "your answer (evidence underlined)" in out
    assert "how the score was reached" in out
    assert "Mock interview report" in out and "Topic" in out
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in out), out
