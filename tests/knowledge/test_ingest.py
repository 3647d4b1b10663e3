from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.knowledge.ingest import IngestError, chunk_document, document_questions, parse_document, source_files
from interviewer.knowledge.keypoints import derive_key_points, split_claims
from paths import DATA, REPO

ORIGINAL = REPO / "corpus" / "sources" / "original" / "dl_interview_zh.txt"
CLEANED = REPO / "corpus" / "sources" / "dl_interview_zh.md"


@pytest.mark.parametrize("path", [ORIGINAL, CLEANED], ids=["original", "cleaned"])
def test_seed_has_24_sections_in_order(path: Path) -> None:
    doc = parse_document(path)
    assert [s.number for s in doc.sections] == list(range(1, 25))
    assert "棋盘效应" in doc.sections[0].title
    assert "BN" in doc.sections[23].title


def test_table_of_contents_is_read() -> None:
    doc = parse_document(ORIGINAL)
    assert len(doc.toc) == 24
    assert doc.toc[24].startswith("BN层")


@pytest.mark.parametrize("path", [ORIGINAL, CLEANED], ids=["original", "cleaned"])
def test_chunks_point_at_the_lines_they_came_from(path: Path) -> None:
    doc = parse_document(path)
    chunks = chunk_document(doc, path.name, chunk_chars=300, overlap=1)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(chunks) > 24
    for c in chunks:
        span = "".join(lines[c.start_line - 1 : c.end_line])
        # Every sentence's first characters occur in the cited lines (markup aside).
        assert c.text[:6].replace(" ", "") in span.replace(" ", "").replace("**", ""), c.id
        assert c.file == path.name
    assert max(len(c.text) for c in chunks) < 800
    # Consecutive chunks of a section overlap by one sentence.
    same = [(a, b) for a, b in zip(chunks, chunks[1:], strict=False) if a.section == b.section and a.title == b.title]
    assert same and any(b.text[:10] in a.text for a, b in same)


def test_cleaned_source_marks_its_corrections() -> None:
    text = CLEANED.read_text(encoding="utf-8")
    assert "校正" in text and "2C" in text
    body = "\n".join(line for line in text.splitlines() if not line.startswith("> 校正"))
    assert "111*1" not in body and "PB算法" not in body


def test_markdown_import_makes_questions_with_key_points() -> None:
    path = DATA / "small_corpus" / "sources" / "notes.md"
    doc = parse_document(path)
    assert [s.title for s in doc.sections] == ["What does dropout do?", "为什么使用残差连接？"]
    qs = document_questions(doc, "notes.md", "notes")
    assert [q.id for q in qs] == ["notes-01", "notes-02"]
    assert qs[0].question.en == "What does dropout do?" and qs[0].question.zh == ""
    assert qs[1].reference.zh.startswith("残差连接")
    assert qs[0].source is not None and qs[0].source.lines == (3, 6)
    assert 2 <= len(qs[0].key_points) <= 8
    assert all(kp.statement.all() for q in qs for kp in q.key_points)


def test_claims_split_on_sentences_semicolons_and_lists_and_merge_short_ones() -> None:
    claims = [
        c.text for c in split_claims("BN的作用：\n1. 加快收敛；2. 允许更大的学习率。\n它还有轻微的正则化效果。好。")
    ]
    assert claims[0] == "BN的作用：加快收敛"  # the heading gives the list items their context
    assert any("学习率" in c for c in claims)
    assert not any(c.endswith("：好。") for c in claims)  # too short to stand alone: merged
    points = derive_key_points(
        "Dropout zeroes random units; it reduces overfitting. At test time nothing is dropped.", "q"
    )
    assert [p.id for p in points] == ["q.kp1", "q.kp2", "q.kp3"]
    assert points[0].statement.en.startswith("Dropout zeroes") and points[0].probe.en


def test_enumerations_become_one_key_point_per_item() -> None:
    claims = split_claims("管道运输的优缺点：优点——运费低、可靠性高和持续性长。缺点——产品单一、要大量运输。")
    assert [c.focus for c in claims] == ["运费低", "可靠性高", "持续性长", "产品单一", "要大量运输"]
    assert claims[0].text == "管道运输的优缺点：优点：运费低"
    framed = split_claims("条码符号是由两侧空白区、起始字符、数据字符和终止字符组成。")
    assert [c.focus for c in framed] == ["两侧空白区", "起始字符", "数据字符", "终止字符"]
    assert [c.focus for c in split_claims("一般包括保管员、理货员、商品养护员等岗位。")] == [
        "保管员",
        "理货员",
        "商品养护员",
    ]
    # An English sentence with a comma is one claim, not a list.
    assert [c.text for c in split_claims("The water was evaporated, leaving the salt.")] == [
        "The water was evaporated, leaving the salt."
    ]
    points = derive_key_points("Forces include gravity, friction and magnetism.", "f")
    assert [p.focus for p in points] == ["gravity", "friction", "magnetism"]


def test_no_question_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        parse_document(tmp_path / "missing.md")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# T\n\xff\xfe")
    with pytest.raises(IngestError, match="UTF-8"):
        parse_document(bad)


def test_only_top_level_sources_are_indexed() -> None:
    names = [p.name for p in source_files(REPO / "corpus" / "sources")]
    assert names[0] == "dl_interview_zh.md" and "dl_interview_zh.txt" not in names  # original/ is provenance only
    assert {n for n in names[1:] if n.startswith("notes_")} == set(names[1:])  # the project's own notes
