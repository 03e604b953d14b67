"""Boxes in a response or a gold: the last run of `\\boxed{}` that holds the final answer, and `strip_answer`.

Split from `limo.grade.extract` (which decides *where* the final answer is): this module only reads boxes.
Linear-time on purpose: braces are matched in one pass from the first of the last `_MAX_BOXES` boxes, so
a 1 MB response with 20,000 unclosed boxes is cheap.
"""

from __future__ import annotations

import re

_MAX_BOX = 200_000  # a box longer than this is treated as unclosed (50,000-digit numbers still fit)
# Words of a model still reasoning: between two boxes they end a multi-part run; after a cue, a reconsideration.
HESITATION = re.compile(r"\b(?:wait|hmm|but|however|actually|let me|let's|recheck|re-?examine|mistake)\b", re.I)
_BOX = re.compile(r"\\(?:boxed|fbox)\s*(?!\{\s*\})")  # empty boxes (prompt echoes) are not candidates
_BRACE = re.compile(r"\\.|[{}]", re.S)
_MAX_BOXES = 256  # only the last boxes can hold the final answer
# Between two boxes that together form one multi-part answer: only separators, no words.
_MULTI_GAP = re.compile(r"^[\s,;$.]*(?:(?:and|or|&|\\quad|\\qquad|\\text\{\s*(?:and|or|,)?\s*\}|,)[\s,;$.]*)*$")

# Two boxes joined by labels rather than hesitation: `\\boxed{(3, 3)} for part (a) and \\boxed{(1, 1)}`,
# `y_1 = \\boxed{A} \\) and \\( y_2 = \\boxed{B}`. Checked after stripping `$`, `\\(`, `\\text{`.
_LABEL_GAP = re.compile(r"^(?:and|&|respectively|for|in|part|parts|\([a-z0-9]\)|[a-z0-9]\)|"
                        r"(?:[a-z]|\\[a-z]+)(?:_\{?\w+\}?)?(?:\([a-z]\))?\s*=|[\s,;.:])*$", re.I)
_GAP_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{|\\[()\[\]]|\$|[{}]|\\q?quad")


def _brace_pairs(text: str, start: int) -> dict[int, int]:
    """Matching `}` for every `{` from `start` on, in one pass (escaped `\\{` `\\}` are not braces).
    One pass, not one scan per box: 50,000 unclosed boxes would otherwise cost 50,000 scans."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(text, start):
        c = m.group()
        if c == "{":
            stack.append(m.start())
        elif c == "}" and stack:
            pairs[stack.pop()] = m.start()
    return pairs


def _box_content(text: str, start: int, pairs: dict[int, int]) -> tuple[str | None, int]:
    """Content of the box whose `\\boxed` match ends at `start`; (None, start) if unclosed/too long."""
    if start < len(text) and text[start] == "{":
        close = pairs.get(start)
        if close is None or close - start > _MAX_BOX:
            return None, start
        return text[start + 1:close], close + 1
    m = re.match(r"[^\s$]+", text[start:start + 200])  # `\boxed 5` form
    return (m.group(0), start + m.end()) if m else (None, start)


def last_boxed(text: str) -> tuple[str | None, str | None]:
    answer, rule, _ = last_boxed_at(text)
    return answer, rule


def last_boxed_at(text: str, gold: bool = False) -> tuple[str | None, str | None, int]:
    """The last non-empty box and where it ends; adjacent boxes separated only by `,`/`and` or by part
    labels form one multi-part answer."""
    matches = list(_BOX.finditer(text))[-_MAX_BOXES:]
    if not matches:
        return None, None, -1
    pairs = _brace_pairs(text, matches[0].end())
    boxes: list[tuple[int, int, str]] = []  # (start, end, content) of the trailing run of boxes
    for m in reversed(matches):
        content, end = _box_content(text, m.end(), pairs)
        if content is None or not content.strip():
            if boxes:
                break
            continue
        gap = text[end:boxes[-1][0]] if boxes else ""
        if boxes and not (_joins_parts(gap) or gold and _gold_gap(gap) or _numbers_or(gap, content, boxes[-1][2])):
            break
        boxes.append((m.start(), end, content))
        if len(boxes) >= 16:
            break
    if not boxes:
        return None, None, -1
    parts = list(dict.fromkeys(strip_answer(c) for _, _, c in reversed(boxes)))  # `\boxed{5} \boxed{5}` is 5
    if len(parts) == 1:
        return parts[0], "boxed", boxes[0][1]
    return ", ".join(parts), "boxed_multi", boxes[0][1]


def gold_boxes(text: str) -> str | None:
    """The answer of a gold that boxes: its last run of boxes, each brace-matched on its own
    (`\boxed{3} \text{ and } \boxed{4}` is `3, 4`, not `3} \text{ and } \boxed{4`). As in a response,
    words between boxes end the run (`\boxed{1} no no \boxed{2}` is 2); symbols alone do not."""
    return last_boxed_at(text, gold=True)[0]


def _gold_gap(gap: str) -> bool:
    """Between two boxes of a gold: symbols, or a few label words (`\\boxed{1} papers and \\boxed{2} bins`).
    A gold does not hesitate, but a sentence end or words such as "no"/"wait" still end the run."""
    if not re.search(r"[A-Za-z]", gap):
        return True
    return (len(gap) <= 40 and "\n" not in gap and not re.search(r"[.;:!?](?:\s|$)", gap)
            and len(re.findall(r"[A-Za-z]+", gap)) <= 4 and not re.search(r"\b(?:no|not|wait|or)\b", gap, re.I)
            and not HESITATION.search(gap))


def _joins_parts(gap: str) -> bool:
    """True when the text between two boxes only separates parts of one answer (no hesitation)."""
    if _MULTI_GAP.match(gap):
        return True
    plain = _GAP_WRAPPERS.sub(" ", gap)  # labels must be there: display breaks alone do not join two boxes
    return len(gap) <= 80 and bool(_LABEL_GAP.match(plain)) and bool(re.search(r"[A-Za-z=]|\([a-z0-9]\)", plain))


_VALUE_BOX = re.compile(r"\s*(?:[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*)?[-+]?\d+(?:\.\d+)?\s*")  # `5`, `x = 5`


def _numbers_or(gap: str, first: str, second: str) -> bool:
    """`$x=\\boxed{5}$ or $x = \\boxed{6}$`: two different numbers offered with "or" between labels are one
    hedged answer, not a correction. (Two forms of one expression joined by "or", `\\boxed{f(t) = ...45^\\circ}`
    or `\\boxed{f(t) = ...\\frac{\\pi}{4}}`, are left to the last box: they are not numbers.)"""
    plain = _GAP_WRAPPERS.sub(" ", gap)
    return (bool(re.search(r"\bor\b", plain)) and len(gap) <= 80 and bool(_LABEL_GAP.match(re.sub(r"\bor\b", " ", plain)))
            and bool(_VALUE_BOX.fullmatch(first)) and bool(_VALUE_BOX.fullmatch(second)))


def _drop_trailing_spacing(a: str) -> str:
    """Trailing spaces and LaTeX spacing (`\\,` `\\ ` `\\quad`) and one final period, scanned from the end:
    the regex `(spacing)*[.。]?$` did the same in time quadratic in a run of spaces (100,000 spaces
    inside a box took 256 s in the parent process, where no timeout can stop it)."""
    end = len(a) - 1 if a.endswith((".", "。")) else len(a)
    while end:
        if end >= 2 and a[end - 2] == "\\" and a[end - 1] in ",;:! ":
            end -= 2
        elif a[:end].endswith("\\quad"):
            end -= 5
        elif a[end - 1].isspace():
            end -= 1
        else:
            break
    return a[:end]


def strip_answer(answer: str) -> str:
    """Remove wrapping that is not part of the answer: `$`, `\\boxed`, `**`, trailing periods."""
    a = answer.strip()
    for _ in range(4):
        before = a
        a = a.strip().strip("*").strip()
        if len(a) > 2 and a[0] in '"“' and a[-1] in '"”':  # `"$12$ and $13$"`, also `\"...\"`
            a = a[1:-1].removesuffix("\\").strip()
        elif len(a) > 4 and a.startswith('\\"') and a.endswith('\\"'):
            a = a[2:-2]
        if a.startswith("$$") and a.endswith("$$") and len(a) > 4:
            a = a[2:-2]
        elif a.startswith("$") and a.endswith("$") and len(a) > 2:
            a = a[1:-1]
        elif a.startswith("\\(") and a.endswith("\\)") or a.startswith("\\[") and a.endswith("\\]"):
            a = a[2:-2]
        m = re.fullmatch(r"\\(?:boxed|fbox)\s*\{(.*)\}", a, re.S)
        if m:
            a = m.group(1)
        a = _drop_trailing_spacing(a)
        if a == before:
            break
    if re.search(r"(?<!\\)(?:\$|\\[()])", a):  # stray `$` / `\(` left inside: `12 $ and $13`, `3\) or \(4`
        a = re.sub(r"(?<!\\)(?:\$|\\[()])", "", a)
    return a.strip()
