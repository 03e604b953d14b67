"""Two equations compared without sympy: `m\\frac{dv}{dt}+bv=f` vs `\\dot{v} = \\frac{f}{m}-\\frac{b}{m}v`.

Math-Verify compares two equations by solving each for all of its symbols (sympy's `solve`). Profiling
`limo grade` on well-formed responses (docs/grade.md, throughput) found the slowest pairs left were
differential equations from Minerva: 0.6-0.9 s each in `solve`, and the pendulum equation past the 2 s
budget of a comparison. Math-Verify also reads derivative notation as arithmetic (`\\frac{dx}{dt}` =
x/t, `\\ddot{\\theta}` fails to parse), so its verdicts there were `not_equal` even for equal equations.

Here both equations are brought to the form `f = 0` (f = left side - right side) and evaluated with limo's
arithmetic evaluator (`limo.grade.numeric`), derivatives (`\\frac{d^2x}{dt^2}`, `\\ddot{x}`, `x''`,
`x^{\\prime}`) read as one unknown each and `x(t)` as the function `x`:
- equal when f1 = g * f2 with g free of the unknowns (the function and its derivatives): g is then a
  constant or a parameter the whole equation was multiplied by (`LC v'' + v = v_i` vs
  `v'' + \\frac{v}{LC} = \\frac{v_i}{LC}`), which does not change the solutions. Tested by the ratio
  f1/f2 at three sample points, each also with only the unknowns moved: the ratio must not change.
  Without derivatives g must be a constant (the ratio is the same at all three points): `2x+y=4` vs
  `y=4-2x`.
- not equal when either side has derivatives and the ratio is not of that form (the equations differ
  as differential equations; Math-Verify could not read them anyway);
- None (left to Math-Verify) for anything the evaluator cannot read, or equations without derivatives
  that are not constant multiples (`\\frac{1}{x}=2` vs `x=\\frac{1}{2}` is for the solver).
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from limo.grade.numeric import _GREEK, evaluate, variable_key

_SUBSCRIPT = r"(?![a-zA-Z])(?:_(?:\{[a-zA-Z0-9]+\}|[a-zA-Z0-9]))?"
_FUNCTION = rf"(?:[a-zA-Z]|\\(?:{_GREEK})){_SUBSCRIPT}"  # `x`, `v_{o}`, `\\omega`
_NAME = rf"(?:(?<![a-zA-Z\\])[a-zA-Z]|\\(?:{_GREEK})){_SUBSCRIPT}"  # not the end of a command (`\\sin(t)`)
_ARG = r"(?:\s*\(\s*([a-z])\s*\))?"  # `x(t)`: the function's argument, dropped
_LEIBNIZ = re.compile(rf"\\[dt]?frac\s*\{{\s*(?:\\mathrm\{{d\}}|d)\s*(?:\^\s*\{{?\s*([1-4])\s*\}}?)?\s*({_FUNCTION}){_ARG}\s*\}}"
                      rf"\s*\{{\s*(?:\\mathrm\{{d\}}|d)\s*([a-z])\s*(?:\^\s*\{{?\s*[1-4]\s*\}}?)?\s*\}}{_ARG}")
_DOTS = re.compile(rf"\\(d{{1,3}})ot\s*(?:\{{\s*({_FUNCTION})\s*\}}|\s({_FUNCTION})){_ARG}")
_PRIMES = re.compile(rf"({_NAME})\s*('{{1,3}}|\^\s*\{{\s*((?:\\prime\s*){{1,3}})\}}|\^\s*\\prime(?![a-zA-Z])){_ARG}")
_EQUALS = re.compile(r"(?<![<>!\\=:])=(?!=)")
_OTHER_RELATION = re.compile(r"\\(?:le|ge|lt|gt|leq|geq|neq|ne|approx|sim|equiv|propto)(?![a-zA-Z])|[<>≤≥≠]|"
                             r"(?<!\\)[,;]|\\quad")  # a system or a condition (`\\,` is a space)
# derivative notation left after the rewriting: written in a way not read here (`\\frac{d}{dt}x`)
_UNREAD_DERIVATIVE = re.compile(r"\\[dt]?frac\s*\{\s*(?:d|\\mathrm\{d\})|\\d+ot(?![a-zA-Z])|\\prime|'")
_DOT_SUBSCRIPT = re.compile(r"\\d+ot\s*(?:\{[^{}]*\}|\s\S+)\s*_")  # `\dot{x}_0`: an initial value, not the unknown


def _derivative_var(name: str, order: int) -> str:
    """One variable token per (function, order) that the evaluator reads as a single unknown (digits:
    the evaluator rejects words; `v_{o}` and `v_o` are one function)."""
    code = zlib.crc32(re.sub(r"[_{}]", "", name).encode())
    return f"\\Omega_{{D{order}n{code}}}"


def _canonical(s: str) -> tuple[str, set[str], set[str]] | None:
    """(text with derivatives as single variables, keys of the unknowns, the variables differentiated
    by); None when a derivative is written in a way this module does not read."""
    if _DOT_SUBSCRIPT.search(s):
        return None
    unknowns: set[str] = set()
    by: set[str] = set()

    def leibniz(m: re.Match[str]) -> str:
        by.add(m[4])
        return _note(unknowns, m[2], int(m[1] or 1))

    def dots(m: re.Match[str]) -> str:
        by.add("t")  # Newton's dots are time derivatives
        return _note(unknowns, m[2] or m[3], len(m[1]))

    def primes(m: re.Match[str]) -> str:
        order = len(m[2]) if m[2].startswith("'") else max(1, (m[3] or "").count("\\prime"))
        return _note(unknowns, m[1], order)

    s = _PRIMES.sub(primes, _DOTS.sub(dots, _LEIBNIZ.sub(leibniz, s)))
    if _UNREAD_DERIVATIVE.search(s):
        return None
    return s, {variable_key(v) for v in unknowns}, by


def _drop_arguments(s: str, by: set[str]) -> str:
    """`x(t)`, `v_i(t)`, `\\theta(t)` -> the name, for the variables derivatives are taken by: in a
    differential equation `f(t)` is the function f, and one side may write the argument, the other not."""
    for var in by:
        s = re.sub(rf"({_NAME})\s*\(\s*{var}\s*\)", r"\1", s)
    return s


def _note(unknowns: set[str], name: str, order: int) -> str:
    var = _derivative_var(name, order)
    unknowns.update((name, var))  # the function and its derivative are both unknowns
    return f" {var} "


def _sides(s: str) -> tuple[str, str] | None:
    if len(_EQUALS.findall(s)) != 1 or _OTHER_RELATION.search(s):
        return None
    left, right = _EQUALS.split(s)
    return (left, right) if left.strip() and right.strip() else None


def _difference(sides: tuple[str, str], point: int, shifted: frozenset[str]) -> Any:
    left, right = (evaluate(x, point, shifted) for x in sides)
    if left is None or right is None:
        return None
    return left[0] - right[0]


def compare_equations(gold: str, answer: str) -> bool | None:
    """True, False or None (undecided) for two equations, as the module docstring says."""
    if "=" not in gold or "=" not in answer:
        return None
    canon = [_canonical(x) for x in (gold, answer)]
    if canon[0] is None or canon[1] is None:
        return None
    (g_text, g_keys, g_by), (a_text, a_keys, a_by) = canon
    derivatives = bool(g_keys or a_keys)
    sides = [_sides(_drop_arguments(x, g_by | a_by)) for x in (g_text, a_text)]
    if sides[0] is None or sides[1] is None:
        return None
    unknowns = frozenset(g_keys | a_keys)
    ratios = []
    for point in (0, 1, 2):
        for shifted in ((frozenset(), unknowns) if unknowns else (frozenset(),)):
            f1, f2 = _difference(sides[0], point, shifted), _difference(sides[1], point, shifted)
            if f1 is None or f2 is None:
                return None
            if f1 == 0 or f2 == 0:  # an identity, or a sample point on the solution set: no ratio
                return None
            ratios.append(f1 / f2)
    return _proportional(ratios, pairs=derivatives) if derivatives else (_proportional(ratios, pairs=False) or None)


def _proportional(ratios: list[Any], pairs: bool) -> bool:
    """The ratios agree (to 1e-30 relative): pairwise per point when only the unknowns moved (`pairs`),
    or all of them (a constant factor)."""
    groups = [ratios[i:i + 2] for i in range(0, len(ratios), 2)] if pairs else [ratios]
    for group in groups:
        scale = max(abs(r) for r in group)
        if any(abs(r - group[0]) > scale * 1e-30 for r in group):
            return False
    return True
