"""normalize_text: one form for what candidates send, unchanged for ordinary text, and a fixed point; encoder_text:
what the encoder reads of it."""

from __future__ import annotations

import json
import random
import unicodedata

import pytest

from interviewer.language.normalize import MAX_MARKS, encoder_text, normalize_text
from interviewer.language.text import split_sentences
from interviewer.language.units import bounded_prefix
from paths import REPO


def test_nfc_composes_what_nfd_splits() -> None:
    assert normalize_text("cafe\u0301 nai\u0308ve") == "café naïve"
    assert normalize_text(unicodedata.normalize("NFD", "Ångström, Việt Nam")) == "Ångström, Việt Nam"


def test_runs_of_combining_marks_are_capped_per_base_character() -> None:
    zalgo = "a" + "\u0301\u0302\u0303\u0304" * 1000 + "b" + "\u0300" * 5
    out = normalize_text(zalgo)
    # "a" takes the first accent into "á" (NFC); MAX_MARKS more stay after it, and after "b".
    assert out == "á\u0302\u0303" + "b\u0300\u0300"
    run = longest = 0
    for ch in out:
        run = run + 1 if unicodedata.category(ch).startswith("M") else 0
        longest = max(longest, run)
    assert longest == MAX_MARKS
    # A million marks after one letter are three characters, however long the input.
    assert len(normalize_text("x" + "\u0301" * 1_000_000)) == 1 + MAX_MARKS


@pytest.mark.parametrize("end", ["\r\n", "\r", "\u2028", "\u2029", "\x85"])
def test_every_line_end_becomes_a_newline(end: str) -> None:
    assert normalize_text(f"one{end}two{end}{end}three") == "one\ntwo\n\nthree"


def test_controls_and_invisible_characters_go_tabs_and_newlines_stay() -> None:
    assert normalize_text("BN\x00 uses\x07 batch\x1b statistics\x7f\x9b\x0b\x0c") == "BN uses batch statistics"
    assert normalize_text("lone \ud800 surrogate") == "lone  surrogate"
    assert normalize_text("\ufeffz\u200be\u200cr\u200do\u2060\u00ad width") == "zero width"
    assert normalize_text("bidi \u202eevil\u202c and tags \U000e0041\U000e0042") == "bidi evil and tags "
    assert normalize_text("a\tb\nc") == "a\tb\nc"
    # The joiner inside an emoji sequence is part of the emoji (🤷‍♂️, 👩🏽‍💻); between letters it is not.
    assert normalize_text("🤷\u200d♂️ 👩🏽\u200d💻") == "🤷\u200d♂️ 👩🏽\u200d💻"
    assert normalize_text("a\u200db\u200d🤷") == "ab🤷"


def test_ordinary_text_comes_out_unchanged() -> None:
    rows = [json.loads(line) for line in (REPO / "eval" / "datasets" / "seed_dev.jsonl").read_text().splitlines()]
    texts = [r["answer"] for r in rows]
    for path in sorted((REPO / "corpus" / "sources").glob("*.md")):
        texts += path.read_text(encoding="utf-8").split("\n\n")
    assert len(texts) > 400
    assert [t for t in texts if normalize_text(t) != t] == []
    # Windows line ends are the one change ordinary text sees.
    assert normalize_text(texts[0].replace("\n", "\r\n") + "\r\n") == texts[0] + "\n"


def _random_text(rng: random.Random) -> str:
    pools = [
        (0x20, 0x7E), (0x00, 0x1F), (0x300, 0x36F), (0x4E00, 0x4E40), (0x900, 0x97F), (0xAC00, 0xAC10),
        (0x1100, 0x1112), (0x200B, 0x200F), (0x2028, 0x2029), (0x1F300, 0x1F320), (0xFE00, 0xFE0F), (0xF900, 0xF910),
    ]
    out = []
    for _ in range(rng.randint(0, 40)):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def test_idempotent_nfc_and_bounded_on_random_text() -> None:
    rng = random.Random(17)
    for _ in range(3000):
        text = _random_text(rng)
        once = normalize_text(text)
        assert normalize_text(once) == once, repr(text)
        assert unicodedata.is_normalized("NFC", once)
        assert "\r" not in once and not any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n" for c in once)


def test_a_bounded_prefix_ends_at_a_sentence_or_a_space() -> None:
    text = "BN normalises activations. It uses batch statistics in training. " * 10
    assert bounded_prefix(text, len(text)) == text
    cut = bounded_prefix(text, 100)
    assert len(cut) <= 100 and cut.endswith(".") and text.startswith(cut)
    assert bounded_prefix("word " * 100, 52) == ("word " * 10).rstrip()
    assert bounded_prefix("x" * 500, 160) == "x" * 160


def test_many_list_items_split_in_linear_time() -> None:
    # Each sentence end used to be checked against every list marker: 24,000 characters of items took 4 s.
    text = "1. 训练时用batch统计量。\n" * 4000
    sentences = split_sentences(text)
    assert len(sentences) == 4000 and sentences[1].text == "1. 训练时用batch统计量。"


# --- what the encoder is given ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "BN normalises each channel; then γ and β scale and shift it.",
        "批归一化在每个通道上做归一化。",
        "x̂ = (x − μ) / sqrt(σ² + ε), m̂_t = m_t / (1 − β1^t)",  # one mark on a letter is notation
        "naïve café, Tiếng Việt, สวัสดี, नमस्ते",  # composed accents and other scripts' marks are spelling
        "loss.backward(); optimizer.step()  # x[::2] = y[1::2] ** 2",  # code keeps its symbols
    ],
)
def test_the_encoder_sees_ordinary_text_as_it_is(text: str) -> None:
    assert encoder_text(normalize_text(text)) == normalize_text(text)


def test_the_encoder_sees_one_mark_per_latin_letter_and_one_symbol_per_run_of_garbage() -> None:
    zalgo = normalize_text("".join(ch + "\u0301\u0316\u0354" for ch in "zalgo"))  # stored: the first two marks
    # NFC composed the acute into each letter; of the marks left the encoder reads one.
    assert encoder_text(zalgo) == "".join(unicodedata.normalize("NFC", ch + "\u0301") + "\u0316" for ch in "zalgo")
    assert encoder_text("!@#$%^&*()_+-=[]{};:,<>/?|~" * 4 + " ok") == "! ok"
    thai = "นั่น"  # a vowel sign and a tone mark on one consonant: both kept
    assert encoder_text(thai) == thai
