"""TeX formulas inside bank and corpus text: where they are, as MathML for a web page, as plain text for a terminal.

The corpus writes formulas as ``$...$`` and ``$$...$$`` (``\\(...\\)`` and ``\\[...\\]`` are read too). A formula
that does not convert, or whose MathML would carry anything but MathML, comes back as ``None`` from
:func:`to_mathml` and as its source from :func:`to_plain`: a reader then sees the TeX, never an error.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from latex2mathml.converter import convert

# $$display$$, \[display\], \(inline\), and $inline$ where the opening $ is not followed by a space and the closing
# one not preceded by a space nor followed by a digit (so "costs $5 and $10" holds no formula).
_MATH = re.compile(
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<bd>.+?)\\\]"
    r"|\\\((?P<pi>.+?)\\\)"
    r"|(?<![\\$])\$(?P<di>[^\s$](?:[^$\n]*?[^\s\\$])?)\$(?!\d)",
    re.DOTALL,
)


@dataclass(frozen=True)
class Piece:
    """A run of a text: plain text, or one formula (``tex`` without its delimiters)."""

    text: str
    tex: str | None = None
    display: bool = False


def split_math(text: str) -> list[Piece]:
    """``text`` as alternating plain runs and formulas, in order; a lone ``$`` stays plain text."""
    pieces: list[Piece] = []
    last = 0
    for m in _MATH.finditer(text):
        if m.start() > last:
            pieces.append(Piece(text[last : m.start()]))
        display = m.group("dd") is not None or m.group("bd") is not None
        tex = next(g for g in (m.group("dd"), m.group("bd"), m.group("pi"), m.group("di")) if g is not None)
        pieces.append(Piece(m.group(0), tex.strip(), display))
        last = m.end()
    if last < len(text):
        pieces.append(Piece(text[last:]))
    return pieces


def has_math(text: str) -> bool:
    return _MATH.search(text) is not None


# --- MathML ------------------------------------------------------------------------------------------------------

_NS = "{http://www.w3.org/1998/Math/MathML}"
_TEXT_ESCAPE = re.compile(r"\\([_%&$#{} ])")
_TAGS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot mstyle "
    "mtable mtr mtd mpadded mphantom menclose mfenced merror".split()
)
_ATTRS = frozenset(
    "xmlns display mathvariant stretchy fence form separator accent accentunder movablelimits largeop "
    "symmetric lspace rspace width height depth columnalign rowalign columnspacing rowspacing columnlines "
    "rowlines frame displaystyle scriptlevel linethickness notation open close separators minsize maxsize".split()
)


def to_mathml(tex: str, display: bool = False) -> str | None:
    """The formula as a MathML ``<math>`` element holding only MathML elements and attributes, or None."""
    tree = _tree(tex, display)
    return None if tree is None else _serialise(tree)


def _tree(tex: str, display: bool) -> ET.Element | None:
    if not _balanced(tex):
        return None  # the converter closes what is left open, rendering something the author did not write
    try:
        root = ET.fromstring(convert(tex, display="block" if display else "inline"))
    # The converter raises its own errors for malformed TeX and plain ones (IndexError, KeyError …) for some
    # inputs it never expected; any of them means "show the source instead".
    except Exception:
        return None
    for el in root.iter():
        tag = el.tag.removeprefix(_NS)
        if tag not in _TAGS or any(name not in _ATTRS for name in el.attrib):
            return None  # \href, \text{<b>…</b>} and the like: not MathML, not shown as markup
        if tag in ("mi", "mo") and (el.text or "").startswith("\\"):
            return None  # a command the converter did not know, echoed as a name
        if tag == "mtext" and el.text:
            el.text = _TEXT_ESCAPE.sub(r"\1", el.text)  # \text{kv\_heads} keeps its backslash otherwise
    return root


def _balanced(tex: str) -> bool:
    depth = 0
    for brace in re.sub(r"\\[{}]", "", tex.replace("\\\\", "")):
        depth += {"{": 1, "}": -1}.get(brace, 0)
        if depth < 0:
            return False
    return depth == 0


def _serialise(el: ET.Element) -> str:
    tag = el.tag.removeprefix(_NS)
    attrs = "".join(
        f' {name}="{html.escape(value, quote=True)}"' for name, value in el.attrib.items() if name != "xmlns"
    )
    if tag == "math":
        attrs = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attrs
    inner = html.escape(el.text or "", quote=False) + "".join(
        _serialise(child) + html.escape(child.tail or "", quote=False) for child in el
    )
    return f"<{tag}{attrs}>{inner}</{tag}>"


# --- plain text --------------------------------------------------------------------------------------------------

_SPACED = frozenset("= + − × ÷ ± < > ≤ ≥ ⩽ ⩾ ≈ ≠ ≡ ∝ → ← ↦ ⇒ ⇔ ∈ ∉ ⊂ ⊆ ∼ ~ ≪ ≫".split())
_FUNCTION = re.compile(r"[A-Za-z]{2,}")  # \log, \max, \exp …: the converter gives their names as one element
_OPENING = frozenset("([{|‖⟨")
_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUP = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzTβγδθφχ′″",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀᵝᵞᵟᶿᵠᵡ′″",
        strict=True,
    )
)
_ACCENT = {"^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "¯": "\u0304", "‾": "\u0305", "˙": "\u0307"}


def to_plain(tex: str) -> str:
    """The formula as readable text (``1 × 1``, ``f(x) = max(0, x)``, ``θₜ₋₁``); its source if it does not convert."""
    tree = _tree(tex, display=False)
    if tree is None:
        return tex
    return re.sub(r"\s{2,}", " ", _plain(tree)).strip()


def _plain(el: ET.Element) -> str:
    tag = el.tag.removeprefix(_NS)
    kids = list(el)
    if tag in ("mi", "mn", "mtext", "ms"):
        return el.text or ""
    if tag == "mo":
        return (el.text or "").strip()
    if tag == "mspace":
        return " "
    if tag == "mphantom":
        return ""
    if tag in ("msub", "msup", "msubsup", "munder", "mover", "munderover") and kids:
        return _scripted(tag, [_plain(k) for k in kids])
    if tag == "mfrac" and len(kids) == 2:
        return f"{_grouped(_plain(kids[0]))}/{_grouped(_plain(kids[1]))}"
    if tag == "msqrt":
        return "√" + _grouped(_row(kids))
    if tag == "mroot" and len(kids) == 2:
        return _script(_plain(kids[1]), _SUP, "^") + "√" + _grouped(_plain(kids[0]))
    if tag == "mtable":
        return "; ".join(" ".join(_plain(cell).strip() for cell in row) for row in kids)
    return _row(kids)


def _row(kids: list[ET.Element]) -> str:
    out = ""
    prev_operand = after_function = False
    for k in kids:
        tag, piece = k.tag.removeprefix(_NS), _plain(k)
        if tag in ("mo", "mi") and piece in _SPACED:
            # A sign that opens a row or follows another operator is unary: "−x", "(−1, 1)".
            out += f" {piece} " if prev_operand or piece not in ("−", "+") else piece
            prev_operand = after_function = False
            continue
        if tag == "mo" and piece in (",", ";"):
            out = out.rstrip() + piece + " "
        else:
            if after_function and piece[:1] not in ("(", "[", "{", " ", ""):
                out += " "  # "log p", but "max(0, x)"
            out += piece
        base = k[0] if tag in ("msub", "msup", "msubsup", "munder", "mover", "munderover") and len(k) else k
        after_function = _FUNCTION.fullmatch(base.text or "") is not None and base.tag.removeprefix(_NS) in ("mi", "mo")
        prev_operand = bool(piece.strip()) and piece not in _OPENING and not (tag == "mo" and piece in (",", ";"))
        if tag == "mtext" and piece.startswith("("):
            out = out[: -len(piece)].rstrip() + " " + piece  # \tag{1}
    return out


def _scripted(tag: str, parts: list[str]) -> str:
    base = parts[0]
    if tag == "mover" and len(parts) == 2 and parts[1] in _ACCENT and len(base) == 1:
        return base + _ACCENT[parts[1]]
    if tag in ("msub", "munder"):
        return base + _script(parts[1], _SUB, "_") if len(parts) > 1 else base
    if tag in ("msup", "mover"):
        return base + _script(parts[1], _SUP, "^") if len(parts) > 1 else base
    sub = _script(parts[1], _SUB, "_") if len(parts) > 1 else ""
    sup = _script(parts[2], _SUP, "^") if len(parts) > 2 else ""
    return base + sub + sup


def _script(text: str, table: dict[str, str], mark: str) -> str:
    compact = text.replace(" ", "")
    if compact and all(ch in table for ch in compact):
        return "".join(table[ch] for ch in compact)
    return mark + (compact if len(compact) == 1 else f"({text.strip()})")


def _grouped(text: str) -> str:
    text = text.strip()
    simple = re.fullmatch(r"[\w.′∂∇\u0300-\u036f₀-₉ₐ-ₜ⁰-⁹ᵃ-ᶿ]+", text) is not None or _enclosed(text)
    return text if simple else f"({text})"


def _enclosed(text: str) -> bool:
    """One pair of parentheses around the whole text: "(a + b)", not "(a) + (b)"."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


__all__ = ["Piece", "has_math", "split_math", "to_mathml", "to_plain"]
