"""Term matching: the words that make a key point are found in any language, and only where they mean it."""

from __future__ import annotations

import pytest

from interviewer.language.lexical import find_alias, term_coverage

FOUND = [
    (["saturat"], "sigmoid saturates for large inputs"),
    (["saturat"], "the saturation region"),
    (["generaliz"], "SGD generalizes better"),
    (["initiali"], "less sensitive to initialization"),
    (["shar"], "weight sharing across positions"),
    (["layer"], "stacking several layers"),
    (["upsampl"], "learnable upsampling"),
    (["GAN"], "GANs are hard to train"),
    (["BN"], "BN's parameters"),
    (["linear"], "a linear map"),
    (["linear"], "it grows linearly"),
    (["线性"], "多层线性变换"),
    (["小"], "感受野更小"),
    (["小"], "变小了"),
    (["18C"], "两层 3×3 共 18C² 个参数"),
    (["不可逆"], "一般不可逆"),
    (["batch size"], "a larger batch-size"),
]

NOT_FOUND = [
    (["linear"], "a non-linear activation"),
    (["linear"], "nonlinear"),
    (["linear"], "non linear"),
    (["normaliz"], "un-normalized inputs"),
    (["线性"], "引入非线性"),
    (["可逆"], "卷积不可逆"),
    (["均匀"], "不均匀重叠"),
    (["小"], "特征图的大小"),
    (["IN"], "training"),
    (["BN"], "bn"),  # short all-caps aliases are case-sensitive
    (["18C"], "ResNet-18"),
    (["lr"], "lrn layer"),
]


@pytest.mark.parametrize(("aliases", "text"), FOUND)
def test_aliases_match_inflected_and_contained_forms(aliases: list[str], text: str) -> None:
    assert find_alias(aliases, text) is not None


@pytest.mark.parametrize(("aliases", "text"), NOT_FOUND)
def test_negated_or_containing_words_do_not_count(aliases: list[str], text: str) -> None:
    assert find_alias(aliases, text) is None


def test_a_later_plain_occurrence_still_counts() -> None:
    m = find_alias(["linear"], "not non-linear but linear")
    assert m is not None and m.start() == len("not non-linear but ")


def test_term_coverage_is_the_share_of_groups_found() -> None:
    groups = [["kernel", "卷积核"], ["stride", "步长"], ["divisible", "整除"]]
    assert term_coverage(groups, "kernel size not divisible by the stride") == 1.0
    assert term_coverage(groups, "卷积核大小和步长") == pytest.approx(2 / 3)
    assert term_coverage([], "anything") == 1.0
