"""Hostile inputs: every item gets a verdict, nothing crashes, no item runs past its timeout by > 2 s."""

from __future__ import annotations

import time

import pytest

from limo.grade import grade, grade_many
from limo.records import VERDICT_REASONS

TIMEOUT = 3.0

HOSTILE = [
    ("x" * 1_000_000 + " so \\boxed{42}", 42, "1 MB response"),
    (" ".join(f"\\boxed{{{i}}}" for i in range(20_000)), "19999", "20,000 boxes"),
    ("\\boxed{" + "7" * 50_000 + "}", "7" * 50_000, "50,000-digit number, equal"),
    ("\\boxed{" + "7" * 50_000 + "}", "8", "50,000-digit number vs small gold"),
    ("\\boxed{5^{5^{5^{5^5}}}}", "3", "power tower"),
    ("\\boxed{\\dfrac{5^{(5^{(5^{(5^5)})} - 4)} - 5}{16}}", "1", "Math-Verify#65 hang"),
    ("\\boxed{10^{10^{10}}}", "10", "two-level tower with a huge value"),
    ("\\boxed{" + "(" * 5000 + ")" * 5000 + "}", "1", "deep parentheses"),
    ("\\boxed{" + "{" * 100_000, "1", "unclosed braces"),
    ("\\boxed{100!!!}", "1", "factorial of a factorial: only the kill can stop it"),
    ("\\boxed{\\sqrt{" * 300 + "2" + "}}" * 300, "2", "nested radicals"),
    ("\\boxed{4" + " " * 100_000 + "\\pmod{9}}", "5", "a modulus after 100,000 spaces"),
    ("\\boxed{7" + "\\ (" * 30_000 + "\\text{for } n>0)}", "8", "30,000 spacings before a parenthetical condition"),
    # graded in the calling process (no Math-Verify needed), where no timeout can stop a slow regex:
    ("\\boxed{4" + " " * 100_000 + "}", "5", "100,000 spaces inside a box (was 256 s)"),
    ("\\boxed{7 \\text{ (assuming" + " " * 20_000 + "} n>0)}", "8", "a relation after 20,000 spaces (was 15 s)"),
    ("\\boxed{4" + ". " * 50_000 + "x}", "5", "50,000 dots in a box (was 13 s)"),
]


def test_hostile_inputs_all_get_a_verdict_within_the_limit() -> None:
    start = time.monotonic()
    verdicts = grade_many([(r, g) for r, g, _ in HOSTILE], workers=2, timeout=TIMEOUT)
    assert len(verdicts) == len(HOSTILE)
    for (_, _, what), v in zip(HOSTILE, verdicts):
        assert v.reason in VERDICT_REASONS and v.reason != "error", what
        assert v.seconds is not None and v.seconds <= TIMEOUT + 2.0, (what, v.seconds)
    by_what = {what: v for (_, _, what), v in zip(HOSTILE, verdicts)}
    assert by_what["1 MB response"].correct
    assert by_what["50,000-digit number, equal"].correct
    assert by_what["50,000-digit number vs small gold"].reason == "not_equal"
    assert by_what["factorial of a factorial: only the kill can stop it"].reason == "timeout"
    assert not any(v.correct for (_, _, w), v in zip(HOSTILE, verdicts) if "equal" not in w and w != "1 MB response")
    assert time.monotonic() - start < 60


def test_pool_keeps_order_and_recovers_after_a_kill() -> None:
    pairs = [("\\boxed{100!!!}", "1"), ("\\boxed{\\frac{1}{2}}", "0.5"), ("\\boxed{3}", "4"),
             ("\\boxed{100!!!}", "2"), ("\\boxed{x^2-1}", "(x-1)(x+1)")]
    verdicts = grade_many(pairs, workers=1, timeout=1.5)
    assert [v.reason for v in verdicts] == ["timeout", "equal", "not_equal", "timeout", "equal"]
    assert (verdicts[0].extracted, verdicts[0].rule) == ("100!!!", "boxed")  # what was being compared


def test_single_grade_is_bounded_too() -> None:
    start = time.monotonic()
    v = grade("\\boxed{100!!!}", "1", timeout=1.5)
    assert v.reason == "timeout" and not v.correct
    assert time.monotonic() - start < 1.5 + 2.0
    assert grade("\\boxed{x^2-1}", "(x-1)(x+1)").correct  # the shared worker was replaced after the kill


@pytest.mark.parametrize("gold", [None, "", [], {}, float("nan"), True])
def test_unusable_gold_is_invalid_gold(gold: object) -> None:
    assert grade("\\boxed{1}", gold).reason == "invalid_gold"


def test_pool_streams_its_input() -> None:
    """A huge input is never read ahead: only a bounded window of items is pulled before results flow."""
    from limo.grade.pool import GradePool

    pulled = 0

    def tasks():  # an endless stream
        nonlocal pulled
        while True:
            pulled += 1
            yield "grade", (f"\\boxed{{{pulled}}}", pulled)

    with GradePool(workers=2, timeout=5.0) as pool:
        results = pool.run(tasks(), window=64)
        first = [next(results) for _ in range(200)]
    assert all(status == "ok" and value["correct"] for status, value, _ in first)
    assert pulled <= 200 + 64 + 2
