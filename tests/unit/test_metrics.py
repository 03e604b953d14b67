"""limo.eval.metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from limo.eval.metrics import (Outcome, answer_classes, bootstrap_ci, default_ks, maj_at_k, majority_correct,
                               pass_at_k, summarize)

# A hand-written equivalence for tests: answers are equivalent when they denote the same value.
VALUES = {"0.5": 0.5, "1/2": 0.5, "\\frac{1}{2}": 0.5, "7": 7.0, "7.0": 7.0, "3": 3.0, "A": "A", "B": "B"}


def eq(a: str, b: str) -> bool:
    return VALUES[a] == VALUES[b]


@pytest.mark.parametrize("n,c,k,expected", [
    (5, 2, 1, 2 / 5),                      # pass@1 = c/n
    (5, 2, 2, 1 - 3 / 10),                 # 1 - C(3,2)/C(5,2)
    (4, 1, 2, 1 - 3 / 6),                  # 1 - C(3,2)/C(4,2)
    (16, 4, 4, 1 - 495 / 1820),            # 1 - C(12,4)/C(16,4)
    (5, 0, 3, 0.0),                        # never correct
    (5, 3, 3, 1.0),                        # n - c < k: every 3-subset holds a correct one
    (1, 1, 1, 1.0),
])
def test_pass_at_k_hand_computed(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_matches_binomial_definition_everywhere():
    for n in range(1, 12):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - math.comb(n - c, k) / math.comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(4, 5, 1)
    with pytest.raises(ValueError):
        pass_at_k(4, 2, 5)


def test_maj_votes_over_equivalent_answers_not_strings():
    # By raw strings "7" (2 votes) would win; as values, 1/2 has 3 votes and wins.
    answers = ["0.5", "1/2", "\\frac{1}{2}", "7", "7"]
    correct = [True, True, True, False, False]
    classes = answer_classes(answers, eq)
    assert classes == [0, 0, 0, 1, 1]
    assert maj_at_k(classes, correct, 5) == 1.0
    string_classes = answer_classes(answers, lambda a, b: a == b)
    assert maj_at_k(string_classes, correct, 5) == 0.0


def test_maj_at_k_subsets_and_ties_hand_computed():
    # answers A, A, B (right, right, wrong); every 2-subset: {0,1} A; {0,2} tie -> A (seen first);
    # {1,2} tie -> A (index 1 before 2). maj@2 = 3/3.
    assert maj_at_k([0, 0, 1], [True, True, False], 2) == 1.0
    # answers B, A, A (wrong, right, right): {0,1} tie -> B wrong; {0,2} tie -> B wrong; {1,2} A right.
    assert maj_at_k([0, 1, 1], [False, True, True], 2) == pytest.approx(1 / 3)
    # maj@1 is the mean correctness of single samples.
    assert maj_at_k([0, 1, 1], [False, True, True], 1) == pytest.approx(2 / 3)


def test_samples_without_answer_do_not_vote():
    assert majority_correct([None, None, 0], [False, False, False], [0, 1, 2]) is False
    assert majority_correct([None, None, 0], [False, False, True], [0, 1, 2]) is True
    assert majority_correct([None, None, None], [False, False, False], [0, 1, 2]) is False
    assert answer_classes([None, "  ", "7", "7.0"], eq) == [None, None, 0, 0]


def test_maj_at_k_random_subsets_are_seeded():
    classes = [i % 3 for i in range(20)]
    correct = [c == 0 for c in classes]
    a = maj_at_k(classes, correct, 5, seed=1, max_subsets=16)
    assert a == maj_at_k(classes, correct, 5, seed=1, max_subsets=16)
    assert 0.0 <= a <= 1.0


def test_default_ks():
    assert default_ks(1) == [1]
    assert default_ks(16) == [1, 2, 4, 8, 16]
    assert default_ks(6) == [1, 2, 4, 6]


def test_bootstrap_ci_brackets_the_mean_and_is_degenerate_without_variance():
    lo, hi = bootstrap_ci([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.5, 0.25], iters=500)
    assert lo < 0.59375 < hi
    assert bootstrap_ci([0.5] * 10, iters=100) == (0.5, 0.5)


def test_summarize_hand_computed():
    outs = [
        Outcome("p1", [True, False, False, False], ["7", "3", "3", None], ["stop", "stop", "length", "length"],
                [10, 20, 30, 40], {"level": 1}),
        Outcome("p2", [True, True, True, True], ["0.5", "1/2", "7", "\\frac{1}{2}"], ["stop"] * 4,
                [5, 5, 5, 5], {"level": 2}),
    ]
    m = summarize(outs, equivalent=eq, breakdown=["level"], bootstrap_iters=200)
    assert m["n_problems"] == 2 and m["n_samples"] == 8 and m["n"] == 4
    assert m["avg_at_n"] == pytest.approx((0.25 + 1.0) / 2)
    assert m["pass_at_k"]["1"] == pytest.approx(0.625)
    assert m["pass_at_k"]["2"] == pytest.approx(((1 - 3 / 6) + 1.0) / 2)
    assert m["pass_at_k"]["4"] == pytest.approx(1.0)
    # p1: "3" (2 votes, wrong) beats "7" -> 0; p2: the 1/2 class (3 votes) -> 1.
    assert m["maj_at_k"]["4"] == pytest.approx(0.5)
    assert m["truncation_rate"] == pytest.approx(2 / 8)
    assert m["no_answer_rate"] == pytest.approx(1 / 8)
    assert m["length"]["max"] == 40 and m["length"]["mean_correct"] == pytest.approx(30 / 5)
    assert m["length"]["mean_incorrect"] == pytest.approx(30.0)
    assert m["breakdown"]["level"] == {"1": {"n_problems": 1, "avg_at_n": 0.25},
                                       "2": {"n_problems": 1, "avg_at_n": 1.0}}
    lo, hi = m["ci95"]
    assert lo <= m["avg_at_n"] <= hi
