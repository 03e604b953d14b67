"""Notation rules of the red-team round (issue 9): repeating decimals, units, set-builder sets, lists of
one name's values, and relations joined by `or`. The corpus (`edge/repeating`, `edge/units`,
`edge/relation_set`, `edge/hedge2`) checks the verdicts; these check each rewrite on its own."""

from __future__ import annotations

import pytest

from limo.grade.notation import assignment_values, relation_to_interval, set_builder
from limo.grade.spelling import repeating_decimals
from limo.grade.units import compare_units, is_compound


@pytest.mark.parametrize("text, exact", [
    ("0.\\overline{3}", "\\frac{1}{3}"), ("0.1\\overline{6}", "\\frac{1}{6}"), ("0.\\overline{12}", "\\frac{4}{33}"),
    ("1.\\dot{3}", "\\frac{4}{3}"), ("0.333\\ldots", "\\frac{1}{3}"), ("0.1666...", "\\frac{1}{6}"),
    ("-0.\\overline{9}", "-\\frac{1}{1}"),
    ("3.14159\\ldots", "3.14159\\ldots"),  # no repeated block: a cut-off decimal, left as written
    ("0.333", "0.333"),  # no mark: a rounded decimal, not 1/3
])
def test_repeating_decimals(text: str, exact: str) -> None:
    assert repeating_decimals(text) == exact


@pytest.mark.parametrize("gold, answer, decision", [
    ("3\\text{ g}", "3\\text{ kg}", False), ("3000 \\text{ m}", "3\\text{ km}", True),
    ("0.5\\text{ L}", "500 \\text{ mL}", True), ("2\\text{ hours}", "120\\text{ minutes}", True),
    ("5\\text{ m}", "5\\text{ s}", False),  # different dimensions
    ("5\\text{ m/s}", "18\\text{ km/h}", True), ("5\\text{ km/h}", "5 \\text{ m/s}", False),  # rates
    ("10000\\text{ cm}^2", "1 \\text{ m}^2", True), ("100\\text{ cm}^2", "1 \\text{ m}^2", False),  # areas
    ("5", "5\\text{ cm}", None), ("5\\text{ cm}", "5 \\text{ cm}", None),  # one unit, or the same: not this rule's
    ("5\\text{ widgets}", "5\\text{ gadgets}", None),  # unknown units: left to the other rules
])
def test_compare_units(gold: str, answer: str, decision: bool | None) -> None:
    assert compare_units(gold, answer) is decision


@pytest.mark.parametrize("text, compound", [
    ("1\\text{ m }20\\text{ cm}", True), ("5\\text{ hours and }30\\text{ minutes}", True), ("3 ft 4 in", True),
    ("5 \\text{ and } 7", False), ("2\\text{ or }3", False), ("12\\text{ cm}^2", False), ("3\\text{ cm} \\times 4", False),
])
def test_is_compound(text: str, compound: bool) -> None:
    assert is_compound(text) is compound


def test_set_builder_and_relations_joined_by_or() -> None:
    assert set_builder("\\{x \\mid -1<x<2\\}") == "-1<x<2"
    assert set_builder("\\left\\{x \\in \\mathbb{R} : x > 3\\right\\}") == "x > 3"
    assert set_builder("\\{1, 2\\}") == "\\{1, 2\\}"
    assert relation_to_interval("x < 3 \\text{ or } x \\geq 5") == "(-\\infty, 3) \\cup [5, \\infty)"
    assert relation_to_interval("x < 3 \\text{ or } x \\neq 5") is None


def test_alternatives_assigning_one_name_are_its_values() -> None:
    assert assignment_values("x = 7 \\text{ or } x = -7") == "7, -7"
    assert assignment_values("x=2, x=3") == "2, 3"
    assert assignment_values("x = 1, y = 2") == "x = 1, y = 2"  # two names: a point, left alone
    assert assignment_values("x = 7") == "x = 7"
