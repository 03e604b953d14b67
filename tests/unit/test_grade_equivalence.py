"""Gold normalisation, the exact fast paths, and when Math-Verify is (not) consulted."""

from __future__ import annotations

from fractions import Fraction

import pytest

from limo.grade import answers_equivalent
from limo.grade.equivalence import fast_decision, too_costly
from limo.grade.fastpath import choice_letter, numbers_equal, parse_number, strip_units
from limo.grade.gold import Gold, normalize_gold, numpy_to_latex


@pytest.mark.parametrize("gold,text,choice", [
    (27.0, "27", None),
    (33, "33", None),
    (4.5e33, "4.5e+33", None),
    ("$\\frac{9}{32}$", "\\frac{9}{32}", None),
    ([8875, 93625], "8875, 93625", None),
    ({"1": "\\frac{1}{4}", "2": "\\frac{1}{3}"}, "\\frac{1}{4}, \\frac{1}{3}", None),
    ("C. {x \\mid-3<x<4}", "{x \\mid-3<x<4}", "C"),
    ("A", "A", "A"),
    ("(B)", "B", "B"),
    ("$(0,1,1),(0,-1,-1)$,$(1,0,1)$", "(0,1,1),(0,-1,-1), (1,0,1)", None),
    ("np.arcsin(10/13)", "\\arcsin(10/13)", None),
    ("A < B", "A < B", None),
])
def test_normalize_gold(gold: object, text: str, choice: str | None) -> None:
    assert normalize_gold(gold) == Gold(text=text, choice=choice)


def test_numpy_gold_is_rewritten_not_run() -> None:
    assert numpy_to_latex("np.sqrt(2)*np.pi") == "\\sqrt{2}*\\pi"
    assert numpy_to_latex("np.exp(-x**2)") == "e^{-x^{2}}"
    assert numpy_to_latex("__import__('os').system('x')") == "__import__('os').system('x')"


@pytest.mark.parametrize("text,value", [
    ("42", 42), ("-7", -7), ("1,000", 1000), (".35625", Fraction(57, 160)), ("\\frac{3}{4}", Fraction(3, 4)),
    ("-\\frac{3}{4}", Fraction(-3, 4)), ("3/4", Fraction(3, 4)), ("7\\frac{3}{11}", Fraction(80, 11)),
    ("4.5e33", Fraction(45 * 10**32)), ("4.5\\times10^{33}", Fraction(45 * 10**32)), ("10^{-3}", Fraction(1, 1000)),
    ("50%", 50),
])
def test_parse_number(text: str, value: object) -> None:
    num = parse_number(text)
    assert num is not None and num.value == value


@pytest.mark.parametrize("text", ["x+1", "\\sqrt{2}", "(1,2)", "2\\frac{5}{3}", "1e99999", "5x"])
def test_parse_number_refuses_non_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("gold,answer,equal", [
    ("50", "0.5", False), ("0.5", "50", False), ("0", "0.00001", False), ("0.5", "50%", True),
    ("27.39", "27.386", True), ("27.39", "27.4", False), ("\\frac{1}{3}", "0.333", False), ("0.333", "\\frac{1}{3}", True),
    ("0.5", "0.54", False), ("6630", "6630.65", False), ("0.192", "19.19%", True),
])
def test_number_rules(gold: str, answer: str, equal: bool) -> None:
    g, a = parse_number(gold), parse_number(answer)
    assert g is not None and a is not None
    assert numbers_equal(g, a) is equal


def test_huge_integers_compare_as_digits() -> None:
    big = "9" * 50_000
    g, a = parse_number(big), parse_number(big)
    assert g is not None and a is not None and numbers_equal(g, a)
    assert not numbers_equal(g, parse_number("9" * 49_999 + "8"))  # type: ignore[arg-type]


@pytest.mark.parametrize("text,stripped", [
    ("12\\text{cm}", "12"), ("7.26\\times10^{6}\\text{m}", "7.26\\times10^{6}"), ("12cm", "12"),
    ("5x", "5x"), ("5\\text{or}7", "5\\text{or}7"), ("\\text{cm}", "\\text{cm}"),
])
def test_strip_units(text: str, stripped: str) -> None:
    assert strip_units(text) == stripped


@pytest.mark.parametrize("text,letter", [
    ("C", "C"), ("(C)", "C"), ("\\text{(C)}", "C"), ("C. 42", "C"), ("Option C", "C"), ("\\textbf{B}", "B"),
    ("a", None), ("Cat", None), ("42", None), ("CD", None),
])
def test_choice_letter(text: str, letter: str | None) -> None:
    assert choice_letter(text) == letter


def test_fast_path_never_calls_math_verify_for_plain_numbers() -> None:
    gold = normalize_gold(204)
    assert gold is not None
    assert fast_decision(gold, "204") is True
    assert fast_decision(gold, "204.0") is True
    assert fast_decision(gold, "205") is False
    assert fast_decision(Gold(text="x^2+1"), "1+x^2") is True  # arithmetic at three sample points
    assert fast_decision(Gold(text="1"), "\\sin^2 x + \\cos^2 x") is True  # also at three sample points
    assert fast_decision(Gold(text="6"), "\\binom{4}{2}") is None  # not arithmetic it reads: Math-Verify decides


def test_costly_inputs_are_refused_before_sympy() -> None:
    assert too_costly("5^{5^{5^{5^5}}}")
    assert too_costly("10^{10^{10}}")
    assert too_costly("x" * 1000)
    assert not too_costly("x^{2^n}")
    assert not too_costly("2^{10}")


@pytest.mark.parametrize("a,b,equal", [
    ("\\frac{1}{2}", "0.5", True), ("(1,2)", "(2,1)", False), ("\\{1,2\\}", "\\{2,1\\}", True),
    ("x^2-1", "(x-1)(x+1)", True), ("a+b", "b", False), ("C", "(C)", True), ("\\frac{1}{2004!}", "\\frac{1}{2006!}", False),
])
def test_answers_equivalent(a: str, b: str, equal: bool) -> None:
    assert answers_equivalent(a, b) is equal


@pytest.mark.parametrize("gold,answer,expected", [
    ("e^{t}/3", "x_p = \\frac{1}{3} e^{t}", ("e^{t}/3", "\\frac{1}{3} e^{t}")),
    ("f(x)=2x", "2x", ("2x", "2x")),
    ("17", "x + y = 17", ("17", "x + y = 17")),  # not a name: Math-Verify handles the relation
    ("\\frac{37}{4}m", "b = m, \\quad k = \\frac{37}{4} m", ("\\frac{37}{4}m", "b = m, \\quad k = \\frac{37}{4} m")),
    ("-2,-1,2", "x = -2, x = 2, x = -1", ("-2,-1,2", "x = -2, x = 2, x = -1")),
])
def test_drop_named_lhs(gold: str, answer: str, expected: tuple[str, str]) -> None:
    from limo.grade.fastpath import drop_named_lhs

    assert drop_named_lhs(gold, answer) == expected
