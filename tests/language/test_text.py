from __future__ import annotations

from interviewer.language.text import detect_language, split_clauses, split_sentences


def test_sentences_keep_exact_offsets() -> None:
    text = "BN在训练时用batch统计量。测试时用滑动平均！Then it is fixed. 3.14 is not a break; ok"
    spans = split_sentences(text)
    assert [s.text for s in spans] == [
        "BN在训练时用batch统计量。",
        "测试时用滑动平均！",
        "Then it is fixed.",
        "3.14 is not a break; ok",
    ]
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_list_items_and_lines_split() -> None:
    text = "优点：\n1. 收敛快\n2. 可用大学习率\n- item three"
    assert [s.text for s in split_sentences(text)] == ["优点：", "1. 收敛快", "2. 可用大学习率", "- item three"]


def test_clauses_split_at_semicolons_with_offsets() -> None:
    text = "前言。均值为0；方差为1; scale and shift"
    sent = split_sentences(text)[1]
    clauses = split_clauses(sent)
    assert [c.text for c in clauses] == ["均值为0；", "方差为1;", "scale and shift"]
    for c in clauses:
        assert text[c.start : c.end] == c.text


def test_detect_language() -> None:
    assert detect_language("BN层的作用是什么") == "zh"
    assert detect_language("What does BN do?") == "en"
    assert detect_language("用 momentum 的 SGD") == "zh"
