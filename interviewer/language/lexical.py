"""Word-level evidence: tokens (jieba for Chinese), required terms with aliases, negation."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9+\-]*|\d+(?:\.\d+)?|[\u3400-\u9fff]+|[αβγδεθλμσ]")
_ASCII_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .+\-/]*$")

EN_STOP = frozenset(
    [
        "a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "with", "from", "as", "is", "are", "was", "were",
        "be", "been", "being", "it", "its", "this", "that", "these", "those", "and", "or", "but", "if", "then", "so",
        "than", "too", "very", "can", "could", "will", "would", "should", "may", "might", "must", "do", "does", "did",
        "done", "have", "has", "had", "having", "i", "you", "he", "she", "we", "they", "me", "my", "your", "our",
        "their", "his", "her", "them", "us", "what", "which", "who", "whom", "when", "where", "why", "how", "all",
        "any", "both", "each", "few", "more", "most", "other", "some", "such", "only", "own", "same", "just", "also",
        "into", "over", "under", "about", "up", "down", "out", "off", "again", "further", "once", "there", "here",
        "because", "while", "during", "before", "after", "above", "below", "between", "through", "until", "against",
        "not", "no", "nor", "yes",
    ]
)
ZH_STOP = frozenset(
    [
        "的", "了", "是", "在", "和", "与", "及", "或", "就", "也", "都", "而", "把", "被", "对", "于", "以", "为",
        "之", "其", "这", "那", "个", "等", "中", "上", "下", "着", "吧", "呢", "啊", "吗", "一个", "一种", "我们",
        "可以", "进行", "通过", "使用", "使得", "用", "会", "能", "来", "去", "到",
    ]
)

_NEGATION_EN = re.compile(
    r"\b(?:not|no|never|none|nothing|neither|nor|cannot|can't|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|won't|"
    r"wouldn't|shouldn't|without|fails? to|unable)\b",
    re.IGNORECASE,
)
_NEGATION_ZH = re.compile(r"不|没有|没|无法|无须|无需|并非|非|未|别|勿|否")
# Pairs of opposite words: an answer that swaps one for the other says the opposite with the same vocabulary.
ANTONYMS = [
    ("increase", "decrease"), ("increases", "decreases"), ("increased", "decreased"), ("more", "less"),
    ("higher", "lower"), ("larger", "smaller"), ("bigger", "smaller"), ("greater", "less"), ("faster", "slower"),
    ("gain", "lose"), ("heat", "cool"), ("warmer", "cooler"), ("open", "closed"), ("attract", "repel"),
    ("before", "after"), ("same", "different"), ("positive", "negative"), ("up", "down"), ("high", "low"),
    ("large", "small"), ("training", "test"), ("train", "inference"), ("above", "below"), ("series", "parallel"),
    ("增大", "减小"), ("增加", "减少"), ("变大", "变小"), ("提高", "降低"), ("加快", "减慢"), ("上升", "下降"),
    ("大于", "小于"), ("更大", "更小"), ("训练", "测试"), ("训练时", "推理时"), ("前面", "后面"), ("之前", "之后"),
    ("稀疏", "稠密"), ("线性", "非线性"), ("可逆", "不可逆"), ("正", "负"), ("长", "短"), ("高", "低"),
    ("快", "慢"), ("强", "弱"), ("升", "降"), ("增", "减"), ("优点", "缺点"), ("之前", "之后"),
]
_YES_NO = re.compile(r"^\W*(yes|no|是的|是|不是|对|不对|会|不会|能|不能)\b", re.IGNORECASE)
_NO = {"no", "不是", "不对", "不会", "不能"}
_ANTONYM_OF: dict[str, set[str]] = {}
for a, b in ANTONYMS:
    _ANTONYM_OF.setdefault(a, set()).add(b)
    _ANTONYM_OF.setdefault(b, set()).add(a)


def jieba_cut(text: str) -> list[str]:
    """jieba's segmentation of ``text``, typed: jieba ships without type information."""
    words: list[str] = jieba.lcut(text)
    return words


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """Lower-cased content tokens: English words and jieba words, stop words removed."""
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        piece = m.group(0)
        if "\u3400" <= piece[0] <= "\u9fff":
            out.extend(w for w in jieba_cut(piece) if w not in ZH_STOP)
        else:
            w = piece.lower()
            if w not in EN_STOP:
                out.append(_stem(w))
    return tuple(out)


def _stem(word: str) -> str:
    """A light English stemmer: enough to match plurals and -ing/-ed forms."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def token_recall(reference: str, text: str, exclude: str = "") -> float:
    """Share of the reference's distinct content tokens that occur in ``text``.

    Tokens of ``exclude`` (the question) are left out when any remain, so that repeating the question's
    words is not evidence of knowing the answer.
    """
    ref = set(tokens(reference))
    if exclude:
        rest = ref - set(tokens(exclude))
        ref = rest or ref
    if not ref:
        return 0.0
    return len(ref & set(tokens(text))) / len(ref)


# A Latin alias of this many letters or more is a stem: it also matches longer words that begin with it
# ("saturat" -> saturating, saturation; "layer" -> layers). Shorter ones ("BN", "lr") are whole words.
STEM_MIN = 4
# Words that reverse the alias they are joined to: "non-linear" is not "linear", "un-normalised" not
# "normalised". A space counts for "non" only, since "in linear models" is ordinary English.
_LATIN_NEGATED = re.compile(r"(?:\b(?:non|un|anti)-|\bnon\s)$", re.IGNORECASE)
# Characters that negate the Chinese word right after them: "非线性" is not "线性", "不可逆" not "可逆".
_HAN_NEGATORS = frozenset("非不无未没")
# Characters that may join a one-character alias without changing it: "更小", "变小", "较小" are "小",
# "大小" is not.
_HAN_DEGREE = frozenset("更较变越最很太过偏")
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=4096)
def _alias_pattern(alias: str) -> re.Pattern[str]:
    alias = alias.strip()
    escaped = re.escape(alias).replace(r"\ ", r"[\s\-_]*")
    if _ASCII_WORD.match(alias):
        # Latin aliases start at a word boundary, so "IN" is not found inside "training".
        short = len(alias) < STEM_MIN
        flags = 0 if short and alias.isupper() else re.IGNORECASE
        tail = r"(?:s|es|'s)?(?![A-Za-z0-9])" if short or not alias[-1].isalpha() else ""
        return re.compile(rf"(?<![A-Za-z0-9]){escaped}{tail}", flags)
    return re.compile(escaped, re.IGNORECASE)


def _negated(alias: str, text: str, m: re.Match[str]) -> bool:
    """Whether the match at ``m`` is part of a word that reverses or replaces the alias."""
    before = text[max(0, m.start() - 5) : m.start()]
    first = alias.strip()[:1]
    if _LATIN_NEGATED.search(before) and not _LATIN_NEGATED.search(alias):
        return True
    if _HAN.match(first) and before and before[-1] in _HAN_NEGATORS and first not in _HAN_NEGATORS:
        return True
    if len(alias.strip()) == 1 and _HAN.match(first):
        # A one-character alias inside a longer word is usually another word ("大小" is not "小").
        word = _containing_word(text, m.start())
        return len(word) > 1 and any(c != first and c not in _HAN_DEGREE for c in word)
    return False


def _containing_word(text: str, pos: int) -> str:
    start = pos
    while start > 0 and _HAN.match(text[start - 1]):
        start -= 1
    end = pos + 1
    while end < len(text) and _HAN.match(text[end]):
        end += 1
    offset = 0
    for word in _segment(text[start:end]):
        if offset <= pos - start < offset + len(word):
            return word
        offset += len(word)
    return text[pos]


@lru_cache(maxsize=8192)
def _segment(run: str) -> tuple[str, ...]:
    return tuple(jieba_cut(run))


def find_alias(group: Iterable[str], text: str) -> re.Match[str] | None:
    """The first occurrence in ``text`` of any alias of one required concept.

    Latin aliases of ``STEM_MIN`` letters or more match inflected forms (as word prefixes); none matches
    where a negating prefix or character turns it into its opposite, and a one-character Chinese alias
    does not match inside another word.
    """
    best: re.Match[str] | None = None
    lowered = text.lower()
    for alias in group:
        head = alias.strip().split(" ", 1)[0].lower()
        # Every match contains the alias's first word: a substring test rules most aliases out before the regex.
        if not head or head not in lowered:
            continue
        for m in _alias_pattern(alias).finditer(text):
            if not _negated(alias, text, m):
                if best is None or m.start() < best.start():
                    best = m
                break
    return best


def term_coverage(groups: list[list[str]], text: str) -> float:
    """Share of required concepts that ``text`` expresses by at least one alias (1.0 when none are required)."""
    if not groups:
        return 1.0
    return sum(1 for g in groups if find_alias(g, text)) / len(groups)


def negations(text: str) -> int:
    return len(_NEGATION_EN.findall(text)) + len(_NEGATION_ZH.findall(text))


def polarity_mismatch(reference: str, text: str) -> float:
    """1 when ``text`` negates where the reference does not (or the reverse), or swaps a word for its antonym."""
    if (negations(reference) % 2) != (negations(text) % 2):
        return 1.0
    ref_yn, txt_yn = _YES_NO.match(reference), _YES_NO.match(text)
    if ref_yn and txt_yn and (ref_yn.group(1).lower() in _NO) != (txt_yn.group(1).lower() in _NO):
        return 1.0
    ref = set(tokens(reference)) | set(reference.lower().split())
    got = set(tokens(text)) | set(text.lower().split())
    for word in got - ref:
        if _ANTONYM_OF.get(word, set()) & (ref - got):
            return 1.0
    for word in _ANTONYM_OF:
        if not word.isascii() and word in text and word not in reference:
            if any(o in reference and o not in text for o in _ANTONYM_OF[word]):
                return 1.0
    return 0.0
