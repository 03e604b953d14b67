"""Find the final answer in a model response, and say which rule found it.

Why our own extractor instead of Math-Verify's: Math-Verify merges every `\\boxed{}` in a response into
one set, so a long chain that boxes 5 and then corrects itself to 7 is graded as `{5, 7}` and marked wrong.
Here the *last* final answer wins, reasoning before `</think>` is skipped when the response has a
final segment, and answers written without a box ("the answer is 42", "**Answer:** 42",
"Final answer: ...", "答案是 42", "#### 42") are found by explicit fallbacks, each with its rule name.

Everything here is linear-time string work with hard size caps, so a 1 MB response with 20,000
boxes is cheap; nothing is parsed or executed.
"""

from __future__ import annotations

import re

# Markers after which the model's final answer segment starts (DeepSeek-R1/Qwen3, Sky-T1).
_THINK_END = ("</think>", "<|end_of_thought|>")
_MAX_ANSWER = 4000  # cue-based answers ("the answer is ...") are cut at this length
_MAX_BOX = 200_000  # a box longer than this is treated as unclosed (50,000-digit numbers still fit)
_TAIL = 20_000  # cues are looked for in the last 20k characters only
_MAX_AFTER_CUE = 400  # more text than this after a cue's paragraph means the model kept reasoning
_HESITATION = re.compile(r"\b(?:wait|hmm|but|however|actually|let me|let's|recheck|re-?examine|mistake)\b", re.I)
# "..., so the mean is 7." / "the angle is indeed $45^\circ$." as the response's closing sentence.
_STATEMENT = re.compile(
    r"\b(?:is|are|equals|be|gives|get|=)\s+(?:indeed\s+|exactly\s+|just\s+|simply\s+|therefore\s+|equal to\s+)*"
    r"(\$[^$]{1,200}\$|\\\((?:(?!\\[()]).){1,200}\\\)|[-+]?\d[\d,]*(?:\.\d+)?(?:/\d+)?)"
    r"(?:\s+[a-zA-Z]+){0,3}\s*[.!]?\s*$")
_CONCLUSION = re.compile(r"^(?:thus|therefore|so|hence|finally)\b[^$\\]*?"
                         r"(\$[^$]{1,200}\$|\\\((?:(?!\\[()]).){1,200}\\\))\s*[.!]?\s*$",
                         re.I)
_CONCLUDES = re.compile(r"^(?:\**)(?:therefore|thus|so|hence|in conclusion|in summary|finally|overall|consequently)\b|"
                        r"\b(?:answer|result) (?:is|should be)\b|\bis the (?:correct |final |right )?answer\b", re.I)
_NUMBER = re.compile(r"(?<![\w.^_{/])-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?(?![\w^/]|\.\d)")
_CLOSING_MATH = re.compile(
    r"(?:therefore|thus|so|hence|final|conclusion|answer|result)[^\n]{0,200}:\s*"
    r"(?:\\\[(?P<a>(?:(?!\\\]|\\\[).){1,500})\\\]|\$\$(?P<b>[^$]{1,500})\$\$)\s*[.]?$", re.I | re.S)
_FILLER = re.compile(r"^(?:(?:indeed|definitely|clearly|exactly|simply|just|then|actually|therefore|still)\s+)+")
_FORMULA = re.compile(r"[\^+*<>]|\\(?:frac|sqrt|cdot|times)")
_END_MARKERS = re.compile(r"(?:\s*(?:<\|end_of_solution\|>|<\|im_end\|>|<\|endoftext\|>|</s>|<\|eot_id\|>))+\s*$")
_BOX = re.compile(r"\\(?:boxed|fbox)\s*(?!\{\s*\})")  # empty boxes (prompt echoes) are not candidates
_BRACE = re.compile(r"\\.|[{}]", re.S)
_MAX_BOXES = 256  # only the last boxes can hold the final answer
# Between two boxes that together form one multi-part answer: only separators, no words.
_MULTI_GAP = re.compile(r"^[\s,;$.]*(?:(?:and|or|&|\\quad|\\qquad|\\text\{\s*(?:and|or|,)?\s*\}|,)[\s,;$.]*)*$")

# Fallbacks, tried when no box is found; the one matching LAST in the segment wins.
_FALLBACKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("final_answer_is", re.compile(r"final answer is\s*[:：]?\s*", re.I)),
    ("answer_colon", re.compile(r"(?:\*\*|##+\s*)?(?:final\s+)?answer(?:\s*\*\*)?\s*[:：]\s*(?:\*\*)?\s*", re.I)),
    ("answer_is", re.compile(r"\b(?:the\s+)?(?:correct\s+)?answer\s+(?:is|should be|would be)\s*[:：]?\s*", re.I)),
    ("answer_zh", re.compile(r"(?:答案|结果|最终答案)\s*(?:是|为|应为)?\s*[:：]?\s*")),
    ("choice_zh", re.compile(r"(?:故|所以|因此)?(?:选|应选|选择)\s*(?=[(（]?[A-E]\b)")),
    ("hashes", re.compile(r"(?m)^\s*####\s*")),
)


def final_segment(response: str) -> tuple[str, str]:
    """Split off the reasoning: (final segment, thinking). No marker -> (response, "")."""
    cut = -1
    for marker in _THINK_END:
        i = response.rfind(marker)
        if i >= 0:
            cut = max(cut, i + len(marker))
    if cut < 0:
        return _END_MARKERS.sub("", response), ""
    return _END_MARKERS.sub("", response[cut:]), response[:cut]


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


def _last_boxed(text: str) -> tuple[str | None, str | None]:
    """The last non-empty box; adjacent boxes separated only by `,`/`and` form one multi-part answer."""
    matches = list(_BOX.finditer(text))[-_MAX_BOXES:]
    if not matches:
        return None, None
    pairs = _brace_pairs(text, matches[0].end())
    boxes: list[tuple[int, int, str]] = []  # (start, end, content) of the trailing run of boxes
    for m in reversed(matches):
        content, end = _box_content(text, m.end(), pairs)
        if content is None or not content.strip():
            if boxes:
                break
            continue
        if boxes and not _MULTI_GAP.match(text[end:boxes[-1][0]]):
            break
        boxes.append((m.start(), end, content))
        if len(boxes) >= 16:
            break
    if not boxes:
        return None, None
    parts = list(dict.fromkeys(strip_answer(c) for _, _, c in reversed(boxes)))  # `\boxed{5} \boxed{5}` is 5
    if len(parts) == 1:
        return parts[0], "boxed"
    return ", ".join(parts), "boxed_multi"


def _take_after(text: str, pos: int) -> str:
    """The answer written right after a cue like 'the answer is': its math span, or its sentence."""
    rest = text[pos:pos + _MAX_ANSWER].lstrip(" \t*:：")
    rest = _FILLER.sub("", rest)  # "the answer is definitely 6"
    box, _ = _last_boxed(rest.split("\n\n", 1)[0])
    if box:
        return box
    for open_, close in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if rest.startswith(open_):
            j = rest.find(close, len(open_))
            if j > 0:
                return rest[len(open_):j]
    line = rest.split("\n", 1)[0]
    statement = _STATEMENT.search(line.rstrip(" .")) if len(re.findall(r"[A-Za-z]{3,}", line)) >= 3 else None
    if statement:  # "Answer: The velocity is 1000 radians per second."
        return statement.group(1)
    return re.split(r"\.(?:\s|$)|。|;\s|\s—\s|, (?:which|since|because|so)\b|\bI hope\b", line, 1)[0]


def _fallback(text: str) -> tuple[str | None, str | None]:
    """The last cue ("the answer is", ...) that the response does not talk past: a cue followed by more
    than `_MAX_AFTER_CUE` characters of further reasoning is a mid-chain guess, not a final answer."""
    best: tuple[int, str, str] | None = None
    for rule, pattern in _FALLBACKS:
        last = None
        for last in pattern.finditer(text, max(0, len(text) - _TAIL)):
            pass
        if last is None:
            continue
        line_end = text.find("\n\n", last.end())
        after = text[line_end:] if line_end >= 0 else ""
        if len(after) > 3000 or (len(after) > _MAX_AFTER_CUE and _HESITATION.search(after)):
            continue
        answer = strip_answer(_take_after(text, last.end()))
        if answer and (best is None or last.end() > best[0]):  # ties: the more specific rule, listed first
            best = (last.end(), answer, rule)
    return (best[1], best[2]) if best else (None, None)


def _closing_statement(text: str) -> tuple[str | None, str | None]:
    """A number or math span stated in the closing sentence of a response that ends properly (a
    response cut off mid-sentence gets nothing: a stray number there is not an answer)."""
    tail = text.rstrip()[-1500:]
    if not tail or tail[-1] not in ".!$)]":
        return None, None
    m = _CLOSING_MATH.search(tail)
    if m:  # "Thus, the equation of the plane is:\n\\[ 5x - 7y + 11z + 4 = 0 \\]"
        return strip_answer(m.group("a") or m.group("b")), "closing_math"
    paragraphs = [p for p in tail.split("\n\n") if p.strip()][-2:]
    if len(paragraphs) == 2 and (len(paragraphs[1]) > 100 or _HESITATION.search(paragraphs[1])):
        paragraphs = paragraphs[1:]  # only a short sign-off ("I think that's it.") may follow the statement
    for para in reversed(paragraphs):
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", para.strip()) if x]
        for sentence in reversed(sentences[-2:]):
            sentence = sentence.replace("**", "")  # markdown bold
            m = _STATEMENT.search(sentence) or _CONCLUSION.search(sentence)
            if m:
                return strip_answer(m.group(1)), "closing_statement"
            numbers = _NUMBER.findall(sentence)
            if _CONCLUDES.search(sentence) and len(numbers) == 1 and not _FORMULA.search(sentence):
                return numbers[0], "closing_number"  # "Therefore, the polygon has 15 sides."
    return None, None


def strip_answer(answer: str) -> str:
    """Remove wrapping that is not part of the answer: `$`, `\\boxed`, `**`, trailing periods."""
    a = answer.strip()
    for _ in range(4):
        before = a
        a = a.strip().strip("*").strip()
        if a.startswith("$$") and a.endswith("$$") and len(a) > 4:
            a = a[2:-2]
        elif a.startswith("$") and a.endswith("$") and len(a) > 2:
            a = a[1:-1]
        elif a.startswith("\\(") and a.endswith("\\)") or a.startswith("\\[") and a.endswith("\\]"):
            a = a[2:-2]
        m = re.fullmatch(r"\\(?:boxed|fbox)\s*\{(.*)\}", a, re.S)
        if m:
            a = m.group(1)
        a = re.sub(r"(?:\\[,;:! ]|\s|\\quad)*[.。]?$", "", a)
        if a == before:
            break
    return a.strip()


def extract_answer(response: str) -> tuple[str | None, str | None]:
    """(final answer, rule that fired) or (None, None). See the module docstring for the rules."""
    if not isinstance(response, str) or not response.strip():
        return None, None
    final, thinking = final_segment(response)
    answer, rule = _last_boxed(final)
    if answer is None:
        answer, rule = _fallback(final)
    if answer is None:
        answer, rule = _closing_statement(final)
    if answer is None and thinking:
        answer, rule = _last_boxed(thinking)
        rule = rule and f"think_{rule}"
    if not answer:
        return None, None
    return answer, rule
