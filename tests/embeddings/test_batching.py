"""The encoder thread: concurrent callers share backend calls, each gets its own rows, errors reach them all."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from fakes import CountingEmbedder
from interviewer.embeddings import BatchingEmbedder, Embedder, EmbedderError, Kind


class GatedEmbedder(CountingEmbedder):
    """Holds its first call until released, so that other callers queue up behind it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(10)
        return super()._encode(texts, kind)


def test_one_caller_gets_what_the_backend_gives() -> None:
    fake = CountingEmbedder()
    enc = BatchingEmbedder(fake, window_ms=0)
    try:
        out = enc.encode(["BN normalises.", "Adam adapts."], "query")
    finally:
        enc.close()
    np.testing.assert_allclose(out, CountingEmbedder().encode(["BN normalises.", "Adam adapts."], "query"), atol=1e-6)
    assert (enc.batches, enc.requests) == (1, 1)


def test_callers_that_arrive_while_the_encoder_is_busy_share_one_call() -> None:
    fake = GatedEmbedder()
    enc = BatchingEmbedder(fake, window_ms=0)
    texts = [[f"sentence {i}", "shared sentence"] for i in range(6)]
    try:
        with ThreadPoolExecutor(7) as pool:
            blocker = pool.submit(enc.encode, ["first"], "query")
            assert fake.entered.wait(10)
            waiting = [pool.submit(enc.encode, t, "query") for t in texts]
            while enc.pending < len(texts):  # all six are queued behind the first call
                threading.Event().wait(0.001)
            fake.release.set()
            results = [f.result(10) for f in waiting]
            blocker.result(10)
    finally:
        enc.close()
    assert fake.calls[0] == ["first"]
    # The six queued requests went out together, the sentence they share once.
    assert len(fake.calls) == 2
    assert sorted(fake.calls[1]) == sorted({t for ts in texts for t in ts})
    for t, out in zip(texts, results, strict=True):
        np.testing.assert_allclose(out, CountingEmbedder().encode(t, "query"), atol=1e-6)


def test_kinds_are_encoded_apart() -> None:
    fake = GatedEmbedder()
    enc = BatchingEmbedder(fake, window_ms=0)
    try:
        with ThreadPoolExecutor(3) as pool:
            pool.submit(enc.encode, ["first"], "query")
            assert fake.entered.wait(10)
            q = pool.submit(enc.encode, ["BN"], "query")
            p = pool.submit(enc.encode, ["BN"], "passage")
            while enc.pending < 2:
                threading.Event().wait(0.001)
            fake.release.set()
            np.testing.assert_allclose(q.result(10), CountingEmbedder().encode(["BN"], "query"), atol=1e-6)
            np.testing.assert_allclose(p.result(10), CountingEmbedder().encode(["BN"], "passage"), atol=1e-6)
    finally:
        enc.close()
    assert fake.calls[1:] == [["BN"], ["BN"]]


class FailingEmbedder(Embedder):
    model_id = "fake/failing"
    dim = 4

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        raise EmbedderError("the model fell over")


def test_a_backend_error_reaches_the_caller_and_the_worker_keeps_serving() -> None:
    enc = BatchingEmbedder(FailingEmbedder(), window_ms=0)
    try:
        for _ in range(2):
            with pytest.raises(EmbedderError, match="fell over"):
                enc.encode(["x"], "query")
    finally:
        enc.close()


def test_after_close_a_caller_gets_an_error_not_a_hang() -> None:
    enc = BatchingEmbedder(CountingEmbedder(), window_ms=1)
    enc.close()
    assert not enc.running
    with pytest.raises(EmbedderError, match="closed"):
        enc.encode(["x"], "query")


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="window_ms"):
        BatchingEmbedder(CountingEmbedder(), window_ms=-1)
    with pytest.raises(ValueError, match="max_texts"):
        BatchingEmbedder(CountingEmbedder(), max_texts=0)
