"""Notation that changes what an answer means: upright constants, hedges, relations and chains.

Each rule here exists because reading the notation naively produced a false positive:
- `\\mathrm{e}` / `\\mathrm{i}` (Gaokao, Kaoyan, Minerva write constants upright) were stripped as units,
  so `2\\mathrm{e}` matched `2`. They are Euler's number and the imaginary unit: `constants` rewrites every
  upright spelling (`\\mathrm`, `\\text`, `\\rm`, `\\operatorname`, ...) to the plain letter first.
- A hedge (`5 \\text{ or } 7`, `x = 5 \\lor x = 7`, `\\boxed{5}, \\boxed{7}`) names several values; against a
  gold that is one value it is wrong, however many of its alternatives match (`alternatives`).
- A relation (`x \\neq 3`, `x \\geq 5`) is not its right-hand number; it only matches a relation, or the
  interval it describes (`relation_to_interval`: `-2 \\le x \\le 7` is `[-2, 7]`).
- A chain `x = 5+5+1 = 11` states its value last; `x = \\frac13 \\approx 0.33` states it before `\\approx`
  (`collapse_chain`).
"""

from __future__ import annotations

import re

_UPRIGHT = r"\\(?:mathrm|text|textrm|textit|mathit|operatorname|mbox|rm|mathbf|textnormal)"
_CONSTANT = re.compile(rf"{_UPRIGHT}\s*\{{\s*([ei])\s*\}}|\{{\s*\\rm\s+([ei])\s*\}}|\\rm\s+([ei])(?![a-zA-Z])")


def constants(s: str) -> str:
    """`\\mathrm{e}` -> `e`, `\\text{i}` -> `i`, `{\\rm e}` -> `e`: upright constants as plain letters."""
    if "\\" not in s:
        return s
    return _CONSTANT.sub(lambda m: m.group(1) or m.group(2) or m.group(3), s)


# Connectives that join alternatives: `or` in any spelling, logical or, Chinese 或, `and` between values.
_OR = re.compile(r"\\(?:text|textrm|mathrm|mbox)\s*\{\s*(?:or|and)\s*\}|\\(?:lor|vee)(?![a-zA-Z])|"
                 r"(?<![a-zA-Z\\])(?:or|and)(?![a-zA-Z])|或|以及")
_MULTI_VALUED = re.compile(r"\\(?:pm|mp|cup|cap|begin)(?![a-zA-Z])|±|∓|\\\\|;")
_SPACING = re.compile(r"\\[,;: ]")  # `\\,` is a thin space, not a list comma
_GROUPED_NUMBER = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")  # `7,425,000`; not `864,1350`
_REL = re.compile(r"\\(?:neq|ne|geqslant|leqslant|geq|leq|ge|le|gt|lt|ngeq|nleq)(?![a-zA-Z])|\\not=|[<>≤≥≠]|!=")
_CONDITION = re.compile(rf"{_REL.pattern}|\\in(?![a-zA-Z])|\\(?:text|mathrm)\{{\s*(?:for|where|if|when)\b")


_DOUBLED = re.compile(r"\\\\(?=(?:leqslant|geqslant|leq|geq|le|ge|lt|gt|neq|ne|in)(?![a-zA-Z]))")


def single_backslash_relations(s: str) -> str:
    """`-2 \\\\le x \\\\le 7` (a doubly escaped `\\le`, as JSON or a raw string leaves it) -> `-2 \\le x \\le 7`.
    A line break `\\\\` followed by `le` means nothing in an answer; inside a matrix it is left alone."""
    if "\\\\" not in s or "\\begin" in s:
        return s
    return _DOUBLED.sub(r"\\", s)


def _split_top(s: str, seps: re.Pattern[str]) -> list[str]:
    """Split at `seps` matches that are outside every bracket pair."""
    parts, depth, start = [], 0, 0
    stops = {m.start(): m.end() for m in seps.finditer(s)}
    i = 0
    while i < len(s):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and i in stops:
            parts.append(s[start:i])
            start = i = stops[i]
            continue
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts if p.strip()]


def alternatives(answer: str) -> list[str]:
    """The values an answer names: `x = 5 \\text{ or } x = 7` -> [`x = 5`, `x = 7`]; `7,425,000` -> one.
    A trailing condition (`2^n, n \\geq 1`, `x^2 \\text{ for } x > 0`) is not an alternative."""
    s = _GROUPED_NUMBER.sub("0", _SPACING.sub(" ", answer.replace("{,}", ",").replace("\\!", "")))
    items = _split_top(s, re.compile(rf"{_OR.pattern}|,|;"))
    while len(items) > 1 and _CONDITION.search(items[-1]) and not _CONDITION.search(items[0]):
        items.pop()
    return items


# A trailing parenthetical that states an assumption: `7 \\text{ (assuming } n>0)`, `7 \\ (\\text{for } n>0)`.
# Only these words open one: `7 \\text{ (or } 8)` is a hedge and stays.
_ASSUMPTION = re.compile(r"\s*(?:\\text\{\s*\(\s*|\\?\s*\(\s*\\text\{\s*)"
                         r"(?:assuming|for|where|if|when|since|given|provided)\b.*$", re.S)


def drop_conditions(answer: str) -> str:
    """`2^n, n \\geq 1` -> `2^n`: a trailing domain condition is not part of the value; nor is a trailing
    parenthetical assumption (`7 \\text{ (assuming } n>0)`)."""
    found = _trailing(_ASSUMPTION, answer)
    if found and answer[:found[0]].strip():
        answer = answer[:found[0]]
    items = _split_top(_SPACING.sub(" ", answer.replace("\\!", "")), re.compile(r",|;|\\(?:text|mathrm)\{\s*(?:for|where|if|when)\b[^{}]*\}"))
    if len(items) == 2 and _CONDITION.search(items[1]) and not _CONDITION.search(items[0]):
        return items[0]
    return answer


def single_valued(gold: str) -> bool:
    """A gold that is exactly one value (no list, set, tuple, `\\pm`, `or`): hedged answers cannot match it."""
    s = _GROUPED_NUMBER.sub("0", _SPACING.sub(" ", gold.replace("{,}", ",").replace("\\!", "")))
    return "," not in s and not _MULTI_VALUED.search(s) and not _OR.search(s) and not re.search(r"\\\{|\\\}", s)


# A bound written in words is a relation too: `\text{at least } 5` is not 5.
_WORD_BOUND = re.compile(r"\b(?:at (?:least|most)|(?:more|less|fewer|greater|smaller|larger) than|up to)\b", re.I)


def has_relation(s: str) -> bool:
    return bool(_REL.search(s) or _WORD_BOUND.search(s))


_SET_BUILDER = re.compile(r"\s*(?:\\left)?\\\{\s*([a-zA-Z])\s*(?:\\in\s*\\mathbb\s*\{?[RZNQ]\}?\s*)?"
                          r"(?:\\mid|\\vert|\||:)\s*(.+?)\s*(?:\\right)?\\\}\s*")


def set_builder(s: str) -> str:
    """`\\{x \\mid -1 < x < 2\\}` -> `-1 < x < 2`: a set written by its condition (Gaokao's way of writing
    an interval) is that condition, which then compares as the interval it describes."""
    m = _SET_BUILDER.fullmatch(s)
    return m.group(2) if m and has_relation(m.group(2)) else s


_OR_ONLY = re.compile(r"\\(?:text|textrm|mathrm|mbox)\s*\{\s*(?:or|或)\s*\}|\\(?:lor|vee)(?![a-zA-Z])|"
                      r"(?<![a-zA-Z\\])or(?![a-zA-Z])|或")  # `x<-1 \\text{ 或 } x>1`: Gaokao's "or"
_ALTERNATIVE_SEPS = re.compile(rf"{_OR.pattern}|,|;")


def assignment_values(s: str) -> str:
    """`x = 7 \\text{ or } x = -7` -> `7, -7`: alternatives that all assign one name are the list of its
    values (so they match the gold `\\pm 7` or `-7, 7`; against one value they are still a hedge)."""
    items = _split_top(_SPACING.sub(" ", s), _ALTERNATIVE_SEPS)
    if len(items) < 2:
        return s
    found = [re.fullmatch(rf"({_NAME})\s*=(?!=)\s*(.+)", item) for item in items]
    if not all(found) or len({m.group(1) for m in found if m}) != 1:
        return s
    values = [m.group(2) for m in found if m]
    if any(_REL.search(v) or _EQUALS.search(v) for v in values):
        return s
    return ", ".join(values)


_NAME = r"(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_(?:\{[\w\\]+\}|\\?\w+))?(?:\([a-z]\))?|\|[a-zA-Z]\|"
_LESS = r"(?:(?:\\leqslant|\\leq|\\le|\\lt)(?![a-zA-Z])|<|≤)"
_MORE = r"(?:(?:\\geqslant|\\geq|\\ge|\\gt)(?![a-zA-Z])|>|≥)"
_MEMBER = re.compile(rf"^\s*(?:{_NAME})\s*\\in\s*")


def _closed(op: str) -> bool:
    return op.startswith(("\\le", "\\ge")) or op in "≤≥"


def _bounds(s: str) -> tuple[str | None, bool, str | None, bool, str] | None:
    """(lower, lower closed, upper, upper closed, name) of `-2 \\le x < 7`, `x \\geq 5`, `3 > |x|`, ...;
    None for any other relation (`x \\neq 3`, `x + y > 2`)."""
    op = rf"\s*({_LESS}|{_MORE})\s*"
    if m := re.fullmatch(rf"(.+?){op}({_NAME}){op}(.+)", s):
        lo, op1, name, op2, hi = m.groups()
        if re.fullmatch(_LESS, op1) and re.fullmatch(_LESS, op2):
            return lo, _closed(op1), hi, _closed(op2), name
        if re.fullmatch(_MORE, op1) and re.fullmatch(_MORE, op2):
            return hi, _closed(op2), lo, _closed(op1), name
        return None
    if m := re.fullmatch(rf"({_NAME}){op}(.+)", s):
        name, op1, bound = m.groups()
        return (bound, _closed(op1), None, False, name) if re.fullmatch(_MORE, op1) else \
            (None, False, bound, _closed(op1), name)
    if m := re.fullmatch(rf"(.+?){op}({_NAME})", s):
        bound, op1, name = m.groups()
        return (bound, _closed(op1), None, False, name) if re.fullmatch(_LESS, op1) else \
            (None, False, bound, _closed(op1), name)
    return None


def _interval(lo: str | None, lo_closed: bool, hi: str | None, hi_closed: bool) -> str:
    left = f"{'[' if lo_closed else '('}{lo}" if lo is not None else "(-\\infty"
    right = f"{hi}{']' if hi_closed else ')'}" if hi is not None else "\\infty)"
    return f"{left}, {right}"


def _negated(b: str) -> str:
    return f"-{b}" if re.fullmatch(r"[\d.]+|[a-zA-Z]|\\(?:frac|sqrt)\{[^{}]*\}(?:\{[^{}]*\})?", b.strip()) else f"-({b})"


def _abs_set(lo: str | None, lo_closed: bool, hi: str | None, hi_closed: bool) -> str | None:
    """The set of x for `lo < |x| < hi`: `|x| \\le 3` is `[-3, 3]`, `1 \\le |x| \\le 2` is
    `[-2, -1] \\cup [1, 2]`, `|x| > 2` is `(-\\infty, -2) \\cup (2, \\infty)`. None when the lower bound is not a
    known non-negative number (the set could then be everything)."""
    from limo.grade.numeric import evaluate

    if lo is None:
        return None if hi is None else _interval(_negated(hi), hi_closed, hi, hi_closed)
    value = evaluate(lo)
    if value is None or value[1] or value[0].imag != 0 or value[0].real < 0:
        return None
    return f"{_interval(_negated(hi) if hi is not None else None, hi_closed, _negated(lo), lo_closed)} \\cup " \
           f"{_interval(lo, lo_closed, hi, hi_closed)}"


def relation_to_interval(s: str) -> str | None:
    """`-2 \\le x < 7` -> `[-2, 7)`, `x \\geq 5` -> `[5, \\infty)`, `x \\in (0, 1]` -> `(0, 1]`, `|x| < 3` ->
    `(-3, 3)`; None when `s` is some other relation (`x \\neq 3`, `x + y > 2`)."""
    s = s.strip()
    pieces = _split_top(s, _OR_ONLY)
    if len(pieces) > 1:  # `x < 3 \\text{ or } x > 5` is the union `(-\\infty, 3) \\cup (5, \\infty)`
        intervals = [relation_to_interval(p) for p in pieces]
        return None if None in intervals else " \\cup ".join(i for i in intervals if i)
    if m := _MEMBER.match(s):
        return None if s.lstrip().startswith("|") else s[m.end():]
    bounds = _bounds(s)
    if bounds is None:
        return None
    lo, lo_closed, hi, hi_closed, name = bounds
    if name.startswith("|"):
        return _abs_set(lo, lo_closed, hi, hi_closed)
    return _interval(lo, lo_closed, hi, hi_closed)


_EQUALS = re.compile(r"(?<![<>!\\:])=(?!=)")
_APPROX = re.compile(r"\\approx|≈|\\simeq")
_BARE_NAME = re.compile(rf"\s*(?:{_NAME})\s*")


def collapse_chain(s: str) -> str:
    """`x = 5+5+1 = 11` -> `x = 11`; `1 = y = 0` -> `0`; `x = \\frac13 \\approx 0.33` -> `x = \\frac13`;
    `x \\approx 11` -> `x = 11`. Only top-level signs count (not those inside brackets)."""
    approx = _split_top(s, _APPROX)
    if len(approx) > 1:
        head = approx[0]
        s = head if not _BARE_NAME.fullmatch(head) else f"{head} = {approx[-1]}"
    parts = _split_top(s, _EQUALS)
    if len(parts) < 3:
        return s
    return f"{parts[0]} = {parts[-1]}" if _BARE_NAME.fullmatch(parts[0]) else parts[-1]


# A residue with its modulus: `4 \\pmod{9}`, `4 \\pmod 9`, `4 \\ (\\text{mod } 9)`, `4 \\ (\\mod 9)`.
_MODULUS = re.compile(r"\s*(?:\\pmod\s*\{\s*([^{}]+?)\s*\}|\\pmod\s*(\w+)|"
                      r"\\?\s*\(\s*(?:\\(?:text|mathrm|operatorname)\{\s*mod\s*\}|\\mod)\s*([^()]+?)\s*\))\s*$")


def drop_modulus(gold: str, answer: str) -> tuple[str, str]:
    """`4 \\pmod{9}` for the gold `4`: a residue stated with its modulus is that residue (and the other way
    round). Two sides that both state a modulus keep it unless the moduli agree: `4 \\pmod 9` is not
    `4 \\pmod 7`. Only the residue is compared, so the gold 13 does not accept `4 \\pmod 9`."""
    fg, fa = _trailing(_MODULUS, gold), _trailing(_MODULUS, answer)
    if not (fg or fa):
        return gold, answer

    def modulus(m: re.Match[str]) -> str:
        return next(x for x in m.groups() if x).replace(" ", "")

    if fg and fa and modulus(fg[1]) != modulus(fa[1]):
        return gold, answer
    g, a = (gold[:fg[0]] if fg else gold), (answer[:fa[0]] if fa else answer)
    return (g, a) if g.strip() and a.strip() else (gold, answer)


_TAIL = 300  # trailing notes are short: the patterns above only read the end (no scan of a huge answer)


def _trailing(pattern: re.Pattern[str], s: str) -> tuple[int, re.Match[str]] | None:
    """Where `pattern` (anchored at the end) starts in `s`, and its match, reading only the last `_TAIL`
    characters."""
    m = pattern.search(s[-_TAIL:])
    return None if m is None else (len(s) - len(m.string) + m.start(), m)
