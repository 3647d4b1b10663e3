"""The loaded knowledge of the service: question bank, source chunks, embedder and index, with search."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from interviewer.embeddings import Embedder, cached, load_embedder
from interviewer.embeddings.pooling import WHOLE_CHARS, pooled_vector
from interviewer.knowledge.bank import Bank, load_bank
from interviewer.knowledge.index import CorpusIndex, index_folder
from interviewer.knowledge.ingest import chunk_document, parse_document, source_files
from interviewer.knowledge.models import Chunk, Question
from interviewer.language.normalize import encoder_text
from interviewer.language.units import answer_units
from interviewer.settings import Settings, get_settings

# How much the best-matching bank question of a section lifts that section's chunks. Question
# texts exist in both languages, so this is what carries an English query to a Chinese passage.
# 0.75 rather than 0.5 since the bilingual notes joined the Chinese seed article: at 0.5 an English query about
# BN at train and test time found the dropout note's train/test passage first (tests/knowledge/test_corpus.py).
QUESTION_BOOST = 0.75
# Queries up to this long are encoded as one sequence (questions are); longer ones, by pieces.
SHORT_QUERY_CHARS = 240
# A source section: (None, N) for the seed article's 【N】, (file, section) for the sections of a note.
SectionKey = tuple[str | None, str]


@dataclass(frozen=True)
class SearchHit:
    chunk: Chunk
    score: float

    def as_dict(self) -> dict[str, object]:
        c = self.chunk
        return {
            "id": c.id,
            "score": round(float(self.score), 4),
            "file": c.file,
            "start_line": c.start_line,
            "end_line": c.end_line,
            "section": c.section,
            "title": c.title,
            "text": c.text,
        }


@dataclass
class QuestionMatch:
    question: Question
    score: float


def load_chunks(sources_dir: Path, chunk_chars: int = 300, overlap: int = 1) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path in source_files(sources_dir):
        chunks.extend(chunk_document(parse_document(path), path.name, chunk_chars, overlap))
    return chunks


@dataclass
class Corpus:
    bank: Bank
    chunks: list[Chunk]
    embedder: Embedder
    index: CorpusIndex
    # The embedder behind the on-disk cache: for corpus-like texts (key points derived from references),
    # which recur; candidates' answers go to ``embedder`` directly.
    encoder: Embedder | None = None
    rebuilt: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A loaded corpus never changes, and reports ask the same questions again and again; each search
        # otherwise encodes its query.
        self._search_cached = lru_cache(maxsize=4096)(self._search)

    @classmethod
    def load(cls, settings: Settings | None = None, embedder: Embedder | None = None) -> Corpus:
        """Read the bank and sources, load the embedder and make sure the index is current."""
        s = settings or get_settings()
        t0 = time.perf_counter()
        bank = load_bank(s.bank_dir) if s.bank_dir.exists() else Bank()
        chunks = load_chunks(s.sources_dir, s.chunk_chars, s.chunk_overlap)
        t1 = time.perf_counter()
        if embedder is None:
            embedder = load_embedder(s.embedding_backend, s.embedding_model, s.embedding_threads)
        enc = cached(embedder, s.data_dir, s.shipped_vectors)
        t2 = time.perf_counter()
        index, rebuilt = CorpusIndex.ensure(index_folder(s.data_dir, enc.model_id), enc, chunks, bank, s.ann_threshold)
        t3 = time.perf_counter()
        return cls(
            bank=bank,
            chunks=chunks,
            embedder=embedder,
            index=index,
            encoder=enc,
            rebuilt=rebuilt,
            timings={"parse_s": t1 - t0, "model_load_s": t2 - t1, "index_s": t3 - t2},
        )

    @property
    def topics(self) -> dict[str, object]:
        return dict(self.bank.topics)

    def stats(self) -> dict[str, int]:
        return {
            "questions": len(self.bank),
            "key_points": self.bank.key_point_count,
            "topics": len({q.topic for q in self.bank}),
            "chunks": len(self.chunks),
        }

    def _section_of(self, question: Question) -> SectionKey | None:
        """The source section that answers ``question``: a numbered section of the seed article (any file), or
        the section of the question's own source note holding its source lines."""
        topic = self.bank.topics.get(question.topic)
        if topic is not None and topic.section is not None:
            return (None, str(topic.section))
        src = question.source
        if src is None:
            return None
        for c in self.chunks:
            if c.file == src.file and c.start_line <= src.lines[1] and src.lines[0] <= c.end_line:
                return (c.file, c.section)
        return None

    @cached_property
    def _noted_files(self) -> frozenset[str]:
        """Source files whose sections are keyed by file (the project's notes): their section numbers are
        their own, not the seed article's."""
        keys = (self._section_of(q) for q in self.bank)
        return frozenset(k[0] for k in keys if k is not None and k[0] is not None)

    def _boost_of(self, chunk: Chunk, boost: dict[SectionKey, float]) -> float:
        if chunk.file in self._noted_files:
            return boost.get((chunk.file, chunk.section), 0.0)
        return boost.get((None, chunk.section), 0.0)

    def search(self, text: str, k: int = 5) -> list[SearchHit]:
        """The ``k`` source passages that best answer ``text`` (Chinese or English)."""
        if not text.strip():
            raise ValueError("the search text is empty")
        if not self.chunks:
            return []
        return list(self._search_cached(text, k))

    def query_vector(self, text: str) -> np.ndarray:
        """``text`` encoded as a query, shape (1, dim); a long one as the pooled vectors of its bounded pieces,
        so that its cost grows with its length and not with the square of it; what the encoder reads of each is
        :func:`encoder_text`, as for answers."""
        if len(text) <= SHORT_QUERY_CHARS:
            return self.embedder.encode([encoder_text(text)], "query")
        pieces = [u for u in answer_units(text[:WHOLE_CHARS]) if u.kind == "sentence"]
        vectors = self.embedder.encode([encoder_text(p.text) for p in pieces], "query") if pieces else None
        pooled = pooled_vector(pieces, vectors) if vectors is not None else None
        if pooled is None:
            return self.embedder.encode([encoder_text(text[:SHORT_QUERY_CHARS])], "query")
        return pooled[None, :]

    def _search(self, text: str, k: int) -> tuple[SearchHit, ...]:
        qv = self.query_vector(text)
        scores, rows = self.index.search("chunks", qv, len(self.chunks))
        boost = self._section_boost(qv)
        hits: list[SearchHit] = []
        for s, r in zip(scores[0], rows[0], strict=True):
            if r < 0:
                continue
            chunk = self.index.chunk(self.index.rows["chunks"][r].ref)
            hits.append(SearchHit(chunk, float(s) + QUESTION_BOOST * self._boost_of(chunk, boost)))
        hits.sort(key=lambda h: -h.score)
        return tuple(hits[:k])

    def _section_boost(self, qv: np.ndarray) -> dict[SectionKey, float]:
        """Per source section: how much better its best bank question matches than the field (0 for the rest)."""
        if self.index.indexes["questions"].ntotal == 0:
            return {}
        scores, rows = self.index.search("questions", qv, self.index.indexes["questions"].ntotal)
        best: dict[SectionKey, float] = {}
        for s, r in zip(scores[0], rows[0], strict=True):
            q = self.bank.get(self.index.rows["questions"][r].question_id)
            sec = self._section_of(q) if q is not None else None
            if sec is not None and sec not in best:
                best[sec] = float(s)
        if not best:
            return {}
        floor = float(np.median(list(best.values())))
        return {sec: max(0.0, s - floor) for sec, s in best.items()}

    def match_question(self, text: str, k: int = 1) -> list[QuestionMatch]:
        """The bank questions closest to a free-text question, with their cosine similarity."""
        if not text.strip():
            raise ValueError("the question text is empty")
        qv = self.query_vector(text)
        n = self.index.indexes["questions"].ntotal
        scores, rows = self.index.search("questions", qv, n)
        seen: dict[str, float] = {}
        for s, r in zip(scores[0], rows[0], strict=True):
            qid = self.index.rows["questions"][r].question_id
            if qid not in seen:
                seen[qid] = float(s)
        out = [QuestionMatch(q, s) for qid, s in seen.items() if (q := self.bank.get(qid)) is not None]
        return out[:k]
