"""TeX in bank and corpus text: found, converted to MathML that holds nothing but MathML, and read as plain text."""

from __future__ import annotations

import pytest

from interviewer.language.math import split_math, to_mathml, to_plain


def test_formulas_are_found_with_their_delimiters_and_prices_are_not() -> None:
    pieces = split_math(r"a $1 \times 1$ conv, $$f(x) = \max(0, x)$$ and \(x^2\); it costs $5 and $10, \$3")
    assert [(p.tex, p.display) for p in pieces if p.tex] == [
        (r"1 \times 1", False),
        (r"f(x) = \max(0, x)", True),
        ("x^2", False),
    ]
    assert "".join(p.text for p in pieces).endswith(r"it costs $5 and $10, \$3")


@pytest.mark.parametrize(
    "tex,plain",
    [
        (r"1 \times 1", "1 × 1"),
        (r"f(x) = \max(0, x)", "f(x) = max(0, x)"),
        (r"\theta_t = \theta_{t-1} - \alpha\, g_t", "θₜ = θₜ₋₁ − α gₜ"),
        (r"\hat{m}_t = \frac{m_t}{1-\beta_1^t}", "m̂ₜ = mₜ/(1 − β₁ᵗ)"),
        (r"f'(0) = 0.25", "f′(0) = 0.25"),
        (r"-\log p_y", "−log p_y"),
        (r"x \to -\infty", "x → −∞"),
        (r"\sqrt{\sigma_B^2 + \epsilon}", "√(σ_B² + ϵ)"),
    ],
)
def test_plain_text_reads_without_backslashes(tex: str, plain: str) -> None:
    assert to_plain(tex) == plain


@pytest.mark.parametrize("tex", [r"x_{", r"\frac{a}{b", r"\left( x", r"\begin{cases} x", r"\unknowncmd{x}"])
def test_unconvertible_tex_gives_no_mathml_and_its_source_as_text(tex: str) -> None:
    assert to_mathml(tex) is None
    assert to_plain(tex) == tex


@pytest.mark.parametrize(
    "tex", [r"\text{<script>alert(1)</script>}", r"\href{javascript:alert(1)}{x}", r"\text{a < b}"]
)
def test_mathml_never_carries_anything_but_mathml(tex: str) -> None:
    assert to_mathml(tex) is None


def test_mathml_is_escaped_and_namespaced() -> None:
    out = to_mathml(r"x < y \land a \& b", display=True)
    assert out is not None
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert "<mo>&lt;</mo>" in out and "&amp;" in out and "<mi>x</mi>" in out
