from __future__ import annotations

import pytest

# (Chinese, English) phrasings of the same everyday question, and the seed section that answers it.
PAIRS = [
    ("BN训练和测试有什么区别", "What is the difference between batch norm at training and at test time?", "24"),
    ("转置卷积为什么会产生棋盘效应", "why does transposed convolution cause checkerboard artifacts", "1"),
    ("1×1卷积有什么作用", "What is a 1x1 convolution used for?", "18"),
    ("空洞卷积的作用是什么", "What is dilated convolution for?", "20"),
    ("Adam优化器的原理", "How does the Adam optimizer work?", "5"),
    ("如何提高GAN训练的稳定性", "How can GAN training be stabilised?", "6"),
    ("ReLU激活函数有什么优缺点", "What are the pros and cons of ReLU?", "10"),
    ("分组卷积如何减少参数量", "How does group convolution reduce parameters?", "12"),
]


@pytest.mark.parametrize("zh,en,section", PAIRS, ids=[p[2] for p in PAIRS])
def test_chinese_and_english_queries_find_the_same_passage_first(corpus, zh: str, en: str, section: str) -> None:
    hz = corpus.search(zh, 3)
    he = corpus.search(en, 3)
    assert hz[0].chunk.section == section, [h.chunk.title for h in hz]
    assert he[0].chunk.section == section, [h.chunk.title for h in he]


# Questions answered by the project's own notes (corpus/sources/notes_*.md), in both languages.
NOTE_PAIRS = [
    ("Transformer的KV cache是什么", "What is the KV cache in a transformer?", "notes_transformers.md"),
    ("为什么Dropout训练和测试不同", "Why does dropout behave differently at test time?", "notes_dropout_init.md"),
    ("什么是label smoothing", "What is label smoothing?", "notes_losses_calibration.md"),
    ("梯度累积怎么做", "How does gradient accumulation work?", "notes_training_at_scale.md"),
    ("扩散模型的前向过程", "What is the forward process of a diffusion model?", "notes_generative_models.md"),
]


@pytest.mark.parametrize("zh,en,note", NOTE_PAIRS, ids=[p[2] for p in NOTE_PAIRS])
def test_queries_on_modern_topics_find_the_projects_notes(corpus, zh: str, en: str, note: str) -> None:
    for query in (zh, en):
        assert corpus.search(query, 1)[0].chunk.file == note, query


def test_hits_carry_their_location(corpus) -> None:
    hit = corpus.search("BN层的参数量", 1)[0]
    assert hit.chunk.file == "dl_interview_zh.md"
    assert 1 <= hit.chunk.start_line <= hit.chunk.end_line
    assert hit.as_dict()["start_line"] == hit.chunk.start_line


def test_empty_search_is_refused(corpus) -> None:
    with pytest.raises(ValueError, match="empty"):
        corpus.search("   ")


def test_free_text_question_matches_the_bank(corpus) -> None:
    if not len(corpus.bank):
        pytest.skip("no question bank")
    best = corpus.match_question("How many learnable parameters does a BN layer have?")[0]
    assert best.question.topic == "batch-norm" and best.score > 0.8


def test_a_long_query_is_encoded_by_bounded_pieces_of_its_opening(corpus) -> None:
    """A 2,000-character query in one sequence took 1.1 s; its cost must grow with length, not its square."""
    import dataclasses

    from interviewer.embeddings.pooling import WHOLE_CHARS
    from interviewer.language.units import MAX_UNIT_CHARS

    seen: list[list[str]] = []

    class Recording:
        def __getattr__(self, name: str):
            return getattr(corpus.embedder, name)

        def encode(self, texts, kind="passage"):
            seen.append(list(texts))
            return corpus.embedder.encode(texts, kind)

    recording = dataclasses.replace(corpus, embedder=Recording())
    long = "BN在训练时用mini-batch的统计量，测试时用滑动平均的全局统计量" * 60  # 2,000+ characters, no sentence end
    hits = recording.search(long, 3)
    assert hits and seen
    texts = [t for call in seen for t in call]
    assert all(len(t) <= MAX_UNIT_CHARS for t in texts) and sum(map(len, texts)) <= WHOLE_CHARS
    # A short query is still encoded as it is.
    seen.clear()
    recording.search("BN训练和测试有什么区别", 3)
    assert seen == [["BN训练和测试有什么区别"]]
