"""Exact arithmetic answers without sympy: `70\\sqrt{2}` vs `70+10\\sqrt{13}`, `(6,31,-1)` vs `(0,-4,-1)`.

Profiling `limo grade` on well-formed responses showed nearly all the time in Math-Verify's LaTeX parser
(ANTLR, slowest in a fresh worker while its caches are cold) for the few answers the number fast path
cannot read. Most of those are arithmetic: numbers, `\\frac`, `\\sqrt`, `^`, `\\pi`, `e`, `i`, single-letter
variables, products, tuples. This module evaluates such an expression to 50 digits with mpmath (each
variable at one fixed irrational value), and says *nothing* (None) about anything else: a decimal point,
a subscript, an unknown command (`\\sin`), a huge exponent.

Decisions: two expressions whose values differ beyond 1e-20 relative are not equal (they differ as
functions, so no rewriting can make them equal); two constants (no variables) that agree to 1e-40 are
equal (exact expressions that agree to 40 digits but differ do not occur as answers). Expressions with
variables that agree are left to Math-Verify.
"""

from __future__ import annotations

import re
from typing import Any

_GREEK = "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|lambda|mu|nu|rho|sigma|tau|phi|varphi|omega"
_FUNCTIONS = {"sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
              "exp": "exp", "ln": "ln", "arcsin": "asin", "arccos": "acos", "arctan": "atan"}
# A variable is a letter or Greek letter with an optional subscript: `x`, `C_1`, `v_{o}`, `\omega_n`.
_VARIABLE = rf"(?:[a-zA-Z]|\\(?:{_GREEK})(?![a-zA-Z]))(?:_(?:\{{[a-zA-Z0-9]+\}}|[a-zA-Z0-9]))?"
_TOKEN = re.compile(rf"\d+|\\(?:frac|sqrt|pi|cdot|times|{'|'.join(_FUNCTIONS)})(?![a-zA-Z])|[-+*/^(){{}}\[\],!]|"
                    rf"{_VARIABLE}")
_MAX_EXP = 10_000  # larger exponents (2^{2022} is fine, 10^{10^5} is not) are left to the other paths


_LIGHT = re.compile(r"\\(?:left|right|displaystyle|[dt]frac|[,;:! ]|q?quad)(?![a-zA-Z])|\$")


class _Unknown(Exception):
    """The text is not a constant expression this evaluator reads."""


class _Parser:
    def __init__(self, text: str, mp: Any) -> None:
        self.mp = mp
        text = _LIGHT.sub(lambda m: "\\frac" if "frac" in m.group() else " ", text).strip()
        pos, tokens = 0, []
        for m in _TOKEN.finditer(text):
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
            elif tok is not None and (tok[0].isalnum() or tok[0] == "\\" or tok == "("):
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
            if abs(exponent) > _MAX_EXP or (base.imag == 0 and base.real < 0 and exponent != int(exponent.real)):
                raise _Unknown
            base = self.mp.power(base, exponent)
        if self.peek() == "!":
            raise _Unknown
        return base

    def group(self) -> Any:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def atom(self) -> Any:
        tok = self.take()
        if tok[0].isdigit():
            return self.mp.mpf(tok)
        if tok == "\\pi":
            return +self.mp.pi
        if tok[1:] in _FUNCTIONS:  # `\sin(...)` only: `\sin 2x` / `\sin^2 x` conventions are left alone
            if self.peek() not in ("(", "{"):
                raise _Unknown
            return getattr(self.mp, _FUNCTIONS[tok[1:]])(self.atom())
        if tok in ("e", "i"):  # constants, as Math-Verify reads them
            return +self.mp.e if tok == "e" else self.mp.mpc(0, 1)
        if re.fullmatch(_VARIABLE, tok):  # each variable gets one fixed irrational value; `C` = `c`
            self.has_variables = True
            key = re.sub(r"[_{}]", "", tok.lower())
            return self.mp.mpf(1) / 3 + self.mp.sqrt(sum(ord(c) * 31 ** k for k, c in enumerate(key)) % 9973) / 97
        if tok == "\\frac":
            num = self.group() if self.peek() == "{" else self._digit()
            return num / self._nonzero(self.group() if self.peek() == "{" else self._digit())
        if tok == "\\sqrt":
            if self.peek() == "[":
                raise _Unknown
            radicand = self.group() if self.peek() == "{" else self._digit()
            if radicand < 0:
                raise _Unknown
            return self.mp.sqrt(radicand)
        if tok in ("(", "{"):
            value = self.expr()
            self.take(")" if tok == "(" else "}")
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


_MP: Any = None


def _context() -> Any:
    """A private 50-digit mpmath context (the global `mpmath.mp` belongs to sympy and everyone else)."""
    global _MP
    if _MP is None:
        from mpmath.ctx_mp import MPContext

        _MP = MPContext()
        _MP.dps = 50
    return _MP


def evaluate(text: str) -> tuple[Any, bool] | None:
    """(value, has variables) of an arithmetic expression (mpmath, 50 digits; each letter other than
    `e`/`i` stands for one fixed irrational value), or None when `text` is anything else."""
    if len(text) > 300 or not text:
        return None
    try:
        parser = _Parser(text, _context())
        value = parser.expr()
        return (value, parser.has_variables) if parser.peek() is None else None
    except (_Unknown, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None


def _values(text: str) -> list[tuple[Any, bool]] | None:
    """One value, or the items of a parenthesised tuple `(a,b,c)`."""
    items = text[1:-1].split(",") if text.startswith("(") and text.endswith(")") and "," in text else [text]
    values = [evaluate(x) for x in items]
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def compare_constants(gold: str, answer: str) -> bool | None:
    """False when both cleaned strings are arithmetic expressions (or tuples of them) whose values differ
    beyond 1e-20 relative; True when they are constants (no variables) that agree to 1e-40; None
    otherwise (left to the other paths: expressions with variables that agree go to Math-Verify)."""
    if "," in gold and not gold.startswith("(") or "," in answer and not answer.startswith("("):
        return None  # bare lists and thousands separators are for the list and number paths
    g, a = _values(gold), _values(answer)
    if g is None or a is None or len(g) != len(a) or (len(g) > 1) != (gold[:1] == answer[:1] == "("):
        return None
    close = []
    for (x, x_vars), (y, y_vars) in zip(g, a):
        diff, scale = abs(x - y), max(abs(x), abs(y))
        if diff > scale * 1e-20:
            return False
        close.append(diff <= scale * 1e-40 and not x_vars and not y_vars)
    return True if all(close) else None
