from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from interviewer import load_bank
from interviewer.batch.answerset import AnswerRow, AnswerSetError, RowProblem, parse_answer_set_text, read_answer_set
from paths import REPO, SHARED

DEV = REPO / "eval" / "datasets" / "seed_dev.jsonl"


def test_jsonl_rows_and_problems_by_line() -> None:
    text = "\n".join(
        [
            json.dumps({"id": "a", "question_id": "bn-param-count", "answer": "2C", "score": 8, "labels": {"k": 1}}),
            "{not json",
            json.dumps({"id": "c", "question_id": "q"}),
            json.dumps({"id": "d", "question": "What is BN?", "answer": "x", "score": "high"}),
            json.dumps(
                {"id": "e", "reference": ["A is B.", "C is D."], "answer": "A is B", "score": 0.5, "score_max": 1}
            ),
            json.dumps({"id": "f", "question_id": "q", "answer": "x", "score": 11}),
            json.dumps({"id": "g", "answer": "x"}),
            json.dumps({"id": "h", "question_id": "q", "answer": "x", "labels": {"k": 2}}),
        ]
    )
    rows = list(parse_answer_set_text(text, "jsonl"))
    ok = [r for r in rows if isinstance(r, AnswerRow)]
    bad = {r.line: r.message for r in rows if isinstance(r, RowProblem)}
    assert [r.id for r in ok] == ["a", "e"]
    assert ok[0].score_max == 10 and ok[0].fraction == 0.8 and ok[0].labels == {"k": 1}
    assert ok[1].reference == ["A is B.", "C is D."] and ok[1].fraction == 0.5
    assert bad[2].startswith("not valid JSON")
    assert bad[3] == "no answer"
    assert "is not a number" in bad[4]
    assert bad[6] == "score 11 is outside 0-10"
    assert bad[7] == "needs question_id, question, reference or alternatives"
    assert "expected 0 or 1" in bad[8]


def test_csv_reads_the_same_fields() -> None:
    text = (
        "id,question_id,answer,score,score_max,labels,reference,note\n"
        '1,bn-pros,"BN lets you, train faster",3,5,"{""a"": 1}",,hi\n'
    )
    (row,) = parse_answer_set_text(text, "csv")
    assert isinstance(row, AnswerRow)
    assert row.answer == "BN lets you, train faster" and row.fraction == 0.6 and row.labels == {"a": 1}
    assert row.meta == {"note": "hi"} and row.reference is None
    with pytest.raises(AnswerSetError, match="answer"):
        list(parse_answer_set_text("id,text\n1,x\n", "csv"))


def test_tsv_files_are_split_on_tabs_not_commas(tmp_path: Path) -> None:
    path = tmp_path / "answers.tsv"
    path.write_text(
        "id\tquestion_id\tanswer\tscore\tnote\n"
        "1\tbn-pros\tBN lets you train faster, with higher learning rates\t7\tcommas, kept\n"
        "2\tbn-pros\t\t3\t\n",
        encoding="utf-8",
    )
    rows = list(read_answer_set(path))
    assert isinstance(rows[0], AnswerRow)
    assert rows[0].question_id == "bn-pros" and rows[0].answer == "BN lets you train faster, with higher learning rates"
    assert rows[0].score == 7 and rows[0].meta == {"note": "commas, kept"}
    assert isinstance(rows[1], RowProblem) and rows[1].line == 3 and rows[1].message == "no answer"
    # The same text as a string, and a TSV header without an answer column.
    (row,) = parse_answer_set_text("question_id\tanswer\nbn-pros\ta, b\n", "tsv")
    assert isinstance(row, AnswerRow) and row.answer == "a, b"
    with pytest.raises(AnswerSetError, match="TSV header has no 'answer'"):
        list(parse_answer_set_text("id,answer\n1,x\n", "tsv"))


def test_csv_files_are_still_split_on_commas(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text('id,question_id,answer,score\n1,bn-pros,"faster, and more stable",7\n', encoding="utf-8")
    (row,) = read_answer_set(path)
    assert isinstance(row, AnswerRow) and row.answer == "faster, and more stable" and row.score == 7


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(AnswerSetError, match="no such file"):
        read_answer_set(tmp_path / "x.jsonl")
    with pytest.raises(AnswerSetError, match="unknown answer-set format"):
        read_answer_set(tmp_path / "x.xlsx")


def test_dev_set_is_complete_and_consistent_with_the_bank() -> None:
    bank = load_bank(REPO / "corpus" / "bank")
    rows = list(read_answer_set(DEV))
    assert all(isinstance(r, AnswerRow) for r in rows), [str(r) for r in rows if isinstance(r, RowProblem)]
    assert len(rows) >= 240 and len({r.id for r in rows}) == len(rows)
    cats = Counter(r.meta["category"] for r in rows)
    assert sum(n for c, n in cats.items() if c.startswith("adv_")) >= 40
    assert {"strong", "partial", "vague", "wrong", "contradiction"} <= set(cats)
    adversarial = {"adv_keywords", "adv_echo", "adv_other_question", "adv_padding", "adv_dont_know", "adv_injection"}
    assert adversarial <= set(cats)
    langs = Counter(r.meta["lang"] for r in rows)
    assert 0.25 <= langs["en"] / len(rows) <= 0.45
    topics = set()
    for r in rows:
        q = bank.get(r.question_id)
        assert q is not None, r.id
        topics.add(q.topic)
        assert r.labels is not None and set(r.labels) == {kp.id for kp in q.key_points}, r.id
        assert r.score is not None and r.score_max == 10
        if r.meta["category"].startswith("adv_"):
            assert r.score <= 2
    assert topics == set(bank.topics)


@pytest.mark.skipif(
    not (SHARED / "datasets" / "le").is_dir(), reason="../shared/datasets is not present (a user's clone has none)"
)
def test_public_sets_convert_to_the_answer_set_format(tmp_path: Path) -> None:
    from eval.datasets.convert import convert

    counts = convert(SHARED / "datasets", tmp_path)
    assert counts["le_test"] == 176 and counts["scientsbank_test_unseen_questions"] == 733
    rows = list(read_answer_set(tmp_path / "le_test.jsonl"))
    assert all(isinstance(r, AnswerRow) for r in rows)
    assert rows[0].reference and rows[0].score_max == 1 and 0 <= rows[0].fraction <= 1
    sb = list(read_answer_set(tmp_path / "scientsbank_test_unseen_questions.jsonl"))
    assert Counter(r.meta["label"] for r in sb)["correct"] == 301
    assert all(r.score == (1 if r.meta["label"] == "correct" else 0) for r in sb)
