"""Markdown escaping read back by real renderers: candidate text stays literal text on its one line wherever the
report puts it, and bank formulas stay formulas without carrying markup in."""

from __future__ import annotations

import pytest

from interviewer.interview.markup import md_code, md_rich, md_text
from interviewer.language.math import split_math, to_mathml
from md_render import (
    HOSTILE,
    MARKDOWN_IT,
    elements,
    flat,
    github_html,
    inline_text,
    normalised,
    tokens,
    visible,
)
from paths import REPO

PLACEHOLDER = "PLACEHOLDER"

# Where the report puts escaped text: mid-line, at the start of a line, in a list item, a block quote, a table
# cell, a heading, emphasis, and on the line after a paragraph (where "===" would be a setext underline).
CONTEXTS = {
    "paragraph": "{}",
    "after a paragraph": "Some text\n{}",
    "list item": "- ✔ {}",
    "block quote": "- a title\n  > {}",
    "table cell": "| a | b |\n|---|---|\n| {} | 1 |",
    "heading": "## 1. {} — 0/100",
    "emphasis": "*How: {}*",
    "transcript": "- **Candidate** (0/100): {}",
}


def shape(md: str, preset: str) -> list[tuple[str, str]]:
    """The markup a renderer finds in ``md``: every block and inline token but the text itself."""
    return [(t.type, t.tag) for t in flat(tokens(md, preset)) if t.type != "text"]


def texts(md: str, preset: str) -> list[str]:
    return [inline_text(t) for t in tokens(md, preset) if t.type == "inline"]


def github(md: str) -> tuple[list[tuple[str, dict[str, str | None]]], str, list[str]]:
    """GitHub's rendering of ``md``: its tags (less the mailto: links GitHub makes of e-mail addresses), text and
    any comment, declaration or processing instruction."""
    parsed = elements(github_html(md))
    tags = [(tag, attrs) for tag, attrs in parsed.tags if not (tag == "a" and _mail(attrs.get("href")))]
    return tags, parsed.text, parsed.other


def _mail(href: str | None) -> bool:
    # GitHub links e-mail addresses whatever the escaping (see markup.py): such a link can only address the mail
    # its text shows, so it is the one link let through, and only with a mail scheme.
    return href is not None and href.startswith(("mailto:", "xmpp:"))


# --- one character at a time ------------------------------------------------------------------------------------


@pytest.mark.parametrize("char", list("\\`*_[]<>|$~&!#@"))
def test_each_markup_character_gets_exactly_one_backslash(char: str) -> None:
    assert md_text(f"a{char}b") == f"a\\{char}b"
    assert md_text(f"a{char}{char}b") == f"a\\{char}\\{char}b"


def test_a_backslash_before_markup_is_escaped_with_it() -> None:
    assert md_text(r"\[x\](y)") == r"\\\[x\\\](y)"
    assert md_text(r"\\[x](y)") == r"\\\\\[x\](y)"
    assert md_text("ends with \\") == "ends with \\\\"


def test_letters_digits_and_harmless_punctuation_are_left_as_typed() -> None:
    for text in (
        "Adam with lr 0.001 (beta = 0.9); ok? 50% {x} ^ ' \" / , 1:2",
        "训练时用 mini-batch 的均值（滑动平均），测试时用全局统计量。",
        "no-break\u00a0space, ideographic\u3000space",
        "Ünïcödé café naïve 3.14 v1.2",
    ):
        assert md_text(text) == text


@pytest.mark.parametrize("sep", ["\r", "\r\n", "\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c", "\t"])
def test_every_line_break_becomes_one_space(sep: str) -> None:
    assert md_text(f"a{sep}{sep}  b") == "a b"
    assert md_text(f"{sep}a{sep}") == "a"
    assert md_rich(f"a{sep}$x_1${sep}b") == "a $x_1$ b"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("- x", r"\- x"),
        ("+ x", r"\+ x"),
        ("=== x", r"\=== x"),
        ("--- x", r"\--- x"),
        ("1. x", r"1\. x"),
        ("12) x", r"12\) x"),
        ("1.5 is a number", r"1\.5 is a number"),
        ("x - y", "x - y"),
        ("x 1. y", "x 1. y"),
    ],
)
def test_what_opens_a_block_is_escaped_at_the_start_only(text: str, escaped: str) -> None:
    assert md_text(text) == escaped


def test_bare_links_lose_the_character_the_autolink_extension_looks_for() -> None:
    assert md_text("https://evil.example/phish") == r"https\:\//evil\.example/phish"
    assert md_text("www.evil.com") == r"www\.evil\.com"
    assert md_text("//localhost/x") == r"\//localhost/x"
    assert md_text("e.g. 0.5") == r"e\.g. 0.5"  # a dot before a digit is no host name's


# --- every hostile input, everywhere escaped text goes ---------------------------------------------------------


@pytest.mark.parametrize("preset", list(MARKDOWN_IT))
@pytest.mark.parametrize("context", list(CONTEXTS))
def test_hostile_text_renders_as_its_own_text_and_nothing_else(preset: str, context: str) -> None:
    template = CONTEXTS[context]
    expected_shape = shape(template.format(PLACEHOLDER), preset)
    expected_texts = texts(template.format(PLACEHOLDER), preset)
    for text in HOSTILE:
        md = template.format(md_text(text))
        assert shape(md, preset) == expected_shape, (text, md)
        shown = [t.replace(PLACEHOLDER, normalised(text)) for t in expected_texts]
        assert texts(md, preset) == shown, (text, md)
        assert any(visible(text) in visible(t) for t in texts(md, preset))


@pytest.mark.parametrize("context", list(CONTEXTS))
def test_github_renders_hostile_text_as_its_own_text(context: str) -> None:
    template = CONTEXTS[context]
    tags, text, other = github(template.format(PLACEHOLDER))
    for hostile in HOSTILE:
        md = template.format(md_text(hostile))
        assert github(md) == (tags, text.replace(PLACEHOLDER, normalised(hostile)), other), (hostile, md)


# Emphasis and strike-through inside "$...$" are left to the renderer: "*" and "_" are TeX syntax that escaping
# would corrupt for GitHub, which typesets the formula, and only a renderer without math shows them as emphasis.
_EMPHASIS = {"em", "strong", "s", "del"}


@pytest.mark.parametrize("preset", list(MARKDOWN_IT))
@pytest.mark.parametrize("context", list(CONTEXTS))
def test_bank_text_with_hostile_formulas_makes_no_markup(preset: str, context: str) -> None:
    template = CONTEXTS[context]

    def markup(md: str) -> tuple[list[tuple[str, str]], list[str]]:
        found = [s for s in shape(md, preset) if s[1] not in _EMPHASIS]
        return found, [tag for tag, _ in github(md)[0] if tag not in _EMPHASIS]

    expected = markup(template.format(PLACEHOLDER))
    for text in HOSTILE:
        for rich in (text, f"${text}$", f"a $$x {text}$$ b", rf"\({text}\)"):
            md = template.format(md_rich(rich))
            assert markup(md) == expected, (rich, md)


# --- formulas -------------------------------------------------------------------------------------------------


def test_formulas_stay_tex_on_one_line() -> None:
    assert md_rich(r"A $1 \times 1$ conv") == r"A $1 \times 1$ conv"
    assert md_rich("$$f(x) =\n\\max(0, x)$$") == r"$f(x) = \max(0, x)$"
    assert md_rich("0 for $x<0$") == r"0 for $x\lt 0$"
    assert md_rich(r"the interval $[-1,1]$ and $\|x\|$") == r"the interval $[-1,1]$ and $\|x\|$"


@pytest.mark.parametrize(
    "tex", ["[x](https://evil.example)", "![x](y)", "`x`", "https://evil.example", "www.evil.com", "a@b.co", "x.com"]
)
def test_a_formula_that_would_carry_markup_is_shown_as_its_escaped_source(tex: str) -> None:
    assert to_mathml(tex) is not None  # it converts: only the markup keeps it from being a formula
    md = md_rich(f"see ${tex}$")
    assert "$" + tex not in md and md.startswith(r"see \$")
    for preset in MARKDOWN_IT:
        assert shape(md, preset) == shape("see x", preset)
        assert texts(md, preset) == [f"see ${tex}$"]


def test_every_formula_of_the_corpus_is_still_a_formula() -> None:
    kept = 0
    for path in sorted((REPO / "corpus" / "sources").glob("*.md")):
        for text in path.read_text(encoding="utf-8").split("\n\n"):
            md = md_rich(text)
            for piece in split_math(text):
                if piece.tex is not None and to_mathml(piece.tex, piece.display) is not None:
                    tex = " ".join(piece.tex.replace("<", r"\lt ").replace(">", r"\gt ").split())
                    assert f"${tex}$" in md, (piece.tex, md)
                    kept += 1
    assert kept > 100


# --- code spans -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["too_short", "a`b", "`x", "x``", "``", " a ", "notes <b>.md:3-6"])
def test_a_code_span_shows_its_text_whatever_backticks_it_holds(text: str) -> None:
    for preset in MARKDOWN_IT:
        spans = [t for t in flat(tokens(f"- {md_code(text)} note", preset)) if t.type == "code_inline"]
        assert [s.content for s in spans] == [text]
