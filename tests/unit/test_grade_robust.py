"""The grader never raises: any model text and any gold gives a Verdict (issue 9, class 5).

An exception inside grading would stop a whole evaluation at one odd answer. Each case here either
crashed once (`7 - 0\\cdot\\infty` compared NaN; `20\\%` against `x = 20` asked sympy for the truth of
a relational) or is hostile input of the kind real runs produce.
"""

from __future__ import annotations

import pytest

from limo.grade import answers_equivalent, grade, grade_many
from limo.grade.judge import judge

# (response, gold, expected reason): the inputs that used to raise, and their right verdicts.
CRASHED = [
    ("\\boxed{7 - 0 \\cdot \\infty}", "7", "not_equal"),
    ("\\boxed{\\infty - \\infty}", "0", "not_equal"),
    ("\\boxed{0 \\cdot \\infty}", "0", "not_equal"),
    ("\\boxed{\\frac{0}{0}}", "1", "not_equal"),
    ("\\boxed{20\\%}", "x = 20", "equal"),
    ("\\boxed{x > 20\\%}", "x = 20", "not_equal"),
    ("\\boxed{\\frac{1}{0}}", "\\infty", "not_equal"),
]

HOSTILE = [
    "\\boxed{" * 5000,
    "}" * 3000 + "\\boxed{1}",
    "\\boxed{\\frac{\\frac{\\frac{\\frac{\\frac{1}{2}}{3}}{4}}{5}}{" + "(" * 400 + "}",
    "\\boxed{" + "\\sqrt{" * 300 + "2" + "}" * 301,
    "\\boxed{x^{y^{z^{w^{v}}}} = \\lim_{n\\to\\infty}}",
    "\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 \\end{pmatrix}}",
    "\\boxed{\\left( \\right]}",
    "\\boxed{\\int_0^\\infty e^{-x^2} dx \\neq}",
    "\\boxed{a \\leq b \\leq c \\geq d \\neq e < f}",
    "\\boxed{\\{1, \\{2, \\{3\\}\\}\\}}",
    "\\boxed{10^{10^{10^{10}}}}",
    "\\boxed{9999999999999999999!}",
    "\\boxed{\\mathrm{e}^{\\mathrm{i}\\pi} + \\mathrm{i}^{\\mathrm{i}}}",
    "\\boxed{\\text{\\boxed{\\text{}}}}",
    "\\boxed{\x00\udcff\u202e}",
    "Final Answer: The final answer is $$. I hope it is correct.",
    "<|im_start|>" * 50,
    "\\boxed{__import__('os').system('echo pwned')}",
    "Final Answer: " + " " * 2000,  # a lead-in and nothing after it: an IndexError once
    "\\boxed{0.\\overline{" + "3" * 5000 + "}}",  # int() of 5,000 digits: a ValueError once
    "\\boxed{\\prod_{k=1}^{10^{9}} k}",  # sympy would multiply 10^9 factors
    "\\boxed{" + "\\left(" * 200 + "x" + "\\right)" * 200 + "}",  # sympy's parser recursed until the timeout
]
GOLDS = ["7", "\\infty", "(1, 2]", {"a": [1, None]}, float("nan"), "}{", 10**60]


@pytest.mark.parametrize("response,gold,reason", CRASHED)
def test_inputs_that_crashed_get_their_verdict(response: str, gold: str, reason: str) -> None:
    assert judge(response, gold).reason == reason


def test_hostile_responses_are_graded_without_error() -> None:
    pairs = [(response, gold) for response in HOSTILE for gold in GOLDS]
    verdicts = grade_many(pairs, timeout=10)
    bad = [(r[:40], g, v.reason) for (r, g), v in zip(pairs, verdicts) if v.reason in ("error", "timeout")]
    assert not bad


def test_an_internal_failure_is_an_error_verdict_not_an_exception() -> None:
    def broken_mv(gold: str, answer: str) -> bool:
        raise RecursionError("sympy went too deep")

    assert judge("\\boxed{\\binom{n}{2} + 1}", "\\binom{n}{2} + 2", mv=broken_mv).reason == "error"


def test_public_api_never_raises_on_odd_arguments() -> None:
    assert grade(None, object()).reason == "invalid_gold"  # type: ignore[arg-type]
    assert grade("\\boxed{7 - 0 \\cdot \\infty}", "7").reason == "not_equal"
    assert answers_equivalent(None, None) is False  # type: ignore[arg-type]
    assert answers_equivalent("7", "7 - 0 \\cdot \\infty") is False
    odd = [("\\boxed{3}", 3), (1, 2, 3), ("\\boxed{1}", lambda: 1), None, ("\\boxed{20\\%}", "x = 20")]
    reasons = [v.reason for v in grade_many(odd, timeout=10)]  # type: ignore[arg-type]
    assert reasons == ["equal", "invalid_gold", "invalid_gold", "invalid_gold", "equal"]


# Runs of one character that made a regex backtrack quadratically (16-36 s on 20,000-100,000 characters):
# `\\s*<token>` over trailing spaces, `^\\s*####` over blank lines, `##+` over `#` runs.
RUNS = [("Final Answer:", " "), ("**Final Answer**\n", "\n"), ("", "#"), ("Therefore, ", "#"), ("", "\n"),
        ("\\boxed{", "1 m "), ("\\boxed{", "0."), ("", "x<"), ("Answer ", "9")]


@pytest.mark.parametrize("prefix,run", RUNS)
def test_long_runs_of_one_token_are_extracted_in_linear_time(prefix: str, run: str) -> None:
    import time

    from limo.grade.extract import extract_answer

    start = time.process_time()
    extract_answer(prefix + run * (100_000 // len(run)) + " 9.")
    assert time.process_time() - start < 2.0  # about 0.05 s; the quadratic versions took 16-36 s
