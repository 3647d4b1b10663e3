"""How an answer is cut into units: bounded pieces for unpunctuated walls of text."""

from __future__ import annotations

from interviewer.language.units import MAX_UNIT_CHARS, MAX_UNITS, answer_units


def test_ordinary_sentences_clauses_and_windows() -> None:
    units = answer_units("BN训练时用batch统计量。测试时用全局统计量。")
    assert [u.kind for u in units] == ["sentence", "sentence", "window"]


def test_an_unbroken_run_is_cut_into_bounded_pieces_that_point_into_the_answer() -> None:
    for text in ("统" * 5000, "word " * 1000, "a" * 170):
        units = answer_units(text)
        assert units and len(units) <= MAX_UNITS
        assert all(len(u.text) <= MAX_UNIT_CHARS and text[u.start : u.end] == u.text for u in units)
    # Cut at a space when there is one, so words stay whole.
    assert all(u.text.endswith("word") for u in answer_units("word " * 1000) if u.kind == "sentence")
