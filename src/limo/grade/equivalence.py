"""Is an extracted answer equivalent to the gold? Fast paths first, then Math-Verify.

`mv_verify` is the one place in limo that calls math_verify. It disables math_verify's own
signal-based timeouts (they only work in a main thread and do not stop every hang): callers run it in a
worker process that the parent kills at the deadline (see `limo.grade.pool`).

`equivalent` decides in this order, stopping at the first answer:
1. identical after canonical cleaning (spaces, `\\left`, `\\dfrac`, degrees, `$`) -> equal;
2. option letters, when the gold names one (`C` vs `(C)`; `C. {x|...}` also accepts its content);
3. prose golds (Chinese, words): compared as text, never sent to sympy;
4. both plain numbers (ints, decimals, fractions, mixed numbers, e-notation, percent): exact compare;
5. inputs that could only hang sympy (power towers, very long answers) -> not equal;
   constant expressions (`\\frac`, `\\sqrt`, `^`, `\\pi`, tuples of them) -> evaluated to 50 digits
   (`limo.grade.numeric`), which spares Math-Verify's slow LaTeX parser;
6. two equations: as multiples of each other, differential equations included (`limo.grade.equations`);
7. Math-Verify on the two strings (intervals, sets, tuples, matrices, equations, expressions).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from limo.grade.fastpath import (Num, choice_letter, clean, drop_named_lhs, is_prose, is_text, numbers_equal, parse_number,
                                 split_top, strip_assignment, strip_choice_prefix, strip_trailing_words,
                                 strip_units, text_key, unwrap_text)
from limo.grade.equations import compare_equations
from limo.grade.gold import Gold, enotation_to_latex
from limo.grade.numeric import compare_constants, evaluate
from limo.grade.notation import (alternatives, assignment_values, collapse_chain, constants, drop_conditions,
                                 has_relation, relation_to_interval, set_builder, single_backslash_relations,
                                 single_valued)
from limo.grade.units import compare_units, is_compound
from limo.grade.spelling import (decimal_comma_equal, join_digit_groups, number_word, repeating_decimals,
                                 rounded_structure_equal)

MvFn = Callable[[str, str], bool]
_MAX_MV_CHARS = 600  # longer answers are not what a benchmark gold looks like; sympy could take forever
_VALUE_WITH_UNIT = re.compile(r"[\d})]\s*(?:\\[,;! ]\s*)*(?:\\(?:text|mathrm)\{)?[a-zA-Z]+\}?\s*$")  # `\frac{37}{4}m`
# a^{b^{c...}} with a numeric base: three nested exponents, or two whose value is astronomically large.
_TOWER = re.compile(r"\^\s*\{[^{}]*\^\s*\{?[^{}]*\^")
_BIG_FACTORIAL = re.compile(r"\d{5,}\s*!")  # 99999!: sympy would compute it in full
# a sum or product over 10,000+ terms (`\prod_{k=1}^{10^{9}} k`): sympy would add or multiply them one by one
_LONG_SERIES = re.compile(r"\\(?:sum|prod)\s*_\s*\{[^{}]*\}\s*\^\s*\{?\s*(?:\d{5,}|\d+\s*\^)")
_NUM_TOWER = re.compile(r"(\d+)\s*\^\s*\{?\s*\(?\s*(\d+)\s*\^\s*\{?\s*\(?\s*(\d+)")


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


_MAX_NESTING = 30  # brackets nested deeper than this are no benchmark answer; sympy's parser recurses on them


def _nesting(s: str) -> int:
    depth = deepest = 0
    for c in s:
        if c in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in ")]}":
            depth -= 1
    return deepest


def too_costly(s: str) -> bool:
    """Cheap pre-check for inputs that make sympy compute for minutes: huge exponent towers, long text."""
    if len(s) > _MAX_MV_CHARS or _TOWER.search(s) or _BIG_FACTORIAL.search(s) or _LONG_SERIES.search(s) or _nesting(s) > _MAX_NESTING:
        return True
    for m in _NUM_TOWER.finditer(s):
        base, e1, e2 = (int(x[:6]) for x in m.groups())
        if base > 1 and e1 > 1 and e2 * len(str(e1)) > 6:  # e1**e2 has more than ~6 digits
            return True
    return False


def _choice_decision(gold: Gold, answer: str) -> bool | None:
    letter = choice_letter(answer)
    if gold.choice is None:
        return None
    options = {choice_letter(x) for x in alternatives(answer)}
    if len(options) > 1 and None not in options:
        return False  # `C and D`, `C \\text{ or } D`: a hedge over options against one letter
    if letter is not None:
        return letter == gold.choice
    return False if gold.text == gold.choice else None  # bare-letter gold: only a letter can match


def fast_decision(gold: Gold, answer: str) -> bool | None:
    """Steps 1-5 of the module docstring; None when only Math-Verify can decide."""
    g, a = clean(gold.text), clean(answer)
    with_letter = gold.choice and a == clean(f"{gold.choice}.{gold.text}")  # `C. {x|...}` written out
    if g == a or unwrap_text(g) == unwrap_text(a) or with_letter:
        return True
    decided = _choice_decision(gold, answer)
    if decided is not None:
        return decided
    if is_text(gold.text) or is_prose(answer):
        return text_key(gold.text) == text_key(answer)
    if decimal_comma_equal(gold.text, answer):
        return True  # `1000,99` vs `1000.99`: one value with a decimal comma, not a hedge
    if single_valued(g) and len({clean(x) for x in alternatives(answer)}) > 1:
        return False  # a hedge: `5 \\text{or} 7`, `x = 5 \\lor x = 7`, `5, 7` against one value
    if gold.choice is None:
        a = strip_choice_prefix(a)
    if is_compound(a) and not is_compound(g):
        return False  # `1\\text{ m }20\\text{ cm}` is not 1 (nor 20)
    decided = compare_units(g, a)  # `3\\text{ kg}` vs `3\\text{ g}`; `3\\text{ km}` vs `3000\\text{ m}`
    if decided is not None:
        return decided
    if _other_name(g, a):
        return False  # `x = 2` (a vertical line) is not `y = 2`
    # `81, 256` (a comma and a space) is a list of two values, not the number 81256
    gold_num = None if re.search(r",\s+\d", gold.text) else parse_number(strip_units(strip_assignment(g)))
    if gold_num is not None:
        answer_num = (parse_number(strip_units(strip_assignment(a)))
                      or parse_number(clean(strip_trailing_words(answer))))
        if answer_num is not None:
            return numbers_equal(gold_num, answer_num)
        if gold_num.sig >= 3 and (exact := _exact_value(answer)) is not None:
            return numbers_equal(gold_num, exact)  # `2\\sqrt3` for the rounded gold `3.46`
    if _same_list(g, a):
        return True
    if too_costly(a) or too_costly(g):
        return False
    if rounded_structure_equal(gold.text, answer):
        return True  # `(0.6, 2.6667]` vs `(\\frac{3}{5}, \\frac{8}{3}]`
    return compare_constants(gold.text, answer)  # `70\\sqrt{2}` vs `70+10\\sqrt{13}` without sympy


def _exact_value(answer: str) -> Num | None:
    """An arithmetic answer without variables (`2\\sqrt3`, `\\frac{\\pi}{4}`) as a number at 50 digits,
    to be rounded to a decimal gold's own digits; None for anything else."""
    from decimal import Decimal
    from fractions import Fraction

    value = evaluate(strip_units(answer))
    if value is None or value[1] or value[0].imag != 0:
        return None
    return Num(Fraction(Decimal(str(value[0].real))), "", 0, False)


def _other_name(gold: str, answer: str) -> bool:
    """Both sides assign one value, to different names: `x=2` against the gold `y=2`."""
    g, a = _ASSIGNED.match(gold), _ASSIGNED.match(answer)
    return bool(g and a) and g.group(1) != a.group(1)  # type: ignore[union-attr]


_ASSIGNED = re.compile(r"^([a-zA-Z](?:_(?:\{\w+\}|\w+))?)=(?!=)(?!.*=)")


def _same_list(gold: str, answer: str) -> bool:
    """A bare list gold `-2,-2` matches `(-2, -2)` and `a=-2, b=-2`: same items in the same order.
    Math-Verify reads a bare list as a set ({-2}) and would reject the tuple."""
    gold_items = split_top(gold)
    if len(gold_items) < 2 or gold.startswith(("(", "[", "\\{")):
        return False
    if answer.startswith("(") and answer.endswith(")") and len(split_top(answer[1:-1])) == len(gold_items):
        answer = answer[1:-1]
    answer_items = [strip_assignment(x) for x in split_top(answer)]
    if len(answer_items) != len(gold_items):
        return False
    for g, a in zip(gold_items, answer_items):
        if g == a:
            continue
        gn, an = parse_number(g), parse_number(a)
        if gn is None or an is None or not numbers_equal(gn, an):
            return False
    return True


_INTERVAL = re.compile(r"^\s*[(\[].*(?:,|\\infty).*[)\]]\s*$|\\cup|\\emptyset|\\varnothing|\\mathbb")
_MEMBER = re.compile(r"^\s*(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_(?:\{\w+\}|\w+))?\s*\\in\s+")


_ZH_OR = re.compile(r"\\text\s*\{\s*或\s*\}")  # `x<-1 \\text{ 或 } x>1`: Gaokao's "or" between relations
_EMPTY = re.compile(r"\\varnothing|∅|\\\{\s*\\\}|\\left\\\{\s*\\right\\\}")
_PLUS_INFINITY = re.compile(r"(^|[(\[,]\s*)\+\s*(?=\\infty)")


_REALS = re.compile(r"^\s*\\(?:text|mathrm|textrm)\s*\{\s*(?:all\s+)?real\s+numbers?\s*\}\s*$|^\s*\\text\{\s*all\s+reals\s*\}\s*$", re.I)
_NO_SOLUTION = re.compile(r"^\s*\\(?:text|mathrm|textrm)\s*\{\s*no\s+(?:real\s+)?solutions?\s*\}\s*$", re.I)


def _same_symbols(s: str) -> str:
    """One spelling for the empty set (`\\varnothing`, `\\{\\}`, `\\text{no solution}`), the reals
    (`\\text{all real numbers}`) and infinity (`+\\infty` is `\\infty`)."""
    s = _NO_SOLUTION.sub(r"\\emptyset", _REALS.sub(r"\\mathbb{R}", s))
    return _PLUS_INFINITY.sub(r"\1", _EMPTY.sub(r"\\emptyset", s))


def _prepare(s: str) -> str:
    """The notation rules of `limo.grade.notation` that rewrite a side before any comparison."""
    s = drop_conditions(constants(join_digit_groups(single_backslash_relations(s))))
    s = _ZH_OR.sub(r"\\text{ or }", number_word(s))
    s = assignment_values(set_builder(_same_symbols(repeating_decimals(s))))
    if len(alternatives(s)) == 1:  # `x = 5 \\text{ or } x = 7` is two values, not a chain
        s = collapse_chain(s)
    return _MEMBER.sub("", s, count=1)


def _compare(gold: str, answer: str, mv: MvFn) -> bool:
    """Math-Verify, except that a relation only matches a relation or the interval it describes."""
    if has_relation(gold) == has_relation(answer):
        if mv(gold, answer):
            return True
        both = (relation_to_interval(gold), relation_to_interval(answer)) if has_relation(gold) else (None, None)
        # `x < 3 \text{ or } x > 5` vs `x > 5 \text{ or } x < 3`: the same set of values
        return None not in both and mv(*both)  # type: ignore[arg-type]
    relation, other = (gold, answer) if has_relation(gold) else (answer, gold)
    interval = relation_to_interval(relation)
    if interval is None or not _INTERVAL.search(clean(other)):
        return False  # `x \\neq 3` is not 3; `x \\geq 5` is not 5
    return mv(interval, answer) if relation is gold else mv(gold, interval)


def equivalent(gold: Gold, answer: str, mv: MvFn = mv_verify) -> bool:
    """True when `answer` is a correct final answer for `gold` (see module docstring)."""
    gold = Gold(text=_prepare(gold.text), choice=gold.choice)
    answer = _prepare(answer)
    decided = fast_decision(gold, answer)
    if decided is not None:
        return decided
    gold_rhs, answer_rhs = drop_named_lhs(gold.text, answer)
    if (gold_rhs, answer_rhs) != (gold.text, answer) and not (too_costly(gold_rhs) or too_costly(answer_rhs)):
        decided = compare_constants(gold_rhs, answer_rhs)  # `f(x) = x+1` vs `f(x) = x`: x+1 vs x
        if decided is not None:
            return decided
    decided = compare_equations(gold_rhs, answer_rhs)  # `x' + kx = 0` vs `\\dot{x} = -kx` without sympy's solver
    if decided is not None:
        return decided
    return _compare(gold_rhs, answer_rhs, mv)
