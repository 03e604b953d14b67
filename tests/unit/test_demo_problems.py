import re

import pytest

from limo.demo.problems import KINDS, generate, to_problem


def _boxed(text: str) -> int:
    return int(re.findall(r"\\boxed\{(-?\d+)\}", text)[-1])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_chain_ends_in_the_gold_answer(kind):
    for g in generate(300, seed=3, kinds=(kind,), levels=(1, 2, 3)):
        assert _boxed(g.terse) == g.answer, g
        assert _boxed(g.elaborated) == g.answer, g
        assert g.elaborated.count("\\boxed") == 1 and len(g.elaborated) > 2 * len(g.terse)


def test_questions_are_correct_arithmetic():
    # Re-derive each answer from the question text (no eval: parse the numbers).
    for g in generate(500, seed=5):
        nums = [int(x) for x in re.findall(r"\d+", g.question)]
        if g.kind == "add":
            assert g.answer == nums[0] + nums[1]
        elif g.kind == "sub":
            assert g.answer == nums[0] - nums[1] >= 0
        elif g.kind == "mul":
            assert g.answer == nums[0] * nums[1]
        elif g.kind == "two_step":
            assert g.answer == nums[0] + nums[1] - nums[2]
        else:
            a, b, c = nums
            assert a * g.answer + b == c


def test_deterministic_and_seed_sensitive():
    assert list(generate(50, seed=1)) == list(generate(50, seed=1))
    assert list(generate(50, seed=1)) != list(generate(50, seed=2))


def test_slips_are_real_carries_and_corrected():
    slips = [g for g in generate(2000, seed=7, kinds=("add",), levels=(2,)) if "Wait" in g.elaborated]
    assert slips, "the elaborated style should sometimes self-correct"
    for g in slips:
        a, b = (int(x) for x in re.findall(r"\d+", g.question))
        assert a % 10 + b % 10 >= 10


def test_to_problem_carries_both_chains():
    g = next(generate(1, seed=0))
    p = to_problem(g, "demo-0", style="elaborated")
    assert p.solution == g.elaborated and p.answer == str(g.answer)
    assert p.meta["chains"]["terse"] == g.terse
