"""Text in the report's three forms: Markdown, HTML and the terminal's plain text.

Bank and corpus text ("rich") may hold TeX formulas: Markdown keeps them as ``$...$`` (GitHub renders them), HTML
shows them as MathML, the terminal as plain text. What a candidate typed is shown literally in every form.

The Markdown escaping follows CommonMark: a backslash before any ASCII punctuation character shows that character
as it is, so every character that could start markup gets exactly one. The escaped text is also kept on one line
(CommonMark ends a line at CR and LF; other renderers and editors at the Unicode separators too), because the
block structure (headings, lists, block quotes, setext underlines, tables, fences) is decided line by line and
only the start of a line can open a block.
"""

from __future__ import annotations

import html
import re

from interviewer.language.math import split_math, to_mathml, to_plain

# Whitespace that ends a line somewhere (CR, LF, VT, FF, NEL, the Unicode line and paragraph separators, and the
# file/group/record separators that Python's splitlines honours): each run of it, spaces and tabs included, becomes
# one space. Other spaces (no-break, ideographic) are part of what the candidate typed and are kept.
_BREAKING_SPACE = re.compile(r"[ \t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")

# Characters escaped wherever they stand: emphasis, code spans and fences, links and images, raw HTML and
# autolinks, entities, table cells, strike-through, formulas, ATX headings, and GitHub's #123 and @user
# references (which also start a linkify e-mail address).
#
# Then the bare links of GFM's autolink extension (www.x.com, https://x, which GitHub and markdown-it's linkify
# turn into live links although CommonMark does not): a report is most often read where that extension is on,
# and a clickable https://evil.example/phish in a report the reader trusts is the phishing the escaping is for.
# One escape where the extension looks breaks the match and leaves the shown text as typed: the ":" of "://",
# the first "/" of "//" (linkify's scheme-less links), and a dot between a word and a letter (a host name's: www.,
# linkify's bare example.com; "0.5" keeps its dot). E-mail addresses stay linked on GitHub, which joins the
# escaped pieces back before looking for them; only an invisible character inserted into the address could
# stop that, and a mailto: link can only address the mail shown, so the text is left as typed.
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|$~&!#@]|:(?=//)|/(?=/)|(?<=\w)\.(?=[^\W\d_])")

# What opens a block at the start of a line and is not escaped everywhere: list items ("-", "+", "1." and "1)"),
# thematic breaks and setext underlines ("---", "===").
_BLOCK_START = re.compile(r"[-+=]|\d{1,9}(?=[.)])")

# Inside "$...$" a renderer without math support (CommonMark itself) still reads Markdown, and escaping it would
# change the TeX that GitHub typesets. "<" and ">" are rewritten as TeX's own \lt and \gt; anything else that
# could make markup there (an inline link or image "](", a code span, the bare links above) is not formula
# syntax any bank formula uses, so such a formula is shown as its escaped source instead. Link text alone, and
# "[x][y]" or "[x]", are only links with a reference definition, and none can start a line of the report.
_TEX_UNSAFE = re.compile(r"`|\]\(|//|@|(?<=\w)\.(?=[^\W\d_])")


def md_text(text: str) -> str:
    """Literal text on one Markdown line: nothing in it renders as markup or breaks a table."""
    return _block_safe(_escape_md(text).strip())


def md_rich(text: str) -> str:
    """Bank or corpus text on one Markdown line, its formulas kept as inline ``$...$``.

    A formula that does not convert is shown as its source, escaped: a renderer would show a broken formula. So
    is one that would carry markup (see ``_TEX_UNSAFE``).
    """
    out = []
    for piece in split_math(text):
        if piece.tex is None or to_mathml(piece.tex, piece.display) is None or _TEX_UNSAFE.search(piece.tex):
            out.append(_escape_md(piece.text))
        else:
            # One line, and no "<" that a renderer could take for the start of an HTML tag.
            tex = " ".join(piece.tex.replace("<", r"\lt ").replace(">", r"\gt ").split())
            out.append(f"${tex}$")
    return _block_safe("".join(out).strip())


def md_code(text: str) -> str:
    """Literal text as one inline code span, whatever backticks it holds (CommonMark's rule: a longer fence)."""
    text = _BREAKING_SPACE.sub(" ", text)
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    # A renderer drops one space at each end when both are there: pad, so a backtick at an end stays apart
    # from the fence and spaces at both ends survive.
    pad = " " if text[0] == "`" or text[-1] == "`" or (text[0] == text[-1] == " " and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), _BREAKING_SPACE.sub(" ", text))


def _block_safe(line: str) -> str:
    """``line`` as it starts a line of the report: no list item, thematic break or setext underline."""
    m = _BLOCK_START.match(line)
    if m is None:
        return line
    # "\-" shows "-"; a number followed by "\." is no longer a list marker.
    return f"\\{line}" if line[0] in "-+=" else f"{line[: m.end()]}\\{line[m.end() :]}"


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


__all__ = ["html_rich", "md_code", "md_rich", "md_text", "plain_rich"]
