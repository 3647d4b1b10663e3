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


__all__ = ["MAX_MARKS", "normalize_text"]
