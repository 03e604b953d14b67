"""How numbers are spelled: LaTeX digit grouping, decimal commas, and rounded decimals inside structures.

Each rule fixes a class of false negatives seen in Math-Verify's own test tables, and each is written so
that it cannot create a false positive:
- LaTeX digit grouping (`11,\\! 111,\\! 100`, `1\\,000\\,000`, `1{,}000`) is one integer (`join_digit_groups`);
  a comma and a plain space (`32, 349`) stay two values, and a comma followed by `\\,` (`(100,\\,200)`) is
  left as written.
- A decimal comma (`1000,99`, `0,111`, `1,22`) is a decimal point only where a thousands reading is
  impossible (the group after the comma is not 3 digits, or the integer part is 0 or has 4+ digits), and
  only against a number written with a decimal point (`decimal_comma_equal`): `1,000` is one thousand,
  `1, 2` a list, and `1,2` is never compared with a fraction. A gold needs 2+ digits after its comma
  (`1,3`, `-2,1`, `0,5` are how MATH writes two roots; an answer `2,5` for the gold 2.5 is a decimal).
- A tuple, interval or matrix of decimals (`(0.6, 2.6667]`) matches an exact gold (`(\\frac{3}{5}, \\frac{8}{3}]`)
  when each decimal is the gold value rounded to the decimal's own places, with at least 2 decimal places
  and 2 significant digits (`rounded_structure_equal`): `0.33` for 1/3 yes, `0.3` or `0.34` no. A single
  number keeps the stricter rule of `limo.grade.fastpath` (an exact gold never accepts a rounded answer):
  in a structure the shape and all the other entries already say the answer was understood.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# A thousands group after LaTeX spacing: `,\\!` (MATH's `28,\\!800`), `{,}`, or spacing alone (`1\\,000`).
# Each repetition starts at a backslash, so there is one way to match (no backtracking blow-up on `1\\,  \\,  x`).
_GROUP_SEP = r"(?:\s*(?:,|\{,\})\s*\\!\s*|\{,\}|\s*(?:\\[,;! ]\s*)+)"
_LATEX_GROUPED = re.compile(rf"(?<![\d.,}}])\d{{1,3}}(?:{_GROUP_SEP}\d{{3}})+(?![\d])")


def join_digit_groups(s: str) -> str:
    """`11,\\! 111,\\! 111,\\! 100` -> `11111111100`; `1\\,000\\,000` -> `1000000`; `1{,}000` -> `1000`."""
    if "\\" not in s and "{," not in s:
        return s
    return _LATEX_GROUPED.sub(lambda m: re.sub(r"\D", "", m.group()), s)


_COMMA_DECIMAL = re.compile(r"([-+]?)(\d+)(?:,|\{,\})(\d+)")
_POINT_DECIMAL = re.compile(r"[-+]?\d+\.\d+")


def _comma_value(s: str) -> Decimal | None:
    """The value of `1000,99` / `0,111` / `1{,}22` read with a decimal comma, when no thousands reading
    is possible; None otherwise (`1,000` is one thousand, `01,5` is not a number)."""
    m = _COMMA_DECIMAL.fullmatch(s.strip().strip("$").strip())
    if not m or (len(m[2]) > 1 and m[2].startswith("0")):
        return None
    whole, frac = m[2], m[3]
    if len(frac) == 3 and whole != "0" and len(whole) <= 3:
        return None  # `1,000`, `12,345`: thousands
    return Decimal(f"{m[1]}{whole}.{frac}")


def decimal_comma_equal(gold: str, answer: str) -> bool:
    """`1000,99` = `1000.99`, `0,111` = `0.111`, `1,22` = `1.22` (either side may use the comma). A gold
    with one digit after the comma is a list (`1,3`, `-2,1`, `0,5` are how MATH writes two roots)."""
    for comma, point, min_digits in ((gold, answer, 2), (answer, gold, 1)):
        p = point.strip().strip("$").strip()
        if "," in comma and _POINT_DECIMAL.fullmatch(p) and re.search(rf"\d{{{min_digits}}}\s*\$?\s*$", comma):
            value = _comma_value(comma)
            if value is not None:
                try:
                    return value == Decimal(p)
                except InvalidOperation:
                    return False
    return False


_MATRIX = re.compile(r"^\(?\s*\\begin\{([pbvB]?matrix)\}(.*)\\end\{\1\}\s*\)?$", re.S)
_DECIMAL = re.compile(r"[-+]?\d*\.(\d+)")


def _cells(s: str) -> tuple[str, list[str]] | None:
    """(shape key, entries) of a matrix, tuple or interval; None for anything else."""
    s = re.sub(r"\\(?:left|right)(?![a-zA-Z])|\s+", "", s).replace("\\dfrac", "\\frac")
    if m := _MATRIX.match(s):
        rows = [r for r in m[2].split("\\\\") if r]
        cells = [r.split("&") for r in rows]
        return f"matrix{[len(r) for r in cells]}", [c for r in cells for c in r]
    if len(s) > 2 and s[0] in "([" and s[-1] in ")]":
        from limo.grade.fastpath import split_top

        items = split_top(s[1:-1])
        if len(items) >= 2:
            return f"{s[0]}{len(items)}{s[-1]}", items
    return None


def _rounded(exact: str, approx: str) -> bool:
    """`approx` (a decimal with >= 2 places and >= 2 significant digits) is `exact` rounded to its places."""
    from limo.grade.numeric import evaluate

    m = _DECIMAL.fullmatch(approx)
    digits = approx.lstrip("+-").replace(".", "").lstrip("0")
    if not m or len(m[1]) < 2 or len(digits) < 2:
        return False
    value = evaluate(exact)
    if value is None or value[1] or value[0].imag != 0:
        return False
    a = Fraction(Decimal(approx))
    x = Fraction(str(value[0].real))  # 50 digits: far finer than any written rounding
    return abs(x - a) <= Fraction(1, 2 * 10 ** len(m[1]))


def _entry_equal(g: str, a: str) -> bool:
    from limo.grade.fastpath import numbers_equal, parse_number

    if g == a:
        return True
    gn, an = parse_number(g), parse_number(a)
    if gn is not None and an is not None and numbers_equal(gn, an):
        return True
    return _rounded(g, a)


def rounded_structure_equal(gold: str, answer: str) -> bool:
    """A matrix, tuple or interval of decimals vs the same shape of exact values (see module docstring).
    True only when every entry is equal or correctly rounded; False means "not shown", not "different"."""
    if "." not in answer:
        return False
    g, a = _cells(gold), _cells(answer)
    if g is None or a is None or g[0] != a[0]:
        return False
    return all(_entry_equal(x, y) for x, y in zip(g[1], a[1]))


# A repeating decimal: `0.\overline{12}`, `0.1\overline{6}`, `0.\dot{3}`, or digits then an ellipsis
# (`0.333\ldots`, `0.1666...`), whose period is the shortest block the written digits end in twice.
# Lengths are capped (a 5,000-digit period is no answer, and int() refuses 4,300+ digits).
_OVERLINE = re.compile(r"(?<!\d)(\d{0,30})\.(\d{0,30})\\(?:overline|bar|dot)\s*\{?\s*(\d{1,30})\s*\}?")
_ELLIPSIS = re.compile(r"(?<!\d)(\d{0,30})\.(\d{1,60})\s*(?:\\ldots|\\dots|\\cdots|\.\.\.|…)")


def _repeating(whole: str, head: str, period: str) -> str:
    value = Fraction(int(whole or 0)) + Fraction(int(head or 0), 10 ** len(head))
    value += Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(head))
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"


def _ellipsis(m: re.Match[str]) -> str:
    whole, digits = m.group(1), m.group(2)
    for p in range(1, min(6, len(digits) // 2) + 1):
        block = digits[-p:]
        if digits.endswith(block * 2):
            head = digits[:len(digits) - p]
            while head.endswith(block):  # `0.333...`: the period starts right after the point
                head = head[:-p]
            return _repeating(whole, head, block)
    return m.group()  # no repeated block: `3.14159...` is a cut-off decimal, left as written


def repeating_decimals(s: str) -> str:
    """`0.\\overline{3}` -> `\\frac{1}{3}`, `0.1\\overline{6}` -> `\\frac{1}{6}`, `0.333\\ldots` -> `\\frac{1}{3}`."""
    if "." not in s:
        return s
    s = _OVERLINE.sub(lambda m: _repeating(m.group(1), m.group(2), m.group(3)), s)
    return _ELLIPSIS.sub(_ellipsis, s)


_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen twenty").split()
_NUMBER_WORD = re.compile(rf"\s*(?:\\(?:text|textbf|mathrm)\s*\{{\s*)?({'|'.join(_WORDS)})\s*\}}?\s*\.?\s*", re.I)


def number_word(s: str) -> str:
    """`five`, `\\text{two}` -> `5`, `2`: an answer that is one number word (zero to twenty) is that number."""
    m = _NUMBER_WORD.fullmatch(s)
    return str(_WORDS.index(m.group(1).lower())) if m else s
