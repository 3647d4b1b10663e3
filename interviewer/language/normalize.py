"""One form for every text a candidate or a request sends, before it is stored, cut into units or encoded.

What the encoder is given decides what grading costs: a letter followed by thousands of combining accents, or
zero-width characters between all the letters, is a few visible characters and thousands of tokens. So text is
brought to NFC, runs of combining marks are capped at :data:`MAX_MARKS` per base character, line separators
become ``\\n``, and control and invisible format characters are dropped. Ordinary text (what people type or
paste, in Chinese or English) comes out unchanged but for ``\\r\\n`` line ends; the function is idempotent, so
text normalised once (a stored answer) keeps its offsets when it is normalised again.
"""

from __future__ import annotations

import re
import string
import unicodedata

# Combining marks kept after one base character. NFC composes the accents of Latin, Greek and Vietnamese
# letters into one character; two more marks cover the stacked vowel and tone signs of the scripts that keep them.
MAX_MARKS = 2

# Every way of ending a line: CRLF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
_LINE_END = re.compile(r"\r\n?|[\x85\u2028\u2029]")
# C0 controls but tab and newline (CR is gone by then), DEL, the C1 controls, and lone UTF-16 surrogates, which
# JSON can carry as "\ud800" escapes but no UTF-8 encoder (SQLite, PostgreSQL, the embedder) accepts.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_ZWJ = "\u200d"
# A text more than this share ASCII symbols is garbage or ASCII art, not a formula or code (a third to a half).
SYMBOL_SHARE = 0.7
_ASCII_SYMBOLS = frozenset(string.punctuation)
_SYMBOL_RUN = re.compile(f"[{re.escape(string.punctuation)}]{{2,}}")


def normalize_text(text: str) -> str:
    """``text`` in NFC with marks capped, line ends as ``\\n``, and no control or format (Cf) characters.

    Format characters are the invisible ones: zero-width spaces and joiners (but a joiner between two emoji),
    the byte order mark, soft hyphens, bidirectional overrides and the tag characters that can hide text from a
    reader but not from a model.
    """
    text = _CONTROL.sub("", _LINE_END.sub("\n", text))
    if text.isascii():
        return text
    # Before NFC, so that a zero-width character between a letter and its accent does not keep them apart.
    if any(unicodedata.category(ch) == "Cf" for ch in text):
        text = _drop_format(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _cap_marks(text)


def _drop_format(text: str) -> str:
    """``text`` without format characters, but for the zero-width joiner inside an emoji sequence (🤷‍♂️)."""
    kept: list[str] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) != "Cf":
            kept.append(ch)
        elif ch == _ZWJ and kept and _is_emoji(kept[-1]) and i + 1 < len(text) and _is_emoji(text[i + 1]):
            kept.append(ch)
    return "".join(kept)


def _is_emoji(ch: str) -> bool:
    # Emoji are symbols (So); a skin tone (Sk) or a variation selector may end the one before the joiner.
    return unicodedata.category(ch) in ("So", "Sk") or ch == "\ufe0f"


def _cap_marks(text: str) -> str:
    """``text`` with every run of combining marks (Mn, Mc, Me) cut to its first :data:`MAX_MARKS`."""
    out: list[str] = []
    run = 0
    capped = False
    for ch in text:
        if unicodedata.category(ch)[0] == "M":
            run += 1
            if run > MAX_MARKS:
                capped = True
                continue
        else:
            run = 0
        out.append(ch)
    # Dropping marks can bring two characters together that compose: NFC once more keeps the result stable.
    return unicodedata.normalize("NFC", "".join(out)) if capped else text


def encoder_text(text: str) -> str:
    """``text`` as the encoder is given it: at most one combining mark on a Latin letter (or any ASCII
    character) after NFC, and a piece of text that is mostly ASCII symbols with one symbol per run.

    The encoder reads each mark and each symbol as a token of its own, and the cost is per token: three marks a
    letter made an English answer cost 2.8 times its length in plain letters, random symbols 2.1 times. NFC
    composes every accent of a Latin-script language into its letter, so what still sits on a Latin letter is
    notation (x̂, one mark) or decoration (Zalgo text, several); marks on other scripts (Thai tone marks,
    Devanagari vowel signs) are spelling and all kept. Formulas and code are a third to a half symbols and keep
    them all; past :data:`SYMBOL_SHARE` a text says what it says in its letters. The stored answer is untouched;
    only the vectors are made from this.
    """
    if not text.isascii():
        text = _one_mark_on_latin(text)
    if len(text) >= 20 and sum(ch in _ASCII_SYMBOLS for ch in text) > SYMBOL_SHARE * len(text):
        text = _SYMBOL_RUN.sub(lambda m: m.group(0)[0], text)
    return text


def _one_mark_on_latin(text: str) -> str:
    out: list[str] = []
    latin = False
    marks = 0
    for ch in text:
        if unicodedata.category(ch)[0] == "M":
            marks += 1
            if latin and marks > 1:
                continue
        else:
            latin = ch.isascii() or "LATIN" in unicodedata.name(ch, "")
            marks = 0
        out.append(ch)
    return "".join(out)


__all__ = ["MAX_MARKS", "encoder_text", "normalize_text"]
