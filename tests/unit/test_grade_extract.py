"""Final-answer extraction: the last answer wins, thinking is skipped, fallbacks name their rule."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from limo.grade import boxes, extract_answer

_REAL_BRACE = boxes._BRACE

CASES = [
    # (response, answer, rule)
    ("so \\boxed{5}. Wait, no: \\boxed{7}", "7", "boxed"),
    ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}", "boxed"),
    ("nested \\boxed{\\boxed{12}}", "12", "boxed"),
    ("$\\boxed 5$", "5", "boxed"),
    ("\\fbox{3}", "3", "boxed"),
    ("The roots are $\\boxed{2}$ and $\\boxed{3}$.", "2, 3", "boxed_multi"),
    ("\\boxed{5}\n\n\\boxed{5}", "5", "boxed"),
    ("\\boxed{} and then \\boxed{4}", "4", "boxed"),
    ("<think>\\boxed{1}</think>The answer is 2.", "2", "answer_is"),
    ("<think>so it is \\boxed{9}</think>I am done.", "9", "think_boxed"),
    ("<|begin_of_thought|>x<|end_of_thought|><|begin_of_solution|>\\boxed{6}<|end_of_solution|>", "6", "boxed"),
    ("Adding up, the answer is 42.", "42", "answer_is"),
    ("**Answer:** 42", "42", "answer_colon"),
    ("Final answer: $\\frac{3}{4}$", "\\frac{3}{4}", "answer_colon"),
    ("Final Answer: The final answer is $4.5 \\times 10^{33}$. I hope it is correct.",
     "4.5 \\times 10^{33}", "final_answer_is"),
    ("所以答案是 7。", "7", "answer_zh"),
    ("因此故选 C", "C", "choice_zh"),
    ("9 eggs at $2 each.\n#### 18", "18", "hashes"),
    ("Answer: 0.5. But we keep going.", "0.5", "answer_colon"),
    ("So, the mean of her quiz scores currently is 7.", "7", "closing_statement"),
    ("Thus \\(x = \\frac{1}{2}\\).", "x = \\frac{1}{2}", "closing_statement"),
    ("Answer: The steady-state velocity is 1000 radians per second.", "1000", "answer_colon"),
]


@pytest.mark.parametrize("response,answer,rule", CASES)
def test_extraction_rules(response: str, answer: str, rule: str) -> None:
    assert extract_answer(response) == (answer, rule)


@pytest.mark.parametrize("response", [
    "",
    "Let me think about this. There are 3 cases and",  # truncated mid-sentence: no stray number
    "For k=3,",
    "\\boxed{" + "1" * 10,  # unclosed box
    "The answer is 41.\n\n" + "Wait, let me recheck that. " * 40,  # a cue the model talked past
])
def test_no_answer(response: str) -> None:
    assert extract_answer(response) == (None, None)


def test_last_answer_wins_over_earlier_cues() -> None:
    text = "The answer is 5.\n\nHmm, recheck: 3+4=7.\n\nSo the answer is 7."
    assert extract_answer(text) == ("7", "answer_is")


class _CountingBrace:
    """Stands in for boxes._BRACE: counts the tokens (`{`, `}`, escapes) the brace matcher visits."""

    def __init__(self) -> None:
        self.steps = 0

    def finditer(self, text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        for m in _REAL_BRACE.finditer(text, pos):
            self.steps += 1
            yield m


def _extract_counting(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[tuple[str | None, str | None], int]:
    counter = _CountingBrace()
    monkeypatch.setattr(boxes, "_BRACE", counter)
    return extract_answer(text), counter.steps


def test_brace_matching_is_one_pass_not_one_scan_per_box(monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear time without a clock (timed tests flake on a loaded machine). Unclosed boxes after the
    answer (a response cut off in a loop) are each looked at; the brace matcher must still visit each
    brace token of the text at most once, so twice the boxes is twice the work. A scan per box (the
    quadratic way) visits the braces after each box again: x4 for twice the boxes."""
    steps = {}
    for n in (100, 200):
        text = "So \\boxed{7}. " + "Then \\boxed{x " * n
        (answer, rule), steps[n] = _extract_counting(monkeypatch, text)
        assert (answer, rule) == ("7", "boxed")
        assert 0 < steps[n] <= len(_REAL_BRACE.findall(text))
    assert steps[200] < 3 * steps[100]


def test_huge_response_with_many_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(f"step \\boxed{{{i}}} then" for i in range(20_000)) + "x" * 1_000_000
    (answer, rule), steps = _extract_counting(monkeypatch, text)
    assert (answer, rule) == ("19999", "boxed")
    # only the last _MAX_BOXES boxes can hold the answer: braces are matched from there on, not from the
    # first of 20,000 boxes (3 tokens a box: `\\b`, `{`, `}`)
    assert steps <= 3 * boxes._MAX_BOXES


@pytest.mark.parametrize("response,answer", [
    ("Therefore, the polygon has 15 sides.\n\nI think that's the correct answer.", "15"),
    ("I think $1250 is the right answer.", "1250"),
    ("Thus, the tritium nucleus contains **4 up quarks**.\n\n<|end_of_solution|>", "4"),
    ("So, I'm confident that \\(y = -4\\) is the correct solution.", "-4"),
])
def test_closing_number(response: str, answer: str) -> None:
    assert extract_answer(response) == (answer, "closing_number")


@pytest.mark.parametrize("response", [
    "Therefore, the area is x^2 + 3.",  # a formula, not a stated number
    "Therefore, between 3 and 5 apples remain.",  # two numbers: which one?
    "Therefore, for a > 2, f(x) is surjective.\n\nWait, but earlier I thought that for a > 2, f(a) = a^3",
])
def test_closing_number_refuses_ambiguous_sentences(response: str) -> None:
    assert extract_answer(response)[1] != "closing_number"


@pytest.mark.parametrize("text", [
    "\\boxed{" * 50_000,  # 50,000 unclosed boxes: one brace pass, not one scan per box
    "{" * 1_000_000,
    " " * 1_000_000,
    "the answer is " * 20_000,
    "**Answer:** " * 20_000,
    "Therefore " * 50_000 + ".",
    "\\(" * 100_000 + ".",
    "1," * 100_000 + ".",
])
def test_pathological_text_is_fast_in_process(text: str) -> None:
    """grade() extracts in the caller's process, so extraction itself must stay linear.

    A catastrophe guard, not a speed target: at these sizes a quadratic scan or a backtracking regex takes
    minutes, linear extraction well under a second, so 10 s cannot flake on a loaded machine and still fails."""
    import time

    start = time.monotonic()
    extract_answer(text)
    assert time.monotonic() - start < 10.0
