"""Exact arithmetic answers without sympy: `70\\sqrt{2}` vs `70+10\\sqrt{13}`, `(6,31,-1)` vs `(0,-4,-1)`.

Profiling `limo grade` on well-formed responses showed nearly all the time in Math-Verify's LaTeX parser
(ANTLR, slowest in a fresh worker while its caches are cold) for the few answers the number fast path
cannot read. Most of those are arithmetic: numbers, `\\frac`, `\\sqrt`, `^`, `\\pi`, `e`, `i`, single-letter
variables, products, tuples. This module evaluates such an expression to 50 digits with mpmath (each
variable at one fixed irrational value), and says *nothing* (None) about anything else: a decimal point,
a subscript, an unknown command (`\\sin`), a huge exponent.

Decisions: two expressions whose values differ beyond 1e-20 relative are not equal (they differ as
functions, so no rewriting can make them equal); two constants (no variables) that agree to 1e-40 are
equal (exact expressions that agree to 40 digits but differ do not occur as answers); two expressions
with variables are equal when they agree at three sample points (all variables positive, all negative,
mixed signs). Anything else goes on to Math-Verify.
"""

from __future__ import annotations

import re
from typing import Any

_GREEK = ("alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|lambda|mu|nu|rho|sigma|tau|phi|varphi|omega|"
          "kappa|chi|psi|xi|Delta|Gamma|Lambda|Omega|Phi|Psi|Sigma|Theta")
_FUNCTIONS = {"sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
              "exp": "exp", "ln": "ln", "arcsin": "asin", "arccos": "acos", "arctan": "atan"}
# A variable is a letter or Greek letter with an optional subscript: `x`, `C_1`, `v_{o}`, `\omega_n`. A Greek
# letter may be glued to the next letter, as in golds stored without spaces (`\omegat`, `2\pic^2`): Math-Verify
# reads those as products too (omega*t, pi*c**2).
_VARIABLE = rf"(?:[a-zA-Z]|\\(?:{_GREEK}))(?:_(?:\{{[a-zA-Z0-9]+\}}|[a-zA-Z0-9]))?"
_TOKEN = re.compile(rf"\d+|\\(?:frac|sqrt|cdot|times|{'|'.join(_FUNCTIONS)})(?![a-zA-Z])|\\pi|[-+*/^(){{}}\[\],!]|"
                    rf"{_VARIABLE}")
# What may follow the argument of a function written without parentheses (`\sin \theta_w`, `\ln 2`) for
# the reading to be unambiguous: the end, a sum, a closing bracket or another function. `\sin 2x` stops here.
_TOKEN_DECIMALS = re.compile(r"\d*\.\d+|" + _TOKEN.pattern)  # `decimal_constants_differ` only
_AFTER_BARE_ARGUMENT = {None, "+", "-", ")", "}", "]", ","} | {f"\\{name}" for name in _FUNCTIONS}
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # `7,425,000` is one number
_MAX_EXP = 10_000  # larger exponents (2^{2022} is fine, 10^{10^5} is not) are left to the other paths


_LIGHT = re.compile(r"\\(?:left|right|displaystyle|[dt]frac|[,;:! ]|q?quad)(?![a-zA-Z])|\$")


# Words, not products of variables: connectors (`1 and 2`, `5 or 7`) and any run of 4+ letters. Short runs
# such as `at`, `mg`, `LC` stay products (`\\sinh(at)`, `mg\\sin(\\theta)`).
_WORD = re.compile(r"(?<![\\a-zA-Z])(?:[a-zA-Z]{4,}|(?:and|or|for|if|is|to|of|in|the|yes|no|not|all)(?![a-zA-Z]))",
                   re.I)


class _Unknown(Exception):
    """The text is not a constant expression this evaluator reads."""


class _Parser:
    def __init__(self, text: str, mp: Any, point: int = 0, shifted: frozenset[str] = frozenset(),
                 decimals: bool = False) -> None:
        self.mp, self.point, self.shifted = mp, point, shifted
        text = _LIGHT.sub(lambda m: "\\frac" if "frac" in m.group() else " ", text).strip()
        if _WORD.search(text):
            raise _Unknown  # `1 and 2`, `5 or 7`: words, not products of variables
        pos, tokens = 0, []
        for m in (_TOKEN_DECIMALS if decimals else _TOKEN).finditer(text):
            if text[pos:m.start()].strip():
                raise _Unknown
            tokens.append(m.group())
            pos = m.end()
        if text[pos:].strip() or not tokens:
            raise _Unknown
        self.tokens, self.i = tokens, 0
        self.has_variables = False

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise _Unknown
        self.i += 1
        return tok

    def expr(self) -> Any:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Any:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "\\cdot", "\\times", "/"):
                self.take()
                rhs = self.unary()
                value = value * rhs if tok != "/" else value / self._nonzero(rhs)
            elif tok is not None and (tok[0].isalnum() or tok[0] == "\\" or tok in ("(", "[")):
                value = value * self.power()  # implicit product: `70\sqrt{2}`, `2\pi`
            else:
                return value

    def unary(self) -> Any:
        if self.peek() in ("-", "+"):
            return -self.unary() if self.take() == "-" else self.unary()
        return self.power()

    def power(self) -> Any:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.group() if self.peek() == "{" else self.atom()
            if abs(exponent) > _MAX_EXP:
                raise _Unknown
            # A negative base to a fractional power takes the principal value, as sympy (and so
            # Math-Verify) does: `(-8)^{1/3}` is 1+1.73i, not -2, and `\sqrt{x}` at a negative x is imaginary.
            base = self.mp.power(base, exponent)
        if self.peek() == "!":
            raise _Unknown
        return base

    def function(self, fn: Any) -> Any:
        """`\sin(x)`, `\sin{x}`; also, as Math-Verify reads them, `\sin \theta_w`, `\ln 2`, `\sin x^2`
        (one power as the argument, then the end, a sum or another function) and `\sin^{2}\theta` =
        (sin θ)^2. `\sin 2x` (where readers differ) and `\sin^{-1}` (arcsin) are not read."""
        exponent = None
        if self.peek() == "^":
            self.take()
            exponent = self.group() if self.peek() == "{" else self.atom()
            if exponent.imag != 0 or exponent.real not in range(1, 10):
                raise _Unknown
        if self.peek() in ("(", "{"):
            value = fn(self.atom())
        else:
            value = fn(self.power())
            if self.peek() not in _AFTER_BARE_ARGUMENT:
                raise _Unknown
        return value if exponent is None else self.mp.power(value, exponent)

    def group(self) -> Any:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def atom(self) -> Any:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            return self.mp.mpf(tok)
        if tok == "\\pi":
            return +self.mp.pi
        if tok[1:] in _FUNCTIONS:
            return self.function(getattr(self.mp, _FUNCTIONS[tok[1:]]))
        if tok in ("e", "i"):  # constants, as Math-Verify reads them
            return +self.mp.e if tok == "e" else self.mp.mpc(0, 1)
        if re.fullmatch(_VARIABLE, tok):  # each variable gets one fixed irrational value; `C` = `c`
            self.has_variables = True
            key = variable_key(tok)
            h = sum(ord(c) * 31 ** k for k, c in enumerate(key)) % 9973
            if key in self.shifted:  # another value for these variables only (`limo.grade.equations`)
                return (-1) ** (h + self.point) * (self.mp.mpf(3) / 11 + self.mp.sqrt(h + 13 * self.point + 3) / 43)
            # three sample points: all positive, all negative, mixed signs (`\\sqrt{x^2}` is not `x`)
            if self.point == 1:
                return -(self.mp.mpf(1) / 5 + self.mp.sqrt(h) / 89)
            if self.point == 2:
                return (-1) ** h * (self.mp.mpf(2) / 7 + self.mp.sqrt(h + 7) / 61)
            return self.mp.mpf(1) / 3 + self.mp.sqrt(h) / 97
        if tok == "\\frac":
            num = self.group() if self.peek() == "{" else self._digit()
            return num / self._nonzero(self.group() if self.peek() == "{" else self._digit())
        if tok == "\\sqrt":
            if self.peek() == "[":
                raise _Unknown
            radicand = self.group() if self.peek() == "{" else self._digit()
            return self.mp.sqrt(radicand)  # principal square root, also of negative and complex radicands
        if tok in ("(", "{", "["):  # `[e^{x}-1]`: square brackets group too (intervals have a comma)
            value = self.expr()
            self.take({"(": ")", "{": "}", "[": "]"}[tok])
            return value
        raise _Unknown

    def _digit(self) -> Any:  # `\frac12`, `\sqrt3`: one digit is the argument
        tok = self.take()
        if not tok.isdigit():
            raise _Unknown
        if len(tok) > 1:
            self.tokens.insert(self.i, tok[1:])
        return self.mp.mpf(tok[0])

    def _nonzero(self, value: Any) -> Any:
        if value == 0:
            raise _Unknown
        return value


def variable_key(token: str) -> str:
    """The name under which a variable token gets its value: case, braces and `_` ignored (`C` = `c`,
    `v_{o}` = `v_o`)."""
    return re.sub(r"[_{}]", "", token.lower())


_MP: Any = None


def _context() -> Any:
    """A private 50-digit mpmath context (the global `mpmath.mp` belongs to sympy and everyone else)."""
    global _MP
    if _MP is None:
        from mpmath.ctx_mp import MPContext

        _MP = MPContext()
        _MP.dps = 50
    return _MP


def evaluate(text: str, point: int = 0, shifted: frozenset[str] = frozenset(),
             decimals: bool = False) -> tuple[Any, bool] | None:
    """(value, has variables) of an arithmetic expression (mpmath, 50 digits; each letter other than
    `e`/`i` stands for one fixed irrational value, another one for the `shifted` variable keys), or None
    when `text` is anything else."""
    if len(text) > 300 or not text:
        return None
    try:
        parser = _Parser(text, _context(), point, shifted, decimals)
        value = parser.expr()
        return (value, parser.has_variables) if parser.peek() is None else None
    except (_Unknown, ValueError, ZeroDivisionError, OverflowError, TypeError, RecursionError, MemoryError):
        return None


def _values(text: str) -> list[tuple[Any, bool]] | None:
    """One value, or the items of a parenthesised tuple `(a,b,c)`."""
    items = text[1:-1].split(",") if text.startswith("(") and text.endswith(")") and "," in text else [text]
    values = [evaluate(x) for x in items]
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def _agree(x: tuple[Any, bool], y: tuple[Any, bool]) -> bool | None:
    """False: the values differ; True: equal constants; None: equal at the sample point only."""
    diff, scale = abs(x[0] - y[0]), max(abs(x[0]), abs(y[0]))
    if diff > scale * 1e-20:
        return False
    return True if diff <= scale * 1e-40 and not x[1] and not y[1] else None


def _compare_one(g: list[tuple[Any, bool]], a: list[tuple[Any, bool]]) -> bool | None:
    """Two values, or two tuples compared in order (tuples of different lengths differ)."""
    if len(g) != len(a):
        return False
    decisions = [_agree(x, y) for x, y in zip(g, a)]
    return False if False in decisions else True if all(decisions) else None


def _compare_lists(gold: str, answer: str) -> bool | None:
    """`(3,2),(-3,2)` vs `(-3,2),(3,2)`: lists of values or tuples compared as sets, as Math-Verify does.
    False when some item of one side differs from every item of the other; True when both are the same
    set of constants; None otherwise."""
    from limo.grade.notation import _split_top

    comma = re.compile(",")
    g_items, a_items = _split_top(gold, comma), _split_top(answer, comma)
    if len(g_items) < 2 and len(a_items) < 2 or _GROUPED.fullmatch(gold) or _GROUPED.fullmatch(answer):
        return None
    g_vals, a_vals = [_values(x) for x in g_items], [_values(x) for x in a_items]
    if any(v is None for v in g_vals + a_vals):
        return None
    for one, other in ((g_vals, a_vals), (a_vals, g_vals)):  # `1, 2` vs `(1, 2)`: for the bare-list rule
        if len(one) == 1 and len(one[0]) > 1 and all(len(v) == 1 for v in other):  # type: ignore[arg-type]
            return None
    matches = [[_compare_one(x, y) for y in a_vals] for x in g_vals]  # type: ignore[arg-type]
    if any(all(m is False for m in row) for row in matches) or \
            any(all(row[j] is False for row in matches) for j in range(len(a_vals))):
        return False
    exact = all(any(m is True for m in row) for row in matches) and \
        all(any(row[j] is True for row in matches) for j in range(len(a_vals)))
    return True if exact else None


def decimal_constants_differ(gold: str, answer: str) -> bool:
    """Two constants, one written with a decimal point, whose values differ by more than 1e-5 relative
    (`10^{142.5}` vs `10`). Such a pair ends `not_equal` whatever Math-Verify says (its `equal` between
    constants is vetoed beyond 1e-6 relative, `limo.grade.mathverify._numbers_differ`), so sympy is
    spared; decimals never make an `equal` here (rounding is the other paths' business)."""
    if "." not in gold and "." not in answer:
        return False
    x, y = evaluate(gold, decimals=True), evaluate(answer, decimals=True)
    if x is None or y is None or x[1] or y[1]:
        return False
    return bool(abs(x[0] - y[0]) > max(abs(x[0]), abs(y[0])) * 1e-5)


def compare_constants(gold: str, answer: str) -> bool | None:
    """False when both strings are arithmetic expressions (or tuples, or lists of them compared as sets)
    whose values differ beyond 1e-20 relative; True when they are constants (no variables) that agree to
    1e-40; None otherwise (left to the other paths: expressions with variables that agree go to
    Math-Verify)."""
    g, a = gold.strip(), answer.strip()
    if decimal_constants_differ(g, a):
        return False
    if g.startswith("(") and g.endswith(")") and a.startswith("(") and a.endswith(")") and \
            "),(" not in g.replace(" ", "") + a.replace(" ", ""):
        g_vals, a_vals = _values(g), _values(a)
        if g_vals is not None and a_vals is not None:
            return _compare_one(g_vals, a_vals)
    if "," in g or "," in a:
        return _compare_lists(g, a)
    g_vals, a_vals = _values(g), _values(a)
    if g_vals is None or a_vals is None:
        return None
    decision = _compare_one(g_vals, a_vals)
    if decision is None and len(g_vals) == len(a_vals) == 1:
        return _same_function(g, a)
    return decision


def _same_function(gold: str, answer: str) -> bool | None:
    """Two expressions with variables that agree at the first sample point: equal when they also agree
    at a negative and a mixed-sign point (two different expressions agreeing to 40 digits at three
    unrelated points does not happen with benchmark answers); not equal when they differ at either."""
    agree = []
    for point in (1, 2):
        x, y = evaluate(gold, point), evaluate(answer, point)
        if x is None or y is None:
            return None
        diff, scale = abs(x[0] - y[0]), max(abs(x[0]), abs(y[0]))
        if diff > scale * 1e-20:
            return False
        agree.append(diff <= scale * 1e-40)
    return True if all(agree) else None
