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

from limo.grade.bare import bare_answer, cut_new_turn
from limo.grade.boxes import HESITATION, last_boxed, last_boxed_at, strip_answer
from limo.grade.closing import bounds_or_hedges, closing_quantity, sentence_number, split_sentences

# Markers after which the model's final answer segment starts (DeepSeek-R1/Qwen3, Sky-T1).
_THINK_END = ("</think>", "<|end_of_thought|>")
_MAX_ANSWER = 4000  # cue-based answers ("the answer is ...") are cut at this length
_TAIL = 20_000  # cues are looked for in the last 20k characters only
_HEADED_VALUE = re.compile(r"(?:\$|\\\[|\\\(|\\boxed|[-+]?\d|[A-Za-z]\s*$)")  # maths or a bare value under the heading
_MAX_UNDER_HEADING = 300  # "**Final Answer**" heads its answer only when little text follows it
# A modal or a negation right before the stating verb: "x cannot be 5", "the answer might be 5" ("would be"
# is how models state a result: "the next number would be 10,000").
_MODAL = re.compile(r"\b(?:could|might|may|cannot|can|not|never)\s+(?:not\s+)?$|n't\s+$", re.I)
_MAX_AFTER_CUE = 400  # more text than this after a cue's paragraph means the model kept reasoning
# "..., so the mean is 7." / "the angle is indeed $45^\circ$." as the response's closing sentence.
_STATEMENT = re.compile(
    r"\b(?:is|are|equals|be|gives|get|=)\s+(?:indeed\s+|exactly\s+|just\s+|simply\s+|therefore\s+|equal to\s+)*"
    r"(\$[^$]{1,200}\$|\\\((?:(?!\\[()]).){1,200}\\\)|[-+]?\d[\d,]*(?:\.\d+)?(?:/\d+)?)"
    r"(?:\s+[a-zA-Z]+){0,3}\s*[.!]?\s*$")
_CONCLUSION = re.compile(r"^(?:thus|therefore|so|hence|finally|we (?:find|get|have|obtain|conclude)\b)[^$\\]*?"
                         r"(\$[^$]{1,200}\$|\\\((?:(?!\\[()]).){1,200}\\\))"
                         r"(?:\s+is\s+(?:the|our)\s+(?:final\s+)?(?:answer|solution|result))?\s*[.!]?\s*$",
                         re.I)
_CONCLUDES = re.compile(r"^(?:\**)(?:therefore|thus|so|hence|in conclusion|in summary|finally|overall|consequently)\b|"
                        r"\b(?:answer|result) (?:is|should be)\b|\bis the (?:correct |final |right )?answer\b", re.I)
_NUMBER = re.compile(r"(?<![\w.^_{/])-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?(?![\w^/]|\.\d)")
_CLOSING_MATH = re.compile(
    r"(?:therefore|thus|so|hence|final|conclusion|answer|result)[^\n]{0,200}:\s*"
    r"(?:\\\[(?P<a>(?:(?!\\\]|\\\[).){1,500})\\\]|\$\$(?P<b>[^$]{1,500})\$\$)\s*[.]?$", re.I | re.S)
_ALTERNATIVE = re.compile(r"\s*(?:,|or|and|to|\\text\{\s*or\s*\})\s*(?:\$|\\\()")  # `$3$ or $4$`, `$5$ to $6$`
# Words between a cue and its value that do not change the value ("the answer is approximately 2.5").
_FILLER = re.compile(r"^(?:(?:indeed|definitely|clearly|exactly|simply|just|then|actually|therefore|still|"
                     r"approximately|about|roughly|around)\s+)+")
_FORMULA = re.compile(r"[\^+*<>≠≤≥]|\\(?:frac|sqrt|cdot|times|neq?|[lg]eq?|[lg]t|approx|in)(?![a-zA-Z])")
_END_MARKERS = ("<|end_of_solution|>", "<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>")

# Fallbacks, tried when no box is found; the one matching LAST in the segment wins.
_FALLBACKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("final_answer_is", re.compile(r"final answer is\s*[:：]?\s*", re.I)),
    ("answer_colon", re.compile(r"(?:\*\*|#{2,6}\s*)?(?:final\s+)?answer(?:\s*\*\*)?\s*[:：]\s*(?:\*\*)?\s*", re.I)),
    ("answer_math", re.compile(r"(?<![a-z])(?:final\s+)?answer\s*(?=\$|\\\(|\\\[)", re.I)),  # "Answer $9$"
    # "**Final Answer**" alone on its line, the answer below it; "Answer 9" (a number ending the line)
    ("answer_heading", re.compile(r"(?im)^[ \t]*(?:\*\*|#{1,6}[ \t]*)?(?:final[ \t]+)?answer[ \t]*(?:\*\*)?[ \t]*\n\s*")),
    ("answer_math", re.compile(r"(?im)^[ \t]*(?:final[ \t]+)?answer[ \t]+(?:[-–—][ \t]*)?"
                               r"(?=[-+]?\d[\d,.]*[ \t]*\.?[ \t]*$)")),
    ("answer_is", re.compile(r"\b(?:the\s+)?(?:correct\s+)?answer\s+(?:is|should be|would be)\s*[:：]?\s*", re.I)),
    ("answer_zh", re.compile(r"(?:答案|结果|最终答案)\s*(?:是|为|应为)?\s*[:：]?\s*")),
    ("choice_zh", re.compile(r"(?:故|所以|因此)?(?:选|应选|选择)\s*[:：]?\s*"  # "故选：C", "故选 $\\mathrm{C}$"
                             r"(?=\$?\s*(?:\\(?:mathrm|text|textbf)\s*\{\s*)?[(（]?[A-E](?![A-Za-z]))")),
    ("hashes", re.compile(r"(?m)^[ \t]*####\s*")),  # not `^\s*`: quadratic on 50,000 blank lines
)


def final_segment(response: str) -> tuple[str, str]:
    """Split off the reasoning: (final segment, thinking). No marker -> (response, "")."""
    cut = -1
    for marker in _THINK_END:
        i = response.rfind(marker)
        if i >= 0:
            cut = max(cut, i + len(marker))
    if cut < 0:
        return _strip_end_markers(response), ""
    return _strip_end_markers(response[cut:]), response[:cut]


def _strip_end_markers(text: str) -> str:
    """Drop end-of-turn tokens (and the spaces around them) at the very end. A loop, not a regex: a
    regex `(\\s*<token>)+\\s*$` backtracks quadratically on 100,000 trailing spaces (16 s)."""
    t = text.rstrip()
    stripped = False
    while marker := next((m for m in _END_MARKERS if t.endswith(m)), None):
        t, stripped = t[:-len(marker)].rstrip(), True
    return t if stripped else text


def _take_after(text: str, pos: int) -> str:
    """The answer written right after a cue like 'the answer is': its math span, or its sentence."""
    rest = text[pos:pos + _MAX_ANSWER].lstrip(" \t*:：")
    rest = _FILLER.sub("", rest)  # "the answer is definitely 6"
    if re.match(r"[^.!?\n]{0,200}\?(?:\s|$)", rest):
        return ""  # "The answer is 5?" asks; it does not answer
    box, _ = last_boxed(rest.split("\n\n", 1)[0])
    if box:
        return box
    for open_, close in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if rest.startswith(open_):
            j = rest.find(close, len(open_))
            while open_ == "$" and j > 0 and rest[j - 1] == "\\":  # `\$` is a dollar sign, not the end
                j = rest.find(close, j + 1)
            if j > 0 and open_ in ("$", "\\(") and "\n" in rest[:j]:
                break  # inline maths does not span lines: `Answer $ \n 9 \n $` is not an answer
            if j > 0 and _ALTERNATIVE.match(rest, j + len(close)):  # "$3$ or $4$": the whole hedge
                return re.split(r"\.(?:\s|$)|\n", rest, 1)[0]
            if j > 0:
                return rest[len(open_):j]
    line = rest.split("\n", 1)[0]
    parts = re.split(r"\.(?:\s|$)|\bI hope\b", line, 1)  # "... is 120. I hope it is correct."
    first, finished = parts[0], len(parts) > 1 or line.rstrip().endswith((".", "!"))
    if len(re.findall(r"[A-Za-z]{3,}", first)) >= 2:
        statement = _STATEMENT.search(first.rstrip(" ."))
        if statement:  # "Answer: The velocity is 1000 radians per second."
            return statement.group(1)
        number = sentence_number(first) if finished else None  # a cut-off sentence states nothing
        if number:  # "Final Answer: Jane started growing Sphere 3 hours ago."
            return number
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
        if rule == "answer_heading" and (len(text) - last.end() > _MAX_UNDER_HEADING
                                         or not _HEADED_VALUE.match(text, last.end())):
            continue  # a heading over a whole solution or a sentence, not over a value
        line_end = text.find("\n\n", last.end())
        after = text[line_end:] if line_end >= 0 else ""
        if len(after) > 3000 or (len(after) > _MAX_AFTER_CUE and HESITATION.search(after)):
            continue
        answer = strip_answer(_take_after(text, last.end()))
        if answer and (best is None or last.end() > best[0]):  # ties: the more specific rule, listed first
            best = (last.end(), answer, rule)
    return (best[1], best[2]) if best else (None, None)


def _closing_statement(text: str) -> tuple[str | None, str | None]:
    """A number or math span stated in the closing sentence of a response that ends properly (a
    response cut off mid-sentence gets nothing: a stray number there is not an answer)."""
    tail = text.rstrip()[-1500:]
    quantity = closing_quantity(tail)
    if quantity[0]:  # "... increases by 100%.", "... which is 1,000.99€"
        return quantity
    if not tail or tail[-1] not in ".!$)]":
        return None, None
    m = _CLOSING_MATH.search(tail)
    if m:  # "Thus, the equation of the plane is:\n\\[ 5x - 7y + 11z + 4 = 0 \\]"
        return strip_answer(m.group("a") or m.group("b")), "closing_math"
    paragraphs = [p for p in tail.split("\n\n") if p.strip()][-2:]
    if len(paragraphs) == 2 and (len(paragraphs[1]) > 100 or HESITATION.search(paragraphs[1])):
        paragraphs = paragraphs[1:]  # only a short sign-off ("I think that's it.") may follow the statement
    for para in reversed(paragraphs):
        sentences = split_sentences(para)
        for sentence in reversed(sentences[-2:]):
            sentence = sentence.replace("**", "")  # markdown bold
            m = _STATEMENT.search(sentence) or _CONCLUSION.search(sentence)
            if m and _MODAL.search(sentence[:m.start()]):
                return None, None  # "Thus, x cannot be 5.", "The answer could be 5."
            if m:
                return strip_answer(m.group(1)), "closing_statement"
            numbers = _NUMBER.findall(sentence)
            if (_CONCLUDES.search(sentence) and len(numbers) == 1 and not _FORMULA.search(sentence)
                    and not bounds_or_hedges(sentence)):  # "... must be greater than 3." is no value
                return numbers[0], "closing_number"  # "Therefore, the polygon has 15 sides."
    return None, None


def _after_last_box(final: str, box_end: int) -> tuple[str | None, str | None]:
    """A "Final Answer: ..." line after the last box overrides it: Minerva's closing "Final Answer: The
    final answer is $X$. I hope it is correct." is the answer even when earlier work boxed something."""
    answer, rule = _fallback(final[box_end:])
    if rule in ("final_answer_is", "answer_colon", "answer_math", "answer_heading") and answer and not _is_sentence(answer) \
            and re.search(r"[\d\\]", answer):  # a value, not "... the final answer is clearly highlighted."
        return answer, rule
    return None, None


def _is_sentence(s: str) -> bool:
    """Two or more words outside LaTeX: a phrase, not a value (`boxed as requested`)."""
    bare = re.sub(r"\\(?:text|textbf|mathrm|mbox)\s*\{[^{}]*\}|\\[a-zA-Z]+", " ", s)
    return len(re.findall(r"(?<![\\\w])[A-Za-z]{3,}\b", bare)) >= 2


def extract_answer(response: str) -> tuple[str | None, str | None]:
    """(final answer, rule that fired) or (None, None). See the module docstring for the rules."""
    if not isinstance(response, str) or not response.strip():
        return None, None
    final, thinking = final_segment(cut_new_turn(response))
    answer, rule, box_end = last_boxed_at(final)
    if answer is not None:
        later, later_rule = _after_last_box(final, box_end)
        answer, rule = (later, later_rule) if later else (answer, rule)
    if answer is None:
        answer, rule = _fallback(final)
    if answer is None:
        answer, rule = _closing_statement(final)
    if answer is None:
        answer, rule = bare_answer(final)
    if answer is None and thinking:
        answer, rule = last_boxed(thinking)
        rule = rule and f"think_{rule}"
    if not answer:
        return None, None
    return answer, rule
