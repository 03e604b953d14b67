"""The grader's speed mechanisms (issue 9 throughput) keep every verdict what it would be without them:
the decision memo, the in-worker time budget and the lazy sympy / Math-Verify import."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from limo.grade import budget, grade_many
from limo.grade.mathverify import mv_verify
from limo.grade.gold import normalize_gold
from limo.grade.judge import decide, judge
from limo.grade.memo import DECISIONS, DecisionMemo
from limo.grade.pool import GradePool, verdict_from

# Needs Math-Verify (an interval against a relation: no fast path decides it).
MV_PAIR = ("so the answer is \\boxed{x > 2}", "(2, \\infty)")
# An equation whose comparison keeps sympy's solver busy for seconds: issue 9's pendulum equation with
# the angular acceleration as a plain `\\alpha` (written `\\ddot{\\theta}` it is now decided without sympy,
# `limo.grade.equations`).
SLOW_PAIR = ("\\boxed{m l \\alpha + mg \\sin \\theta = f(t)}",
             "ml\\alpha(t)-mg\\sin\\theta(t)=f(t)\\cos\\theta(t)")


def test_memo_gives_the_verdict_of_an_uncached_call() -> None:
    DECISIONS.clear()
    calls: list[tuple[str, str]] = []

    def counting_mv(gold: str, answer: str) -> bool:  # the real step, counted, remembered like it
        calls.append((gold, answer))
        return mv_verify(gold, answer)

    counting_mv.memo_tag = "counting"  # type: ignore[attr-defined]
    first = judge(*MV_PAIR, mv=counting_mv)
    again = judge("Thus \\boxed{x > 2}.", MV_PAIR[1], mv=counting_mv)  # another response, same answer
    uncached = judge(*MV_PAIR, mv=lambda g, a: mv_verify(g, a))  # no tag: never remembered
    assert first.to_dict() == uncached.to_dict() and first.reason == "equal"
    assert (again.correct, again.reason, again.extracted) == (True, "equal", "x > 2")
    assert len(calls) == 1 and DECISIONS.hits == 1


def test_memo_is_keyed_on_the_grader_step_and_never_mixes_stand_ins() -> None:
    DECISIONS.clear()

    def always(value: bool, tag: str | None):
        def mv(gold: str, answer: str) -> bool:
            return value
        if tag is not None:
            mv.memo_tag = tag  # type: ignore[attr-defined]
        return mv

    gold = normalize_gold("(2, \\infty)")
    assert decide(gold, "x > 2", always(True, "a")) is True
    assert decide(gold, "x > 2", always(False, "b")) is False  # another step: its own decision
    assert decide(gold, "x > 2", always(False, None)) is False  # untagged: computed every time
    assert decide(gold, "x > 2", always(False, "a")) is True  # remembered for tag "a"


def test_memo_is_bounded_and_does_not_remember_an_interrupted_comparison() -> None:
    memo = DecisionMemo(max_entries=2)
    assert memo.decide("a", lambda: True) and not memo.decide("b", lambda: False)
    memo.decide("c", lambda: True)
    assert len(memo) == 2 and memo.decide("a", lambda: False) is False  # "a" was evicted, recomputed

    def interrupted() -> bool:
        raise budget.OverBudget

    with pytest.raises(budget.OverBudget):
        memo.decide("d", interrupted)
    assert memo.decide("d", lambda: True) is True  # nothing was stored for the interrupted call


def test_budget_stops_work_in_the_main_thread_only() -> None:
    start = time.monotonic()
    with pytest.raises(budget.OverBudget):
        with budget.within(0.2):
            while True:
                pass
    assert time.monotonic() - start < 2.0
    outcome: list[str] = []

    def in_thread() -> None:  # signals cannot reach another thread: the budget is a no-op there
        with budget.within(0.05):
            time.sleep(0.15)
        outcome.append("finished")

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert outcome == ["finished"]


def test_a_comparison_is_bounded_by_cpu_time_where_the_worker_asks() -> None:
    assert budget.comparison_cpu is None  # outside a worker: no limit (a caller's own process is left alone)
    with budget.comparison():
        sum(range(10_000))
    budget.comparison_cpu = 0.2
    try:
        start = time.process_time()
        with pytest.raises(budget.OverBudget):
            with budget.comparison():
                while True:
                    pass
        assert time.process_time() - start < 1.0
    finally:
        budget.comparison_cpu = None


def test_a_slow_comparison_stops_at_its_cpu_budget_not_the_item_timeout() -> None:
    # The pendulum pair keeps sympy's solver busy for 15 s; the comparison's CPU budget stops it long
    # before this generous timeout, and the same worker goes on grading.
    verdicts = grade_many([SLOW_PAIR, ("\\boxed{5}", "5")], workers=1, timeout=60.0)
    assert [v.reason for v in verdicts] == ["timeout", "equal"]
    assert verdicts[0].seconds is not None and verdicts[0].seconds < 30.0


def test_an_item_over_its_budget_is_a_timeout_and_the_worker_lives_on() -> None:
    with GradePool(workers=1, timeout=2.0) as pool:
        results = list(pool.run([("grade", SLOW_PAIR), ("grade", MV_PAIR), ("grade", ("\\boxed{3}", "4"))]))
        pid = pool._workers[0].proc.pid
        assert list(pool.run([("grade", ("\\boxed{5}", "5"))]))[0][0] == "ok"
        assert pool._workers[0].proc.pid == pid  # the same worker: it answered the timeout itself
    verdicts = [verdict_from(*r) for r in results]
    assert [v.reason for v in verdicts] == ["timeout", "equal", "not_equal"]
    assert verdicts[0].seconds is not None and verdicts[0].seconds < 2.0 + 0.5


def test_sympy_is_imported_only_for_a_pair_that_needs_it() -> None:
    with GradePool(workers=1, timeout=5.0) as pool:
        assert [r[0] for r in pool.run([("grade", ("\\boxed{7}", 7)), ("grade", ("\\boxed{0.5}", "1/2"))])] == ["ok"] * 2
        assert pool.imports == 0  # integers and fractions: the exact fast paths, no sympy in the worker
        assert verdict_from(*next(pool.run([("grade", MV_PAIR)]))).reason == "equal"
        assert pool.imports == 1
    code = ("import sys; from limo.grade.judge import judge; "
            "v = judge('so \\\\boxed{7}', 7); w = judge('\\\\boxed{\\\\frac{1}{2}}', '0.5'); "
            "print(v.reason, w.reason, 'sympy' in sys.modules, 'math_verify' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["equal", "equal", "False", "False"]


def test_the_first_import_does_not_count_against_the_item_timeout() -> None:
    # A fresh worker loads sympy + Math-Verify (about a second, more on a loaded machine) for this item;
    # the clock restarts after the import, so even a short timeout grades it.
    verdicts = grade_many([("\\boxed{7}", "7"), MV_PAIR], workers=1, timeout=0.8)
    assert [v.reason for v in verdicts] == ["equal", "equal"]


def _no_math_verify(gold: str, answer: str) -> bool:
    raise AssertionError(f"Math-Verify was called for {gold!r} vs {answer!r}")


@pytest.mark.parametrize("gold,answer,expected", [
    ("f(x)=x+1", "f(x) = x", False),  # the same name defined on both sides: compare what it is defined as
    ("f(n)=n^{2}", "f(n) = n \\cdot n", True),
    ("\\frac{dM}{dt}=\\frac{10^{5}L}{c^{2}}M^{6}", "\\frac{dM}{dt} = \\frac{10^8 L}{7 c^2} M^6", False),
    ("\\arcsin{1.3\\sin{\\theta_w}}", "\\arcsin(1.3 \\sin \\theta_w)", None),  # decimals: left to Math-Verify
    ("\\sqrt{4\\piG\\rho_{0}r_{0}^{2}}", "2 \\sqrt{\\pi G \\rho_0 r_0^2}", True),  # gold stored without spaces
    ("m_{p}c^{2}(\\gamma^{2}-1)\\sin^{2}\\theta", "2m_p (\\gamma - 1)", False),
    # decimals: constants that differ beyond 1e-5 are not equal without sympy (its `equal` would be vetoed)
    ("10", "10^{142.5}", False),
    ("1.5\\pi", "4.71", False),
    ("\\sqrt{2}", "1.414", False),  # an exact gold never accepts a rounded answer
    ("\\pi", "3.14159265", None),  # within 1e-5: left to Math-Verify and its veto
    ("1.5\\pi", "\\frac{3\\pi}{2}", None),  # decimals never make an `equal` here
])
def test_symbolic_answers_decided_without_math_verify(gold: str, answer: str, expected: bool | None) -> None:
    from limo.grade.equivalence import equivalent

    if expected is None:  # still needs Math-Verify: the stand-in must be called
        with pytest.raises(AssertionError, match="Math-Verify was called"):
            equivalent(normalize_gold(gold), answer, _no_math_verify)
    else:
        assert equivalent(normalize_gold(gold), answer, _no_math_verify) is expected


def test_rows_without_math_verify_are_graded_here_and_start_no_worker() -> None:
    fast = [("\\boxed{7}", 7), ("so \\boxed{\\frac{1}{2}}", "0.5"), ("no answer here", "3")]
    with GradePool(workers=1, timeout=5.0, here_first=True) as pool:
        results = list(pool.run(("grade", pair + ("limo",)) for pair in fast))
        assert pool.here == 3 and pool._workers == []  # no process was started for them
    assert [verdict_from(*r).reason for r in results] == ["equal", "equal", "no_answer"]


def test_rows_graded_here_and_in_a_worker_keep_their_order_and_verdicts() -> None:
    pairs = [("\\boxed{3}", "3"), MV_PAIR, ("\\boxed{4}", "3"), SLOW_PAIR, ("\\boxed{5}", "5"), MV_PAIR, ("7", "7")]
    with GradePool(workers=1, timeout=3.0, here_first=True) as pool:
        here = [verdict_from(*r).reason for r in pool.run(("grade", p + ("limo",)) for p in pairs)]
        assert pool.here == 4 and len(pool._workers) == 1
    with GradePool(workers=1, timeout=3.0) as pool:
        worker = [verdict_from(*r).reason for r in pool.run(("grade", p + ("limo",)) for p in pairs)]
    assert here == worker == ["equal", "equal", "not_equal", "timeout", "equal", "equal", "equal"]
    # the paper grader runs sympy anywhere: always in a worker
    with GradePool(workers=1, timeout=5.0, here_first=True) as pool:
        assert next(pool.run([("grade", ("\\boxed{3}", "3", "paper"))]))[0] == "ok" and pool.here == 0


@pytest.mark.parametrize("gold,answer,expected", [
    ("12", "12^{\\mathrm{th}} \\text{ grade}", True),  # the only Math-Verify call of 776 integer rows
    ("12", "13^{th}", False),
    ("2", "2^{\\text{nd}}", True),
    ("21", "21st", True),
    ("3", "3\\text{rd} \\text{ place}", True),
])
def test_ordinals_are_numbers_without_math_verify(gold: str, answer: str, expected: bool) -> None:
    from limo.grade.equivalence import equivalent

    assert equivalent(normalize_gold(gold), answer, _no_math_verify) is expected


def test_a_callers_own_alarm_timer_is_left_alone() -> None:
    import signal

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        with GradePool(workers=1, timeout=5.0, here_first=True) as pool:
            assert next(pool.run([("grade", ("\\boxed{7}", 7, "limo"))]))[0] == "ok"
            assert pool.here == 0  # graded in a worker: the caller's timer is not ours to replace
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
