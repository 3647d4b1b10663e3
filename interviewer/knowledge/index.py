"""FAISS indexes over chunks, key points and questions, persisted with a manifest and rebuilt when stale."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from interviewer.embeddings import Embedder, Kind, model_slug
from interviewer.embeddings.base import SYMMETRIC
from interviewer.knowledge.bank import Bank
from interviewer.knowledge.models import LANGUAGES, Chunk

FORMAT_VERSION = 3
KINDS = ("chunks", "key_points", "questions")
# Which side of an asymmetric model each kind is encoded as. Chunks are passages a search text
# retrieves. Key points and questions are compared with a candidate's sentences (and questions with a
# free-text question), statements of the same kind: they are encoded as SYMMETRIC, like those sentences.
ENCODE_AS: dict[str, Kind] = {"chunks": "passage", "key_points": SYMMETRIC, "questions": SYMMETRIC}
HNSW_NEIGHBOURS = 32


def chunk_embedding_text(chunk: Chunk) -> str:
    """What a chunk is embedded as: its heading gives short passages the context they lack."""
    return f"{chunk.title}\n{chunk.text}" if chunk.title else chunk.text


def corpus_hash(chunks: Sequence[Chunk], bank: Bank) -> str:
    h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    for c in chunks:
        h.update(c.model_dump_json().encode())
    for q in bank.questions:
        h.update(q.model_dump_json().encode())
    return h.hexdigest()


def build_faiss(vectors: np.ndarray, ann_threshold: int) -> faiss.Index:
    """Exact inner-product search while small; HNSW from ``ann_threshold`` vectors on.

    See `interviewer bench embed` for where the threshold comes from.
    """
    dim = vectors.shape[1]
    index: faiss.Index
    if len(vectors) >= ann_threshold:
        hnsw = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efSearch = 64
        index = hnsw
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


@dataclass(frozen=True)
class Row:
    """What one vector stands for.

    A chunk id, a (question id, key point id, language) or a (question id, language).
    """

    kind: str
    ref: str
    question_id: str = ""
    lang: str = ""


@dataclass
class Manifest:
    model_id: str
    dim: int
    corpus_hash: str
    counts: dict[str, int]
    index_types: dict[str, str]
    format_version: int = FORMAT_VERSION

    def matches(self, model_id: str, dim: int, chash: str) -> bool:
        return (
            self.format_version == FORMAT_VERSION
            and self.model_id == model_id
            and self.dim == dim
            and self.corpus_hash == chash
        )


class CorpusIndex:
    """The three FAISS indexes and what each row stands for."""

    def __init__(
        self, manifest: Manifest, indexes: dict[str, faiss.Index], rows: dict[str, list[Row]], chunks: list[Chunk]
    ) -> None:
        self.manifest = manifest
        self.indexes = indexes
        self.rows = rows
        self.chunks = chunks
        self._chunk_by_id = {c.id: c for c in chunks}
        self._vectors: dict[str, np.ndarray] = {}

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, embedder: Embedder, chunks: list[Chunk], bank: Bank, ann_threshold: int = 20000) -> CorpusIndex:
        rows: dict[str, list[Row]] = {
            "chunks": [Row("chunks", c.id) for c in chunks],
            "key_points": [],
            "questions": [],
        }
        texts: dict[str, list[str]] = {
            "chunks": [chunk_embedding_text(c) for c in chunks],
            "key_points": [],
            "questions": [],
        }
        for q in bank.questions:
            for lang in LANGUAGES:
                qt = getattr(q.question, lang)
                if qt:
                    rows["questions"].append(Row("questions", q.id, q.id, lang))
                    texts["questions"].append(qt)
            for kp in q.key_points:
                for lang in LANGUAGES:
                    st = getattr(kp.statement, lang)
                    if st:
                        rows["key_points"].append(Row("key_points", kp.id, q.id, lang))
                        texts["key_points"].append(st)
        indexes: dict[str, faiss.Index] = {}
        for kind in KINDS:
            if texts[kind]:
                vecs = embedder.encode(texts[kind], ENCODE_AS[kind])
            else:
                vecs = np.zeros((0, embedder.dim), np.float32)
            indexes[kind] = build_faiss(vecs, ann_threshold)
        manifest = Manifest(
            model_id=embedder.model_id,
            dim=embedder.dim,
            corpus_hash=corpus_hash(chunks, bank),
            counts={k: len(rows[k]) for k in KINDS},
            index_types={k: type(indexes[k]).__name__ for k in KINDS},
        )
        return cls(manifest, indexes, rows, chunks)

    # -- persistence ----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write atomically: a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
        try:
            for kind in KINDS:
                faiss.write_index(self.indexes[kind], str(tmp / f"{kind}.faiss"))
            meta = {
                "rows": {k: [r.__dict__ for r in self.rows[k]] for k in KINDS},
                "chunks": [c.model_dump() for c in self.chunks],
            }
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            (tmp / "manifest.json").write_text(json.dumps(self.manifest.__dict__, indent=2), encoding="utf-8")
            if folder.exists():
                old = folder.with_name(folder.name + ".old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(folder, old)
                os.replace(tmp, folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def read_manifest(folder: Path) -> Manifest | None:
        try:
            return Manifest(**json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    @classmethod
    def load(cls, folder: Path) -> CorpusIndex:
        manifest = cls.read_manifest(folder)
        if manifest is None:
            raise FileNotFoundError(f"no index at {folder}")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        rows = {k: [Row(**r) for r in meta["rows"][k]] for k in KINDS}
        indexes = {k: faiss.read_index(str(folder / f"{k}.faiss")) for k in KINDS}
        chunks = [Chunk(**c) for c in meta["chunks"]]
        return cls(manifest, indexes, rows, chunks)

    @classmethod
    def ensure(
        cls, folder: Path, embedder: Embedder, chunks: list[Chunk], bank: Bank, ann_threshold: int = 20000
    ) -> tuple[CorpusIndex, bool]:
        """Load the index at ``folder``, or (re)build and save it when missing or stale. Returns (index, rebuilt)."""
        chash = corpus_hash(chunks, bank)
        manifest = cls.read_manifest(folder)
        if manifest is not None and manifest.matches(embedder.model_id, embedder.dim, chash):
            try:
                return cls.load(folder), False
            except (OSError, ValueError, KeyError, RuntimeError):
                pass  # a damaged index is rebuilt like a stale one
        index = cls.build(embedder, chunks, bank, ann_threshold)
        index.save(folder)
        return index, True

    # -- queries --------------------------------------------------------------------------
    def search(self, kind: str, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row indices) of the ``k`` nearest rows of ``kind`` for each query vector; -1 pads."""
        index = self.indexes[kind]
        k = min(k, index.ntotal)
        if k == 0:
            n = len(vectors)
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        return index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)

    def vectors(self, kind: str) -> np.ndarray:
        """All vectors of ``kind`` in row order."""
        if kind not in self._vectors:
            index = self.indexes[kind]
            if index.ntotal:
                self._vectors[kind] = index.reconstruct_n(0, index.ntotal)
            else:
                self._vectors[kind] = np.zeros((0, self.manifest.dim), np.float32)
        return self._vectors[kind]

    def chunk(self, chunk_id: str) -> Chunk:
        return self._chunk_by_id[chunk_id]


def index_folder(data_dir: Path, model_id: str) -> Path:
    return data_dir / "index" / model_slug(model_id)
