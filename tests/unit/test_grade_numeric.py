"""Arithmetic answers decided without Math-Verify (limo.grade.numeric): only sound decisions.

Differing values are not equal; agreeing constants are equal; agreeing expressions with variables, and
anything the evaluator does not read, are left to Math-Verify (None)."""

from __future__ import annotations

import pytest

from limo.grade.numeric import compare_constants


@pytest.mark.parametrize("gold,answer,decision", [
    ("70\\sqrt{2}", "70 + 10\\sqrt{13}", False),
    ("-1", "2^{2022}", False),
    ("(6,31,-1)", "(0, -4, -1)", False),
    ("1+274i", "1 + 264i", False),
    ("3R^2", "\\frac{a^2 + b^2 + c^2}{2} + 3R^2", False),
    ("2\\cos(\\pi t+\\pi/3)", "2 \\cos \\left( \\pi t - \\frac{2\\pi}{3} \\right)", False),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", True),
    ("2^{-2}", "\\dfrac14", True),
    ("i^2", "-1", True),
    ("e^{-1}", "\\frac{1}{e}", True),
    ("x^2-1", "(x-1)(x+1)", True),  # agree at three sample points (positive, negative, mixed signs)
    ("\\sqrt{x^2}", "x", False),  # agree for positive x only
    ("ce^{-2x}", "Ce^{-2x}", True),  # `C` and `c` are the same constant, as Math-Verify reads them
    ("\\frac12", "0.5", None),  # decimals belong to the number rules
    ("\\sin x", "\\sin(x)", True),  # one argument, then the end: read as Math-Verify reads it
    ("\\sin \\theta_w + 1", "1 + \\sin(\\theta_w)", True),
    ("\\sin^{2}\\theta", "(\\sin\\theta)^2", True),
    ("\\sin\\theta\\cos\\theta", "\\frac{\\sin(2\\theta)}{2}", True),
    ("m_{p}c^{2}(\\gamma^{2}-1)\\sin^{2}\\theta", "2m_p (\\gamma - 1)", False),
    ("2\\cos(\\pit+\\pi/3)", "2 \\cos \\left( \\pi t - \\frac{2\\pi}{3} \\right)", False),  # glued `\\pit`
    ("\\frac{2\\pic^{2}}{\\lambda^{5}[e^{hc/(\\lambdakT)}-1]}", "\\frac{2 c^{2}}{\\lambda^{5} [e^{h c/(\\lambda k T)}-1]}",
     False),  # the answer lost the \\pi
    ("\\frac{2\\pic^{2}}{\\lambda^{5}[e^{hc/(\\lambdakT)}-1]}", "\\frac{2 \\pi c^{2}}{\\lambda^{5} [e^{h c/(\\lambda k T)}-1]}",
     True),
    ("-\\tau\\ln\\Delta", "\\tau \\ln \\left( \\frac{1}{\\Delta} \\right)", False),  # differ for Delta < 0, as sympy says
    ("100p^{\\frac{1}{2}}", "100 \\sqrt{p}", True),  # principal values at negative sample points, as sympy
    ("-\\frac{1}{2}X^{-\\frac{1}{2}}", "-\\frac{1}{2 \\sqrt{X}}", True),
    ("[P_{0}^{2/5}-\\frac{2}{5}gK^{-3/5}z]^{5/2}", "\\left( P_0^{2/5} - \\frac{2gz}{5K^{3/5}} \\right)^{5/2}", True),
    ("\\sqrt{xy}", "\\sqrt{x}\\sqrt{y}", False),  # differ for x, y < 0: sympy does not equate them either
    ("-2", "(-8)^{1/3}", False),  # the principal cube root is 1+1.73i, as sympy reads it
    ("2i", "\\sqrt{-4}", True),
    ("\\sin 2x", "\\sin(2x)", None),  # sin(2x) or sin(2)x: readers differ, not read
    ("\\sin^{-1} x", "\\arcsin(x)", None),  # arcsin by convention: not read
    ("\\ln r / r", "\\frac{\\ln r}{r}", None),  # where the argument ends is unclear: not read
    ("10^{10^{5}}", "1", None),  # huge exponents are not computed
    ("\\frac{1}{0}", "1", None),
    ("1, 2", "(1,2)", None),  # bare lists are for the list rule
    ("(1,2)", "[1,2]", None),  # intervals are for Math-Verify
])
def test_decisions(gold: str, answer: str, decision: bool | None) -> None:
    assert compare_constants(gold, answer) is decision


@pytest.mark.parametrize("gold,answer,decision", [
    ("(3,2),(-3,2),(3,-2),(-3,-2)", "(3, 2), (3, -2), (-3, 2), (-3, -2)", True),  # a set of tuples
    ("(1,1006),(3,331),(11,31)", "(1, 1006), (3, 993)", False),
    ("(312,123,231)", "(312, 123, 321, 231)", False),  # tuples of different lengths
    ("1,-2", "-2, 1", True),
    ("(2,32),(8,18)", "(8, 18)", False),
    ("(x,1),(2,3)", "(2,3),(x,1)", None),  # variables agree only at the sample point
    ("7,425,000", "7425000", None),  # a number with thousands separators is not a list
])
def test_lists_compare_as_sets(gold: str, answer: str, decision: bool | None) -> None:
    assert compare_constants(gold, answer) is decision


@pytest.mark.parametrize("text", ["1 and 2 and 3", "21,16 or 11", "5 or 7"])
def test_words_are_not_products_of_variables(text: str) -> None:
    assert compare_constants(text, "1,2,3") is None


def test_short_letter_runs_are_products() -> None:
    assert compare_constants("\\frac{1}{2}(\\exp{a*t}+\\exp{-a*t})", "\\cosh(at)") is True
    assert compare_constants("\\frac{1}{2a}(\\exp{a*t}-\\exp{-a*t})", "\\frac{1}{a} \\sinh(at)") is True
    assert compare_constants("\\frac{1}{2}(\\exp{a*t}+\\exp{-a*t})", "\\sinh(at)") is False


def test_deep_nesting_never_raises() -> None:
    import sys

    deep = "(" * 149 + "1" + ")" * 149  # the deepest nesting under the 300-character cap
    assert compare_constants(deep, "2") is False
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a caller deep in its own stack: the evaluator gives up, it does not raise
    try:
        assert compare_constants(deep, "2") is None
    finally:
        sys.setrecursionlimit(limit)
