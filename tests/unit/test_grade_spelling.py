"""Number spellings (`limo.grade.spelling`) and closing-sentence answers (`limo.grade.closing`)."""

from __future__ import annotations

import pytest

from limo.grade.closing import closing_quantity, sentence_number
from limo.grade.spelling import decimal_comma_equal, join_digit_groups, rounded_structure_equal


@pytest.mark.parametrize("text, joined", [
    ("11,\\! 111,\\! 111,\\! 100", "11111111100"),
    ("32,\\!349", "32349"),
    ("1\\,000\\,000", "1000000"),
    ("1{,}000", "1000"),
    ("2\\;500 + 3", "2500 + 3"),
    ("32, 349", "32, 349"),  # a comma and a plain space: two values
    ("12,\\!34", "12,\\!34"),  # not a group of three digits
    ("(100,\\,200)", "(100,\\,200)"),  # a comma and a thin space: left as written
    ("0.123\\,456", "0.123\\,456"),  # digits after a decimal point
])
def test_join_digit_groups(text: str, joined: str) -> None:
    assert join_digit_groups(text) == joined


@pytest.mark.parametrize("gold, answer, equal", [
    ("1000.99", "1000,99", True), ("1,22", "1.22", True), ("0,111", "0.111", True), ("3.5", "3{,}5", True),
    ("1.000", "1,000", False),  # one thousand
    ("12.345", "12,345", False),  # twelve thousand
    ("1.2", "1, 2", False),  # a list
    ("1,5", "\\frac{3}{2}", False),  # only against a number written with a point
    ("0,5", "0.6", False),
    ("1,3", "1.3", False), ("-2,1", "-2.1", False),  # a gold with one digit after the comma is a list
    ("2.5", "2,5", True),  # an answer may use one digit
])
def test_decimal_comma_equal(gold: str, answer: str, equal: bool) -> None:
    assert decimal_comma_equal(gold, answer) is equal


@pytest.mark.parametrize("gold, answer, equal", [
    ("(\\begin{pmatrix}\\frac{1}{3}\\\\ \\frac{1}{5}\\end{pmatrix})", "\\begin{pmatrix}0.33\\\\0.2\\end{pmatrix}", True),
    ("\\begin{pmatrix}\\frac{1}{3}\\\\ \\frac{1}{5}\\end{pmatrix}", "\\begin{pmatrix}0.3\\\\0.2\\end{pmatrix}", False),
    ("(\\frac{3}{5},\\frac{8}{3}]", "(0.6,2.6667]", True),
    ("(\\frac{3}{5},\\frac{8}{3}]", "(0.6,2.6667)", False),  # openness differs
    ("(\\frac{3}{5},\\frac{8}{3}]", "(0.6,2.66]", False),  # truncated
    ("(\\frac{1}{1000}, 1)", "(0.00, 1)", False),  # no significant digit
    ("\\frac{1}{3}", "0.33", False),  # a single number is not a structure
])
def test_rounded_structure_equal(gold: str, answer: str, equal: bool) -> None:
    assert rounded_structure_equal(gold, answer) is equal


@pytest.mark.parametrize("sentence, number", [
    ("Jane started growing Sphere 3 hours ago", "3"),
    ("The volume of $ABCDEFGH$ is 120", "120"),
    ("The answer is not 3", None),
    ("It is either 3 or 4 hours", None),
    ("At least 3 people came", None),
    ("She needs 7 more cups", "7"),
    ("She needs more than 7 cups", None),
    ("The share of blue marbles is 40% of the total", "40\\%"),
    ("Switching to 100% renewable energy would have far-reaching effects on production, prices, jobs and "
     "the grid as a whole", None),
    ("The value of $x^2$ is about 3", None),
    ("Rod is 5 and Sphere is 3", None),
])
def test_sentence_number(sentence: str, number: str | None) -> None:
    assert sentence_number(sentence) == number


@pytest.mark.parametrize("text, answer", [
    ("Therefore, the error increases by 100%.", "100\\%"),
    ("the number is not 10 which is 1,000.99€", "1,000.99"),
    ("not it's not 10 it's 1,000.99m²", "1,000.99"),
    ("So the total is 12.50 dollars.", "12.50"),
    ("the price is €1,000.99", "1,000.99"),
    ("the population grows by 12.5 %.", "12.5\\%"),
    ("the share is not 25%.", None),
    ("the share is 25% or 30%.", None),
    ("Maybe the share is 30%.", None),
    ("Is the share 30%?", None),
    ("The increase is at least 20%.", None),
    ("Thus $x \\neq 3$.", None),
])
def test_closing_quantity(text: str, answer: str | None) -> None:
    assert closing_quantity(text)[0] == answer


def test_digit_groups_and_quantities_are_linear_on_hostile_input() -> None:
    import time

    start = time.monotonic()
    for text in ("1" + "\\,   " * 5000 + "x", "1" + ",\\!  " * 5000 + "x", "is " * 5000 + "5",
                 "it is " + "exactly " * 5000 + "5 x%"):
        join_digit_groups(text)
        closing_quantity(text)
        sentence_number(text)
    assert time.monotonic() - start < 2.0  # a backtracking regex takes minutes on the first one
