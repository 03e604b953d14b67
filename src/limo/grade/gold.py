"""Gold answers as benchmarks really ship them, turned into one comparable form.

Benchmarks give golds as ints (`33`), floats (`27.0`, `4.5e33`), lists and dicts (multi-part answers),
`$`-wrapped LaTeX, numpy code (`np.arcsin(10/13)`), choice strings (`C. {x \\mid -3<x<4}`) and Chinese
text. `normalize_gold` maps each to a `Gold`: the answer text (LaTeX, no `$`) plus the option letter
when the gold names one. Nothing is evaluated: numpy code is rewritten to LaTeX by regex, not run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Gold:
    text: str  # the answer as LaTeX without `$`; for a bare option letter, the letter itself
    choice: str | None = None  # option letter (A-J) when the gold is or starts with one


_CHOICE_GOLD = re.compile(r"^\(?([A-J])\)?\s*(?:[.．、:：]\s*(.*))?$", re.S)
# MATH ships some option golds wrapped (`\text{(C)}`): unwrapped, they name their letter like `(C)` does, so an
# answer that gives the letter with its content (`\boxed{(C) Parabola}`) is read as that letter.
_TEXT_WRAP = re.compile(r"^\\(?:text|textbf|mathrm|mathbf)\{\s*(\(?[A-J]\)?)\s*\}$")
_NUMPY_FUNCS = {"arcsin": r"\arcsin", "arccos": r"\arccos", "arctan": r"\arctan", "sin": r"\sin",
                "cos": r"\cos", "tan": r"\tan", "log": r"\ln", "log10": r"\log_{10}", "log2": r"\log_{2}",
                "exp": "exp", "sqrt": "sqrt"}
_ENOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?|\.\d+)[eE]([-+]?\d+)(?![\w.])")


def _float_text(x: float) -> str:
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _matching_paren(s: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(s)):
        depth += {"(": 1, ")": -1}.get(s[i], 0)
        if depth == 0:
            return i
    return -1


def numpy_to_latex(code: str) -> str:
    """`np.arcsin(10/13)` -> `\\arcsin(10/13)`; `np.sqrt(2)*np.pi` -> `\\sqrt{2}*\\pi`. Text only."""
    s = code.replace("np.pi", r"\pi").replace("math.pi", r"\pi").replace("**", "^")
    for _ in range(20):
        m = re.search(r"\b(?:np|numpy|math)\.(\w+)\(", s)
        if not m:
            break
        close = _matching_paren(s, m.end() - 1)
        if close < 0:
            break
        name, arg = m.group(1), s[m.end():close]
        latex = _NUMPY_FUNCS.get(name, name)
        if latex == "sqrt":
            new = rf"\sqrt{{{arg}}}"
        elif latex == "exp":
            new = rf"e^{{{arg}}}"
        else:
            new = f"{latex}({arg})"
        s = s[:m.start()] + new + s[close + 1:]
    return re.sub(r"\^(\w+|\([^()]*\))", r"^{\1}", s)


def enotation_to_latex(s: str) -> str:
    """`4.5e33` -> `4.5\\times10^{33}`: Math-Verify otherwise reads it as 4.5·e·33."""
    return _ENOTATION.sub(lambda m: f"{m.group(1)}\\times10^{{{int(m.group(2))}}}", s)


def _answer_part(s: str) -> str:
    """The answer in a gold that carries more than one: the last run of boxes of a gold that boxes
    (`\\boxed{2}, \\boxed{3}` is `2, 3`), the final answer of a gold that is a whole worked solution, and `and`
    between values as a list separator (`p = -1 \\text{ and } p = 2` is two values)."""
    from limo.grade.boxes import gold_boxes
    from limo.grade.extract import extract_answer
    from limo.grade.fastpath import is_prose

    if "\\boxed" in s or "\\fbox" in s:
        s = gold_boxes(s) or s
    elif len(s) > 200 and is_prose(s):
        s = extract_answer(s)[0] or s
    return re.sub(r"\s*\\(?:text|mbox|textrm)\{\s*and\s*\}\s*", ", ", s)


def gold_text(gold: Any) -> str | None:
    """One gold value as LaTeX text without `$`; None when it is empty or unusable."""
    if gold is None or isinstance(gold, bool):
        return None
    if isinstance(gold, int):
        return str(gold)
    if isinstance(gold, float):
        return None if math.isnan(gold) or math.isinf(gold) else _float_text(gold)
    if isinstance(gold, (list, tuple)):
        parts = [gold_text(g) for g in gold]
        return None if not parts or any(p is None for p in parts) else ", ".join(p for p in parts if p)
    if isinstance(gold, dict):
        return gold_text(list(gold.values())) if gold else None
    if not isinstance(gold, str):
        return None
    s = _answer_part(gold.strip())
    s = re.sub(r"\$\s*,\s*\$", ", ", s)  # `$(0,1)$,$(1,0)$` -> one list
    s = s.replace("\\$", "").replace("$", "").strip().rstrip(".").strip()  # `\$36` is currency
    if re.search(r"\b(?:np|numpy|math)\.\w", s):
        s = numpy_to_latex(s)
    return s or None


def normalize_gold(gold: Any) -> Gold | None:
    """The Gold for any benchmark gold value, or None (-> verdict `invalid_gold`)."""
    text = gold_text(gold)
    if text is None:
        return None
    wrapped = _TEXT_WRAP.match(text)
    m = _CHOICE_GOLD.match(wrapped.group(1) if wrapped else text) if isinstance(gold, str) else None
    if m:
        content = (m.group(2) or "").strip()
        return Gold(text=content or m.group(1), choice=m.group(1))
    return Gold(text=text)
