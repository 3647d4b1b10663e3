"""The corpus reads as text written for a reader: no notes about the scrape (missing figures, captions) and no TeX
the scrape rendered twice, in the cleaned sources or anywhere the bank shows a candidate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer import load_bank
from interviewer.knowledge.ingest import chunk_document, parse_document, source_files
from interviewer.language.math import split_math
from paths import REPO

SOURCES = REPO / "corpus" / "sources"
# Notes about what the scrape lost: "（原文配图取 a = 0.5，图未保留）", "（图略）", "如下图所示" with no figure.
SCRAPE_NOTE = re.compile(r"配图|未保留|图略|[如见][下上]图|[下上]图所示|图片说明|点击查看|\balt\b")
# TeX rendered twice by KaTeX ("gt,ig_{t,i}", "θi\theta_{i}"), or its digits run together ("111*1" for 1×1).
RUN_TOGETHER = re.compile(r"\b(\d)\1\1\*\1\b|(\d)×\2\2\\times")
TEX_OUTSIDE_MATH = re.compile(r"\\[A-Za-z]+|[_^]\{")
# TeX commands outside a formula: the bank writes plain notation (θ_{t-1}, e^{-x}) on purpose, never commands.
TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
# The editor's own notes on the scraped original quote it on purpose: the preamble's "> 说明：" (before any section,
# so in no passage) and each "> 校正：" (ingest leaves them out of every passage).
EDITOR_NOTE = re.compile(r"^>\s*(?:校正|说明)[：:]")


def _prose(text: str) -> str:
    """``text`` without its formulas and code spans: where TeX has no business."""
    outside = "".join(p.text for p in split_math(text) if p.tex is None)
    return re.sub(r"`[^`]*`", "", outside)


def _source_lines() -> Iterator[tuple[str, int, str]]:
    for path in source_files(SOURCES):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not EDITOR_NOTE.match(line):
                yield path.name, n, line


def _bank_texts() -> Iterator[tuple[str, str]]:
    bank = load_bank(REPO / "corpus" / "bank")
    for q in bank:
        fields = [("question", q.question), ("reference", q.reference)]
        fields += [(f"{kp.id} statement", kp.statement) for kp in q.key_points]
        fields += [(f"{kp.id} probe", kp.probe) for kp in q.key_points]
        for name, text in fields:
            for lang in ("zh", "en"):
                yield f"{q.id} {name} ({lang})", getattr(text, lang)
    for topic in bank.topics.values():
        for lang in ("zh", "en"):
            yield f"topic {topic.id} ({lang})", getattr(topic.title, lang)


def test_the_cleaned_sources_hold_no_note_about_the_scrape() -> None:
    found = [f"{f}:{n}: {line[:80]}" for f, n, line in _source_lines() if SCRAPE_NOTE.search(line)]
    assert not found, "\n".join(found)


def test_the_cleaned_sources_hold_no_doubled_or_stray_tex() -> None:
    found = [
        f"{f}:{n}: {line[:80]}"
        for f, n, line in _source_lines()
        if RUN_TOGETHER.search(line) or TEX_OUTSIDE_MATH.search(_prose(line))
    ]
    assert not found, "\n".join(found)


def test_the_bank_shows_no_note_about_the_scrape_and_no_doubled_tex() -> None:
    found = [
        f"{where}: {text[:80]}"
        for where, text in _bank_texts()
        if SCRAPE_NOTE.search(text) or RUN_TOGETHER.search(text) or TEX_COMMAND.search(_prose(text))
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "line", ["LeakyReLU 的值域（原文配图取 $a = 0.5$，图未保留）。", "（图略）", "gt,ig_{t,i}表示梯度", "111*1 卷积"]
)
def test_the_checks_catch_what_they_are_for(line: str) -> None:
    assert SCRAPE_NOTE.search(line) or RUN_TOGETHER.search(line) or TEX_OUTSIDE_MATH.search(_prose(line))


def test_passages_leave_out_the_editors_notes(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    body = "答案是 $2C$。\n\n> 校正：原文为“m*2”；参数量与 Batch 无关。\n\n$$y = x$$（公式补全）"
    doc.write_text(f"# T\n\n## Q1\n\n{body}\n\n## Q2\n\n别的。\n", encoding="utf-8")
    chunks = chunk_document(parse_document(doc), "doc.md")
    text = " ".join(c.text for c in chunks)
    assert "答案是" in text and "$$y = x$$" in text
    assert "校正" not in text and "原文" not in text and "公式补全" not in text
    seed = " ".join(c.text for c in chunk_document(parse_document(SOURCES / "dl_interview_zh.md"), "x.md"))
    assert "校正" not in seed and "公式补全" not in seed and "原文为" not in seed
