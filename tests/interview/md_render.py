"""Hostile candidate text, and real Markdown renderers to read the report's Markdown back with.

Three renderers, because the report is read in more than one place: CommonMark itself (markdown-it's
"commonmark" preset), markdown-it's "gfm-like" preset with tables, strike-through and linkify's bare links, and
GitHub's own cmark-gfm (the cmarkgfm binding, with every GitHub extension and raw HTML let through, so that any
markup that got past the escaping shows as a tag). All three come with the `test` extra: none may skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown_it import MarkdownIt
from markdown_it.token import Token

PHISH = "https://evil.example/phish"

# What a candidate might type to make the report say something it did not: each is one answer.
HOSTILE = [
    rf"BN \[click here\]({PHISH})",
    f"[click here]({PHISH})",
    f'[click]({PHISH} "title")',
    "[click](javascript:alert(1))",
    f"[click][ref]\n\n[ref]: {PHISH}",
    f"[ref]: {PHISH}",  # a definition in one answer for a reference in another
    "[ref] and [click][ref] and [ref][]",
    f"<{PHISH}>",
    "<evil@example.com>",
    PHISH,
    "see www.evil.com/phish now",
    "ftp://evil.example/x and http://localhost:8000/x",
    "//localhost/x and //evil.com/x",
    "evil.com/phish and sub.evil.co.uk",
    f"![img]({PHISH}.png)",
    "![img][ref]",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- hidden --> and <!---->",
    "<div>\n\nblock</div>",
    "<?php echo 1; ?> <![CDATA[x]]> <!DOCTYPE html>",
    "ok\r# Overall score: 100/100",
    "ok\r\n# Overall score: 100/100",
    "ok\n# Overall score: 100/100",
    "ok\u2028# Overall score: 100/100",
    "ok\u2029## Overall score: 100/100",
    "ok\x0b# Overall score: 100/100",
    "ok\x0c# Overall score: 100/100",
    "ok\x85# Overall score: 100/100",
    "# Overall score: 100/100",
    "Overall score: 100/100\n===",
    "Overall score: 100/100\r---",
    "= heading?",
    "> quoted",
    "ok\n> quoted",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "2) item",
    "ok\n- item\n1. item",
    "| a | b |\n|---|---|\n| c | d |",
    "a | b\n--- | ---",
    "***",
    "---",
    "___",
    "    indented code",
    "ok\n\n    code",
    "\tcode after a tab",
    "```\ncode\n```",
    "~~~python\ncode",
    "`code`",
    "``co`de``",
    r"\[x\](y)",
    r"\\[x](y)",
    r"\\\[x](y)",
    r"a\|b | c \\| d",
    "\\",
    "ends with a backslash \\",
    "backslash\\\nbreak",
    "trailing spaces  \nhard break",
    "&lt;script&gt; &#60;b&#62; &#x3C;i&#x3E; &amp; &copy;",
    "$[x](https://evil.example)$ and $x<y$",
    "**bold** __bold__ *em* _em_ ~~strike~~ ~one~",
    "@user and #123 and GH-1",
    "e.g. 0.5, model.fit() and x.com",
    "no-break\u00a0space, ideographic\u3000space",
    "训练时用 mini-batch 的均值；测试时用滑动平均。",
]


def normalised(text: str) -> str:
    """What the report should show for ``text``: the same characters, each run of line-breaking space as one."""
    return re.sub(r"[ \t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+", " ", text).strip()


def visible(text: str) -> str:
    """The non-space characters in order: a rendering must keep every one of them."""
    return "".join(text.split())


MARKDOWN_IT = {
    "commonmark": MarkdownIt("commonmark"),
    # linkify turns bare www.x.com, https://x, x.com and a@b.c into links, as GitHub's autolink extension does.
    "gfm-like": MarkdownIt("gfm-like", {"linkify": True}),
}


def tokens(md: str, preset: str) -> list[Token]:
    return MARKDOWN_IT[preset].parse(md)


def flat(toks: list[Token]) -> Iterator[Token]:
    """Every token, block and inline."""
    for t in toks:
        yield t
        yield from flat(t.children or [])


def inline_text(inline: Token) -> str:
    """The text an inline token renders to (escapes and entities resolved), markup left out."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def github_html(md: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)


class Elements(HTMLParser):
    """The start tags of an HTML fragment, the text of each <li> in it, and anything else a browser would parse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.items: list[str] = []
        self.text = ""
        self.other: list[str] = []  # comments, declarations, processing instructions

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "li":
            self.items.append("")

    def handle_data(self, data: str) -> None:
        self.text += data
        if self.items:
            self.items[-1] += data

    def handle_comment(self, data: str) -> None:
        self.other.append(data)

    def handle_decl(self, decl: str) -> None:
        self.other.append(decl)

    def handle_pi(self, data: str) -> None:
        self.other.append(data)

    def unknown_decl(self, data: str) -> None:
        self.other.append(data)


def elements(fragment: str) -> Elements:
    parser = Elements()
    parser.feed(fragment)
    parser.close()
    return parser
