"""Cheap, exact decisions before Math-Verify: numbers, choice letters and plain text.

Most AIME/AMC/GSM8K rows are an integer against an integer; sympy is slow and (for huge inputs) can
hang, so `decide` settles every case it can parse completely and returns None for the rest.

Numbers are compared as exact rationals: no ×100/÷100 rescaling (`50` is not `0.5`) and no absolute
tolerance (`0.00001` is not `0`). The one tolerance: a gold written as a decimal with ≥ 3 significant
digits accepts a more precise answer that rounds to it (`0.333` vs `\\frac{1}{3}`, Minerva's `27.39` vs
`27.386`); an exact gold never accepts a rounded answer.
A percent sign makes both readings of that side acceptable (`50\\%` matches `50` and `0.5`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

_SPACES = re.compile(r"\\[,;:! ]|\\q?quad|~|\s+")
_WRAPPERS = re.compile(r"\\(?:left|right|displaystyle|textstyle|big|Big|bigg|Bigg)(?![a-zA-Z])")
_DEGREE = re.compile(r"\^\{?\\circ\}?|°|\\degree|\^\{\\text\{o\}\}")
_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox|textnormal|operatorname)\s*\{([^{}]*)\}")
_ASSIGN = re.compile(r"^[a-zA-Z](?:_(?:\{\w+\}|\w+))?=(?!=)")
_MAX_DIGITS = 4000  # beyond this, integers are compared as digit strings (Python refuses int() of them)


def clean(s: str) -> str:
    """A canonical spelling for string comparison: no spaces, `\\left`, `$`, `\\dfrac`, degrees."""
    s = s.strip().replace("\\$", "").replace("$", "")
    s = _WRAPPERS.sub("", s)
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    s = _DEGREE.sub("", s)
    s = _SPACES.sub("", s)
    s = s.replace("\\%", "%").replace("{,}", ",").replace("，", ",").replace("：", ":")
    s = s.rstrip(".。")  # not `[.。]+$`: that regex is quadratic in a long run of dots
    return re.sub(r"([_^])\{(\w)\}", r"\1\2", s)  # E_{1} -> E_1


def unwrap_text(s: str) -> str:
    """`\\text{Evelyn}` -> `Evelyn` (repeatedly, for nested wrappers)."""
    for _ in range(3):
        t = _TEXT.sub(r"\1", s)
        if t == s:
            break
        s = t
    return s


@dataclass(frozen=True)
class Num:
    value: Fraction | None  # None only for integers too long to convert
    digits: str  # normalized digit string for huge integers; "" otherwise
    sig: int  # significant digits if written as a decimal/e-notation literal, else 0 (exact)
    percent: bool


_INT = r"\d+|\d{1,3}(?:,\d{3})+"
_DEC = rf"(?:{_INT})?\.\d+|(?:{_INT})\.?"
_RE_DEC = re.compile(rf"([-+]?)({_DEC})(?:[eE]([-+]?\d{{1,4}})|(?:\\times|\\cdot|\*|x)10\^\{{?([-+]?\d{{1,4}})\}}?)?")
_RE_POW10 = re.compile(r"10\^\{?([-+]?\d{1,4})\}?")
_RE_FRAC = re.compile(r"([-+]?)(\d+)?\\frac\{?([-+]?\d+)\}?\{?(\d+)\}?")
_RE_SLASH = re.compile(r"([-+]?)(\d+)/(\d+)")


def _decimal(sign: str, body: str, exp1: str | None, exp2: str | None) -> Num:
    body = body.replace(",", "")
    exp = int(exp1 or exp2 or 0)
    mantissa = body.split(".")[0].lstrip("0") + (body.split(".")[1] if "." in body else "")
    approx = "." in body.rstrip(".") or exp1 is not None or exp2 is not None
    sig = len(mantissa.lstrip("0")) if approx else 0
    if "." not in body and exp == 0 and len(body) > _MAX_DIGITS:
        return Num(None, sign.replace("+", "") + (body.lstrip("0") or "0"), 0, False)
    if abs(exp) > 1000:
        raise ValueError("exponent too large for the fast path")
    value = Fraction(Decimal(body)) * Fraction(10) ** exp
    return Num(-value if sign == "-" else value, "", sig, False)


def parse_number(s: str) -> Num | None:
    """Parse a cleaned answer that is one plain number; None if it is anything else."""
    s = unwrap_text(s)
    percent = s.endswith("%")
    s = s.rstrip("%")
    if s.startswith("(") and s.endswith(")") and "," not in s:
        s = s[1:-1]
    num: Num | None = None
    try:
        if m := _RE_POW10.fullmatch(s):
            s = f"1\\times10^{{{m[1]}}}"
        if m := _RE_DEC.fullmatch(s):
            num = _decimal(m[1], m[2], m[3], m[4])
        elif m := _RE_FRAC.fullmatch(s):
            whole = int(m[2] or 0)
            frac = Fraction(int(m[3]), int(m[4]))
            value = whole + frac if whole and 0 < frac < 1 else frac if not whole else None
            if value is not None:
                num = Num(-value if m[1] == "-" else value, "", 0, False)
        elif m := _RE_SLASH.fullmatch(s):
            value = Fraction(int(m[2]), int(m[3]))
            num = Num(-value if m[1] == "-" else value, "", 0, False)
    except (ValueError, ZeroDivisionError, InvalidOperation):
        return None
    if num is None:
        return None
    return Num(num.value, num.digits, num.sig, percent)


def _to_sig(x: Fraction, sig: int) -> Decimal:
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = sig
        return +(Decimal(x.numerator) / Decimal(x.denominator))


def _values(n: Num) -> list[Fraction]:
    value = n.value or Fraction(0)
    return [value, value / 100] if n.percent else [value]


_LONG_DECIMAL = 6  # an answer with this many significant digits is a computed value, not a rough guess


def _within_last_digit(exact: Fraction, approx: Fraction, sig: int) -> bool:
    """`0.0833333333333333` for 1/12: the decimal is the exact value rounded or cut at its last digit."""
    return abs(exact - approx) <= abs(exact) * Fraction(10) ** (1 - sig)


def numbers_equal(gold: Num, answer: Num) -> bool:
    """Exact equality, with the percent and significant-digit rules of the module docstring.

    Not symmetric on purpose: a rounded gold (`27.39`) accepts a more precise answer (`27.386`), but an
    exact gold (`\\frac{1}{3}`, `6630`) never accepts a rounded answer (`0.333`, `6630.65`)."""
    if gold.value is None or answer.value is None:
        return bool(gold.digits) and gold.digits == answer.digits
    more_precise = answer.sig == 0 or answer.sig > gold.sig
    for x in _values(gold):
        for y in _values(answer):
            if x == y:
                return True
            if gold.sig >= 3 and more_precise and y != 0 and _to_sig(y, gold.sig) == _to_sig(x, gold.sig):
                return True
            if gold.sig == 0 and answer.sig >= _LONG_DECIMAL and x != 0 and _within_last_digit(x, y, answer.sig):
                return True
    return False


_CHOICE = re.compile(r"^(?:\\text\{|\\textbf\{|\\mathrm\{|\\mathbf\{)?(?:option|choice|选项?)?\s*"
                     r"[(（]?([A-J])[)）]?(?:\}|(?=[.．、:：\s]|\\[ ,;:!]|\\q?quad|$))", re.I)  # `(C)\ 5`: LaTeX spaces


_CHOICE_PREFIX = re.compile(r"^(?:\\textbf\{|\\text\{|\\mathrm\{)?\s*\(([A-E])\)\s*\}?\s*(?=\S)")


def strip_choice_prefix(s: str) -> str:
    """`\\textbf{(B) } 27` -> `27`: AMC answers carry the option label before the value."""
    return _CHOICE_PREFIX.sub("", s, count=1)


def choice_letter(s: str) -> str | None:
    """The option letter an answer names: `C`, `(C)`, `\\text{(C)}`, `C. 42`, `Option C`."""
    s = s.strip().replace("\\$", "").replace("$", "").strip()
    m = _CHOICE.match(s)
    if not m:
        return None
    letter = m.group(1)
    rest = s[m.end():].strip()
    # "a" alone is more likely a variable than option (a); options are written in capitals.
    if letter.islower() and rest == "" and not s.startswith(("(", "（", "\\text", "option", "Option")):
        return None
    return letter.upper()


def is_text(s: str) -> bool:
    """Prose rather than maths: CJK characters, or words of 3+ letters that are not LaTeX commands."""
    t = re.sub(r"\\[a-zA-Z]+", " ", unwrap_text(s))
    return bool(re.search(r"[\u4e00-\u9fff]", t)) or bool(re.fullmatch(r"[A-Za-z][A-Za-z\s\-']{2,}", t.strip()))


def is_prose(s: str) -> bool:
    """Three or more English words outside `\\text{}`: a sentence, not a maths answer. Math-Verify would
    pick some number out of it, so such answers are compared as text only."""
    bare = re.sub(r"\\(?:text|textbf|mathrm|mbox|begin|end)\s*\{[^{}]*\}|\\[a-zA-Z]+", " ", s)  # `\\begin{pmatrix}`
    return len(re.findall(r"(?<![\\\w])[A-Za-z]{3,}\b", bare)) >= 3


def text_key(s: str) -> str:
    """Comparison key for prose answers: case, spaces, punctuation and wrappers ignored."""
    t = unwrap_text(clean(s)).lower()
    key = re.sub(r"[\s{}()\[\].,，。、:;'\"!?-]", "", t)
    return _TEXT_SYNONYMS.get(key, key)


_TEXT_SYNONYMS = {"dne": "doesnotexist", "doesntexist": "doesnotexist"}  # the abbreviation textbooks use


_UNIT_WORDS = ("cm|mm|km|kg|mg|ml|mL|m/s|km/h|mph|kph|meters?|metres?|inches|inch|feet|foot|ft|miles?|hours?|hrs?|"
               "minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|dollars?|cents?|units?|degrees?|"
               "liters?|litres?|grams?|pounds?|lbs?|ounces?|oz|yards?|yd|sq|square|cubic|percent|people|"
               "students|ways|times|points|erg|ergs|eV|keV|MeV|Hz|kHz|MHz|GHz|nm|pc|kpc|Mpc|AU|kW|Pa|atm")
_UNIT_TAIL = re.compile(r"(?:\\(?:text|mathrm|mbox|textrm|rm)\{(?P<t>[^{}\d]*)\}(?:\^\{?-?\d\}?)?|[·⋅/]|"
                        rf"(?<![a-zA-Z\\])(?:{_UNIT_WORDS})(?:\^\{{?-?\d\}}?)?)$")


# An ordinal ending after a digit: `12^{\\mathrm{th}}`, `2^{nd}`, `3\\text{rd}`, `1st`. Math-Verify reads
# `12^{\\mathrm{th}} \\text{grade}` as 12 too; here it needs no sympy (a worker and its imports).
_ORDINAL_TAIL = re.compile(r"(?<=\d)(?:\^\{?)?(?:\\(?:text|mathrm|textrm)\{(?:st|nd|rd|th)\}|(?:st|nd|rd|th))\}?$")


def strip_units(s: str) -> str:
    """`7.26\\times10^{6}\\text{m}` -> `7.26\\times10^{6}`; `12cm` -> `12`; `12^{th}` -> `12`. Text groups
    saying `or`/`and` are kept (`5\\text{or}7` is two answers), and bare single letters are never units (`5x`)."""
    for _ in range(6):
        m = _UNIT_TAIL.search(s) or _ORDINAL_TAIL.search(s)
        if not m or m.start() == 0 or re.search(r"\b(?:or|and)\b|,", m.groupdict().get("t") or ""):
            break
        s = s[:m.start()]
    return s


def split_top(s: str) -> list[str]:
    """Split a cleaned answer on commas outside brackets: `(1,2),3` -> [`(1,2)`, `3`]."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(s):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return parts


_CONNECTORS = {"or", "and", "to", "plus", "minus", "times", "over", "divided", "by", "of", "is", "mod", "pi"}


def strip_trailing_words(s: str) -> str:
    """`9 customers` / `28 different pizzas` -> the number: up to three plain words after a number.
    Connectors (`5 or 7`, `3 to 4`) keep the text whole."""
    m = re.fullmatch(r"\s*(.*?\d)\s+((?:[A-Za-z]{2,}[\s.]*){1,3})", s)
    if not m or any(w.lower().strip(".") in _CONNECTORS for w in m.group(2).split()):
        return s
    return m.group(1)


# `x =`, `x_p(t) =`, `\\theta_a =`, `MRS_{S,C} =`, `\\frac{V_o(s)}{V_i(s)} =`: a name being defined.
_NAMED_LHS = re.compile(r"^\s*(?:(?:[A-Za-z]{1,4}|\\[a-zA-Z]+)(?:_(?:\{[\w,\\ ]+\}|\w+))?(?:\^(?:\{[\w\\]+\}|\w+))?"
                        r"(?:\s*\([^()=]{0,20}\))?|\\d?frac\{[^{}=]{1,20}\}\{[^{}=]{1,20}\})\s*=(?!=)\s*")


def _top_level_equals(s: str) -> int:
    return len(re.findall(r"(?<![<>!\\])=(?!=)", s))


def drop_named_lhs(gold: str, answer: str) -> tuple[str, str]:
    """Compare `x(t) = e^t/3` with the gold `e^{t}/3` as `e^t/3`: when exactly one side defines a name,
    drop the name. (Math-Verify would treat `x(t) = ...` as an equation and call sympy's solver, which
    takes seconds; chains `a = b = c` keep their last part.)"""
    def defines_one_name(s: str) -> bool:  # `b = m, k = 2m` defines several: left to Math-Verify
        return bool(_NAMED_LHS.match(s)) and len(split_top(s.replace("\\quad", ","))) == 1

    if _top_level_equals(gold) == 0 and defines_one_name(answer):
        return gold, answer.rsplit("=", 1)[1].strip()
    if _top_level_equals(answer) == 0 and defines_one_name(gold):
        return gold.rsplit("=", 1)[1].strip(), answer
    if _top_level_equals(gold) == _top_level_equals(answer) == 1 and defines_one_name(gold) and defines_one_name(answer):
        # `f(x) = x+1` vs `f(x) = x`: the same name defined on both sides is the same answer exactly when
        # the right-hand sides are equal (Math-Verify's solver would find that too, slowly)
        (g_name, g_rhs), (a_name, a_rhs) = (clean(x).split("=", 1) for x in (gold, answer))
        if g_name == a_name and g_name not in g_rhs + a_rhs:
            return gold.split("=", 1)[1].strip(), answer.split("=", 1)[1].strip()
    return gold, answer


def strip_assignment(s: str) -> str:
    """`x=5` -> `5` when the other side is not an equation (`a+b` is left alone)."""
    return _ASSIGN.sub("", s, count=1)
