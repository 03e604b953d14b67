"""THE Math-Verify wrapper: the one place in limo that calls math_verify (step 7 of `limo.grade.equivalence`).

It disables math_verify's own signal-based timeouts (they only work in a main thread and do not stop every
hang): callers run it in a worker process that the parent kills at the deadline (see `limo.grade.pool`),
under a CPU budget per comparison (`limo.grade.budget`). Two corrections on top of Math-Verify's verdict:
a second parse that keeps letters when its unit stripping changed the gold, and a veto of `equal` between
constants that differ beyond limo's tolerances (`_numbers_differ`).
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from limo.grade.gold import enotation_to_latex

_VALUE_WITH_UNIT = re.compile(r"[\d})]\s*(?:\\[,;! ]\s*)*(?:\\(?:text|mathrm)\{)?[a-zA-Z]+\}?\s*$")  # `\frac{37}{4}m`


def _mixed_to_sum(s: str) -> str:
    """`7\\frac{3}{11}` -> `7+\\frac{3}{11}`: Math-Verify would read a mixed number as a product."""
    def fix(m: re.Match[str]) -> str:
        whole, num, den = m.group(1), int(m.group(2)), int(m.group(3))
        return f"({whole}+\\frac{{{num}}}{{{den}}})" if 0 < num < den else m.group(0)

    return re.sub(r"(?<![\d.^_{a-zA-Z])(\d+)\s*\\[dt]?frac\{(\d+)\}\{(\d+)\}", fix, s)


def mv_input(s: str) -> str:
    """A string as Math-Verify should see it: `$...$`-wrapped, e-notation and mixed numbers rewritten,
    `x_{\\text{red}}` subscripts made plain (Math-Verify's parser stops at them)."""
    s = re.sub(r"_\{\\(?:text|mathrm)\{(\w+)\}\}", r"_{\1}", s)
    s = re.sub(r"\\exp\s*\{([^{}]*)\}", r"e^{\1}", s)
    return f"${_mixed_to_sum(enotation_to_latex(s))}$"


def _mv_configs(units: bool) -> list[Any]:
    from latex2sympy2_extended.math_normalization import NormalizationConfig
    from math_verify import ExprExtractionConfig, LatexExtractionConfig

    norm = NormalizationConfig(basic_latex=True, units=units, malformed_operators=True, nits=True,
                               boxed="all", equations=False)
    return [LatexExtractionConfig(boxed_match_priority=0, normalization_config=norm), ExprExtractionConfig()]


@functools.lru_cache(maxsize=4096)
def _mv_parse(text: str, units: bool) -> list[Any]:
    """Cached: with n samples per problem the same gold (and often the same answer) comes back n times."""
    from math_verify import parse

    return parse(mv_input(text), _mv_configs(units), parsing_timeout=None)  # type: ignore[arg-type]


def _mv_equal(parsed_gold: list[Any], parsed_answer: list[Any]) -> bool:
    from math_verify import verify

    # Only a parsed maths object counts: when parsing fails Math-Verify falls back to comparing raw
    # string fragments, and a half-parsed `\\lambda_{` matched another half-parsed `\\lambda_{`.
    if not parsed_gold or not parsed_answer or isinstance(parsed_gold[0], str) or isinstance(parsed_answer[0], str):
        return False
    try:
        gold, answer = _same_variable_rhs(parsed_gold[0], parsed_answer[0])
        if not verify([gold], [answer], timeout_seconds=None):
            return False
        return not _numbers_differ(gold, answer)
    except Exception:  # sympy failing on an odd object: Math-Verify could not show them equal
        return False


def _same_variable_rhs(gold: Any, answer: Any) -> tuple[Any, Any]:
    """`x = f(y)` vs `x = g(y)`: compare f with g. Math-Verify would solve both equations, which takes
    seconds for trigonometric right-hand sides; with the same lone variable on the left it is the same."""
    import sympy

    if (isinstance(gold, sympy.Eq) and isinstance(answer, sympy.Eq) and gold.lhs == answer.lhs
            and isinstance(gold.lhs, sympy.Symbol)
            and gold.lhs not in gold.rhs.free_symbols | answer.rhs.free_symbols):
        return gold.rhs, answer.rhs
    return gold, answer


def mv_verify(gold: str, answer: str) -> bool:
    """THE math_verify wrapper: parse both (LaTeX, then plain expressions) and verify(gold, answer).

    Math-Verify's unit stripping turns the gold `\\frac{37}{4}m` into 37/4, so when that stripping
    changed the gold, a second pass keeps letters as symbols; either pass saying equal is equal."""
    from limo.grade.budget import comparison, heavy

    heavy()  # the first comparison of a worker loads sympy and Math-Verify, with the item's clock paused
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    try:
        with comparison():  # in a worker: a CPU-time limit, past which the item is a `timeout`
            return _mv_verify(gold, answer)
    except Exception:  # Math-Verify's parser failing on odd text: it could not show them equal
        return False


mv_verify.memo_tag = "math-verify"  # type: ignore[attr-defined]  # its decisions may be remembered


def _mv_verify(gold: str, answer: str) -> bool:
    gold_units = _mv_parse(gold, units=True)
    if _mv_equal(gold_units, _mv_parse(answer, units=True)):
        return True
    if not _VALUE_WITH_UNIT.search(gold):
        return False  # nothing unit-like at the end of the gold for the first pass to have stripped
    gold_plain = _mv_parse(gold, units=False)
    if [str(x) for x in gold_plain[:1]] == [str(x) for x in gold_units[:1]]:
        return False  # unit stripping did not change the gold: a second pass would say the same
    return _mv_equal(gold_plain, _mv_parse(answer, units=False))


def _numbers_differ(a: object, b: object) -> bool:
    """Veto a Math-Verify `equal` between two constants that differ relatively.

    Math-Verify rounds floats to 6 decimals (so `3.3e-22` == `1.3e-27`) and compares exact values at 15
    digits (`1/2004!` == `1/2006!`). Exact constants must agree to 30 digits, floats to 1e-6 relative.
    An undefined value (`7 - 0\\cdot\\infty` is NaN) equals nothing, and a comparison sympy cannot
    decide (a relational whose truth is unknown) is not evidence of equality: both veto."""
    import sympy

    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)) or a.free_symbols or b.free_symbols:
        return False
    if a.has(sympy.nan, sympy.zoo) or b.has(sympy.nan, sympy.zoo):
        return True
    try:
        diff, scale = abs((a - b).evalf(50)), max(abs(a.evalf(50)), abs(b.evalf(50)))
        if diff.has(sympy.nan) or scale.has(sympy.nan):
            return True
        if not (diff.is_Number and scale.is_Number) or diff == 0:
            return False
        tolerance = "1e-6" if a.has(sympy.Float) or b.has(sympy.Float) else "1e-30"
        return bool(diff > scale * sympy.Float(tolerance))
    except (TypeError, ValueError, ArithmeticError):
        return True
