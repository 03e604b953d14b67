"""Is an extracted answer equivalent to the gold? Fast paths first, then Math-Verify.

Math-Verify itself is called in one place, `limo.grade.mathverify.mv_verify`, the default `mv` here.

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

import re
from collections.abc import Callable

from limo.grade.fastpath import (Num, choice_letter, clean, drop_named_lhs, is_prose, is_text, numbers_equal, parse_number,
                                 split_top, strip_assignment, strip_choice_prefix, strip_trailing_words,
                                 strip_units, text_key, unwrap_text)
from limo.grade.equations import compare_equations
from limo.grade.gold import Gold
from limo.grade.mathverify import mv_verify
from limo.grade.numeric import compare_constants, evaluate
from limo.grade.notation import (alternatives, assignment_values, collapse_chain, constants, drop_conditions, drop_modulus,
                                 has_relation, relation_to_interval, set_builder, single_backslash_relations,
                                 single_valued)
from limo.grade.units import compare_units, is_compound
from limo.grade.spelling import (decimal_comma_equal, join_digit_groups, number_word, repeating_decimals,
                                 rounded_structure_equal)

MvFn = Callable[[str, str], bool]
_MAX_MV_CHARS = 600  # longer answers are not what a benchmark gold looks like; sympy could take forever
# Longer still, an answer skips the notation rules too (compared exactly after cleaning): those are regexes
# that backtrack, fine on answers of a benchmark's size, and they run in the calling process, where no
# timeout can stop them (`x <` + 20,000 spaces + `5` took 15 s there).
_MAX_RULES_CHARS = 2000
_SPACE_RUN = re.compile(r"\s+")  # a run of whitespace means one space in LaTeX, and backtracks quadratically
# a^{b^{c...}} with a numeric base: three nested exponents, or two whose value is astronomically large.
_TOWER = re.compile(r"\^\s*\{[^{}]*\^\s*\{?[^{}]*\^")
_BIG_FACTORIAL = re.compile(r"\d{5,}\s*!")  # 99999!: sympy would compute it in full
# a sum or product over 10,000+ terms (`\prod_{k=1}^{10^{9}} k`): sympy would add or multiply them one by one
_LONG_SERIES = re.compile(r"\\(?:sum|prod)\s*_\s*\{[^{}]*\}\s*\^\s*\{?\s*(?:\d{5,}|\d+\s*\^)")
_NUM_TOWER = re.compile(r"(\d+)\s*\^\s*\{?\s*\(?\s*(\d+)\s*\^\s*\{?\s*\(?\s*(\d+)")


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
    gold_text, answer = _SPACE_RUN.sub(" ", gold.text), _SPACE_RUN.sub(" ", answer)
    if max(len(gold_text), len(answer)) > _MAX_RULES_CHARS:
        return clean(gold_text) == clean(answer)
    gold_text, answer = drop_modulus(gold_text, answer)
    gold = Gold(text=_prepare(gold_text), choice=gold.choice)
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
