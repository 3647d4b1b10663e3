"""The in-memory vector cache: repeats are not re-encoded, results equal the backend's, and it stays bounded."""

from __future__ import annotations

import numpy as np
import pytest

from fakes import CountingEmbedder
from interviewer.embeddings import MemoryCachedEmbedder


def test_a_repeated_text_is_encoded_once_and_reads_back_the_same_vector() -> None:
    fake = CountingEmbedder()
    enc = MemoryCachedEmbedder(fake)
    first = enc.encode(["BN normalises.", "Adam adapts."], "query")
    second = enc.encode(["Adam adapts.", "Dropout drops."], "query")
    assert fake.encoded == [("query", "BN normalises."), ("query", "Adam adapts."), ("query", "Dropout drops.")]
    np.testing.assert_allclose(second[0], first[1])
    expected = CountingEmbedder().encode(["Adam adapts.", "Dropout drops."], "query")
    np.testing.assert_allclose(second, expected, atol=1e-6)
    assert enc.misses == 3


def test_the_same_text_in_another_kind_is_another_vector() -> None:
    fake = CountingEmbedder()
    enc = MemoryCachedEmbedder(fake)
    q = enc.encode(["BN"], "query")
    p = enc.encode(["BN"], "passage")
    assert len(fake.encoded) == 2
    assert not np.allclose(q, p)


def test_duplicates_within_one_call_are_encoded_once_and_keep_their_order() -> None:
    fake = CountingEmbedder()
    out = MemoryCachedEmbedder(fake).encode(["a b", "c d", "a b"], "query")
    assert fake.calls == [["a b", "c d"]]
    np.testing.assert_allclose(out[0], out[2])
    assert out.shape == (3, fake.dim)


def test_the_least_recently_used_vectors_leave_first() -> None:
    fake = CountingEmbedder()
    enc = MemoryCachedEmbedder(fake, max_items=2)
    enc.encode(["one"], "query")
    enc.encode(["two"], "query")
    enc.encode(["one"], "query")  # "one" is now the most recent
    enc.encode(["three"], "query")  # "two" leaves
    assert len(enc) == 2
    fake.encoded.clear()
    enc.encode(["one", "two"], "query")
    assert fake.encoded == [("query", "two")]


def test_a_cache_of_no_items_is_refused() -> None:
    with pytest.raises(ValueError, match="max_items"):
        MemoryCachedEmbedder(CountingEmbedder(), max_items=0)
