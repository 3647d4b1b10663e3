"""Text in the report's three forms: Markdown, HTML and the terminal's plain text.

Bank and corpus text ("rich") may hold TeX formulas: Markdown keeps them as ``$...$`` (GitHub renders them), HTML
shows them as MathML, the terminal as plain text. What a candidate typed is shown literally in every form.
"""

from __future__ import annotations

import html
import re

from interviewer.language.math import split_math, to_mathml, to_plain

# Characters that would start markup in CommonMark/GFM: emphasis, code, links, raw HTML, entities, table cells,
# strike-through and formulas. A backslash before any ASCII punctuation shows it as it is.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~&!#])")


def md_text(text: str) -> str:
    """Literal text on one Markdown line: nothing in it renders as markup or breaks a table."""
    return _escape_md(text).strip()


def md_rich(text: str) -> str:
    """Bank or corpus text on one Markdown line, its formulas kept as inline ``$...$``.

    A formula that does not convert is shown as its source, escaped: a renderer would show a broken formula.
    """
    out = []
    for piece in split_math(text):
        if piece.tex is None or to_mathml(piece.tex, piece.display) is None:
            out.append(_escape_md(piece.text))
        else:
            # One line, and no "<" that a renderer could take for the start of an HTML tag.
            tex = " ".join(piece.tex.replace("<", r"\lt ").replace(">", r"\gt ").split())
            out.append(f"${tex}$")
    return "".join(out).strip()


def _escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def html_rich(text: str) -> str:
    """Bank or corpus text as HTML, its formulas as MathML (the escaped source where one does not convert)."""
    out = []
    for piece in split_math(text):
        mathml = to_mathml(piece.tex, piece.display) if piece.tex is not None else None
        out.append(mathml if mathml is not None else html.escape(piece.text))
    return "".join(out)


def plain_rich(text: str) -> str:
    """Bank or corpus text for a terminal: formulas as readable text (``1 × 1``), no TeX."""
    return "".join(p.text if p.tex is None else to_plain(p.tex) for p in split_math(text))


__all__ = ["html_rich", "md_rich", "md_text", "plain_rich"]
