"""Parse question-and-answer documents into sections, retrieval chunks and bank questions.

Two layouts are understood: the seed article's ``【一】…【二十四】`` sections (with its numbered table
of contents), and plain Markdown where each ``#``/``##`` heading is a question and its body the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from interviewer.knowledge.bank import section_number
from interviewer.knowledge.keypoints import derive_key_points
from interviewer.knowledge.models import Bilingual, Chunk, Question, SourceRef
from interviewer.language.text import detect_language, split_sentences

SOURCE_SUFFIXES = (".md", ".markdown", ".txt")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_TOC_ENTRY = re.compile(r"^\s*(\d{1,3})[.、．]\s*(.+?)\s*$")
_SECTION_TITLE = re.compile(r"^(?:#+\s*)?【[^】]+】\s*")
_SENTENCE_END = re.compile(r"[。！？!?.：:；;，,、）)]$")
# Editor's notes record where a cleaned text departs from its scraped original (a "> 校正：…" line after each
# correction, "（公式补全）" after a formula the scrape lost, corpus/CORRECTIONS.md). They are for maintainers: a
# reader of a passage never saw the original, so they stay out of chunks and derived references.
_EDITOR_NOTE = re.compile(r"^>\s*(?:校正|Correction)\s*[：:]", re.IGNORECASE)
_EDITOR_MARK = re.compile(r"\s*[（(](?:公式补全|formula restored)[）)]", re.IGNORECASE)


class IngestError(ValueError):
    """A document cannot be read or holds no question; the message says which and why."""


@dataclass
class Section:
    """One question of a document: its heading and the body lines that answer it."""

    title: str
    start_line: int
    end_line: int
    number: int | None = None
    # (1-based line number, text) of every body line, blank ones included.
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def body(self) -> str:
        paragraphs: list[str] = []
        current: list[str] = []
        for _, text in self.lines:
            line = _EDITOR_MARK.sub("", text.strip())
            if not line or _EDITOR_NOTE.match(line):
                if current:
                    paragraphs.append(" ".join(current))
                    current = []
                continue
            current.append(_strip_markdown(line))
        if current:
            paragraphs.append(" ".join(current))
        return "\n".join(p for p in paragraphs if p)


@dataclass
class Document:
    path: Path
    title: str
    sections: list[Section]
    toc: dict[int, str] = field(default_factory=dict)


def _strip_markdown(line: str) -> str:
    line = re.sub(r"^>\s?", "", line)
    line = re.sub(r"^#{1,6}\s+", "", line)
    line = re.sub(r"\*\*(.+?)\*\*", r"\1", line)
    return line.strip()


def read_source(path: Path) -> str:
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise IngestError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e


def parse_document(path: Path, text: str | None = None) -> Document:
    """Split a document into its question sections."""
    text = read_source(path) if text is None else text
    lines = text.splitlines()
    if any(section_number(line) is not None for line in lines):
        return _parse_numbered(path, lines)
    return _parse_markdown(path, lines)


def _parse_numbered(path: Path, lines: list[str]) -> Document:
    sections: list[Section] = []
    toc: dict[int, str] = {}
    title = ""
    for i, line in enumerate(lines, start=1):
        n = section_number(line)
        if n is not None:
            heading = _SECTION_TITLE.sub("", line.strip()).strip() or toc.get(n, "")
            sections.append(Section(title=heading, start_line=i, end_line=i, number=n))
            continue
        if sections:
            sections[-1].lines.append((i, line))
            if line.strip():
                sections[-1].end_line = i
            continue
        # Before the first section: the document title and the numbered table of contents.
        stripped = line.strip()
        if not title and stripped:
            title = _strip_markdown(stripped)
        m = _TOC_ENTRY.match(line)
        if m:
            toc[int(m.group(1))] = m.group(2)
    for s in sections:
        if not s.title and s.number in toc:
            s.title = toc[s.number]
    return Document(path=path, title=title or path.stem, sections=sections, toc=toc)


def _parse_markdown(path: Path, lines: list[str]) -> Document:
    headings = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines, 1) if (m := _MD_HEADING.match(line))]
    title = path.stem
    if not headings:
        section = Section(title=path.stem, start_line=1, end_line=len(lines))
        section.lines = list(enumerate(lines, start=1))
        return Document(path=path, title=title, sections=[section] if section.body else [])
    levels = sorted({lvl for _, lvl, _ in headings})
    # Questions sit at the shallowest level that repeats: a lone "# Title" above "## Q" headings is the title.
    level = next((lvl for lvl in levels if sum(1 for _, h, _ in headings if h == lvl) >= 2), levels[0])
    sections: list[Section] = []
    for i, line in enumerate(lines, start=1):
        m = _MD_HEADING.match(line)
        if m and len(m.group(1)) == level:
            sections.append(Section(title=m.group(2).strip(), start_line=i, end_line=i))
            continue
        if m and len(m.group(1)) < level:
            if not sections:
                title = m.group(2).strip()
            continue
        if sections:
            sections[-1].lines.append((i, line))
            if line.strip():
                sections[-1].end_line = i
    return Document(path=path, title=title, sections=[s for s in sections if s.body])


def _is_subheading(line: str) -> bool:
    """Markdown sub-headings, and in plain text the short unpunctuated lines scraped pages use as headings."""
    stripped = line.strip()
    if _MD_HEADING.match(stripped):
        return True
    return (
        0 < len(stripped) <= 24
        and not _SENTENCE_END.search(stripped)
        and not stripped.startswith((">", "-", "*", "$"))
    )


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        if out and (out[-1].isascii() and out[-1].isalnum() or out[-1] in ".,;:!?)") and p[:1].isascii():
            out += " "
        out += p
    return out


def chunk_document(doc: Document, file: str, chunk_chars: int = 300, overlap: int = 1) -> list[Chunk]:
    """Sentence-aware chunks of about ``chunk_chars`` characters; consecutive chunks share ``overlap`` sentences."""
    chunks: list[Chunk] = []
    for s_idx, section in enumerate(doc.sections, start=1):
        label = f"【{section.number}】{section.title}" if section.number is not None else section.title
        sub = ""
        units: list[tuple[int, str]] = []
        for line_no, raw in section.lines:
            line = _EDITOR_MARK.sub("", raw.strip())
            if not line or _EDITOR_NOTE.match(line):
                continue
            if _is_subheading(line):
                # A sub-heading closes the chunks of the text before it, which are titled with the previous one.
                _pack(units, chunks, file, section, s_idx, label, sub, chunk_chars, overlap)
                units = []
                sub = _strip_markdown(line)
                continue
            for span in split_sentences(_strip_markdown(line)):
                units.append((line_no, span.text))
        _pack(units, chunks, file, section, s_idx, label, sub, chunk_chars, overlap)
    return chunks


def _pack(
    units: list[tuple[int, str]],
    out: list[Chunk],
    file: str,
    section: Section,
    s_idx: int,
    label: str,
    sub: str,
    chunk_chars: int,
    overlap: int,
) -> None:
    if not units:
        return
    title = f"{label} / {sub}" if sub else label
    start = 0
    while start < len(units):
        end, size = start, 0
        while end < len(units) and (end == start or size + len(units[end][1]) <= chunk_chars):
            size += len(units[end][1])
            end += 1
        piece = units[start:end]
        key = section.number if section.number is not None else s_idx
        out.append(
            Chunk(
                id=f"{Path(file).stem}#{key}.{sum(1 for c in out if c.section == str(key)) + 1}",
                text=_join([t for _, t in piece]),
                file=file,
                start_line=piece[0][0],
                end_line=piece[-1][0],
                section=str(key),
                title=title,
            )
        )
        if end >= len(units):
            break
        start = max(end - overlap, start + 1)


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text.lower()).strip("-")
    return slug or "imported"


def document_questions(doc: Document, file: str, topic: str | None = None) -> list[Question]:
    """Bank questions from a document: each section's heading is the question, its body the reference answer."""
    topic = topic or _slug(Path(file).stem)
    questions: list[Question] = []
    for idx, section in enumerate(doc.sections, start=1):
        reference = section.body
        if not reference.strip():
            continue
        qid = f"{topic}-{section.number if section.number is not None else idx:02d}"
        q_lang = detect_language(section.title)
        r_lang = detect_language(reference)
        questions.append(
            Question(
                id=qid,
                topic=topic,
                difficulty=2,
                question=Bilingual(**{q_lang: section.title}),
                reference=Bilingual(**{r_lang: reference}),
                key_points=derive_key_points(reference, qid, question=section.title),
                source=SourceRef(file=file, lines=(section.start_line, max(section.end_line, section.start_line))),
            )
        )
    return questions


def source_files(sources_dir: Path) -> list[Path]:
    """The documents to index: text and Markdown files directly under ``sources_dir``.

    ``original/`` is kept for provenance and not indexed.
    """
    if not sources_dir.is_dir():
        return []
    return sorted(p for p in sources_dir.iterdir() if p.is_file() and p.suffix in SOURCE_SUFFIXES)
