"""Equations, differential equations included, compared without sympy's solver (`limo.grade.equations`):
equal exactly when one is the other multiplied by a factor free of the unknowns."""

from __future__ import annotations

import pytest

from limo.grade.equations import compare_equations
from limo.grade.equivalence import equivalent
from limo.grade.gold import normalize_gold


@pytest.mark.parametrize("gold,answer,expected", [
    # the same differential equation in other notation, or multiplied through by a parameter
    ("\\frac{d^{2}v_{o}}{dt^{2}}+\\frac{v_{o}}{LC}=\\frac{v_{i}}{LC}", "L C \\frac{d^2 v_o(t)}{dt^2} + v_o(t) = v_i(t)", True),
    ("x^{\\prime}+\\frac{r}{V}x-rc=0", "\\frac{dx(t)}{dt} + \\frac{r}{V} x(t) = r c", True),
    ("I\\frac{d\\omega}{dt}+2B\\omega=T", "\\dot{\\omega} = -\\frac{2B}{I} \\omega + \\frac{1}{I} T", True),
    ("m\\frac{dv}{dt}+bv=f", "\\frac{dv}{dt} = \\frac{1}{m} f - \\frac{b}{m} v", True),
    ("y''+4y=0", "\\ddot{y} = -4y", True),
    ("y^{\\prime\\prime}-3y^{\\prime}+2y=e^{t}", "\\frac{d^2y}{dt^2} = 3\\frac{dy}{dt} - 2y + e^t", True),
    ("\\frac{dy}{dx}=2xy", "y' - 2xy = 0", True),
    # different differential equations: a sign, a factor on one term, an order, a power of the unknown
    ("ml\\ddot{\\theta}(t)-mg\\sin\\theta(t)=f(t)\\cos\\theta(t)", "m l \\ddot{\\theta} + mg \\sin \\theta = f(t)", False),
    ("y^{\\prime}+ry-rx(t)=0", "y' + \\frac{r}{V} y = \\frac{r}{V} x", False),
    ("y''+4y=0", "\\ddot{y} = 4y", False),
    ("x'=kx", "\\frac{dx}{dt} = kx^2", False),
    ("y''+y=0", "y'+y=0", False),
    ("\\frac{dy}{dx}=2x", "y = x^2", False),  # an equation and its solution are different answers
    # equations without derivatives: equal when one is a constant multiple of the other
    ("2x+y=4", "y=4-2x", True),
    ("3x-6y=9", "x = 2y + 3", True),
    ("x+y=1", "x-y=1", None),  # not multiples: left to Math-Verify
    ("\\frac{1}{x}=2", "x=\\frac{1}{2}", None),  # equal, but only the solver shows it
    # what this module does not read
    ("\\frac{d}{dt}x=kx", "\\dot{x}=kx", None),
    ("x_0\\cos(t)+\\dot{x}_0\\sin(t)=y", "y = x_0 \\cos t + \\dot{x}_0 \\sin t", None),
    ("x=1, y=2", "y=2, x=1", None),
    ("y \\geq 2x", "y=2x", None),
])
def test_equations(gold: str, answer: str, expected: bool | None) -> None:
    assert compare_equations(gold, answer) is expected
    if expected is not None:
        assert compare_equations(answer, gold) is expected  # symmetric


def _no_math_verify(gold: str, answer: str) -> bool:
    raise AssertionError(f"Math-Verify was called for {gold!r} vs {answer!r}")


def test_differential_equations_never_reach_math_verify() -> None:
    gold = normalize_gold("LC\\frac{d^{2}q}{dt^{2}}+R C\\frac{dq}{dt}+q=0")
    assert equivalent(gold, "\\ddot{q} + \\frac{R}{L}\\dot{q} + \\frac{q}{LC} = 0", _no_math_verify) is True
    assert equivalent(gold, "\\ddot{q} + \\frac{R}{L}\\dot{q} - \\frac{q}{LC} = 0", _no_math_verify) is False
