"""Time budgets and lazy heavy imports for the grader worker.

Two costs dominated `limo grade --workers 1` on ordinary responses (issue 9 profile):
- a pathological symbolic pair (a Minerva equation of motion: sympy's simplify/solve for 15 s) ran until
  the parent killed its worker at the item's deadline; the replacement worker then paid the sympy /
  Math-Verify imports and the warm-up of Math-Verify's LaTeX parser again (seconds of CPU each time).
  `within(seconds)` stops the item inside the worker a little before the parent's deadline, with the
  same `timeout` verdict, so the worker, its imports and its warm caches survive. Math-Verify itself
  bounds each comparison the same way (a SIGALRM timer); the parent's kill stays as the backstop for
  work that ignores signals (big-integer arithmetic in C).
- every worker imported sympy and Math-Verify before its first item, also when no item needed them (a
  set of integer answers is settled by the exact fast paths). `heavy()` imports them at the first
  comparison that needs them, with the item's clock paused (the parent is told, see `on_import`), so the
  import never eats an item's budget.
- `comparison()` also bounds one Math-Verify comparison by CPU time in a worker (`COMPARISON_CPU_SECONDS`):
  a pair sympy cannot settle costs that, not the item's whole wall-clock budget.

Signals only work in a process's main thread: elsewhere (`grade()` called from a thread of the caller)
`within` does nothing, and only the parent's kill bounds the work.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class OverBudget(BaseException):
    """The item's budget ran out. A BaseException so that the `except Exception` fallbacks of
    Math-Verify, sympy and limo do not turn it into a verdict of their own."""


# Set by the worker: called with "start" before and "end" after the heavy imports, so the parent can
# pause the item's deadline while they run.
on_import: Callable[[str], None] | None = None
_HEAVY = ("sympy", "latex2sympy2_extended", "math_verify")
_running: float = 0.0  # the full budget of the `within` block now running (0: none)


def _on_alarm(signum: int, frame: object) -> None:
    raise OverBudget


def _can_signal() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Raise OverBudget in this (main) thread once `seconds` of wall-clock time have passed."""
    global _running
    if not seconds or seconds <= 0 or not _can_signal():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _running = seconds
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _running = 0.0
        signal.signal(signal.SIGALRM, previous)


# CPU seconds one Math-Verify comparison may take in a worker (None: no limit; the worker sets it). On the
# 5,348 responses of ../shared/traces/skythought_evals the slowest comparison that ended `equal` took 0.47 s
# of CPU; only two took more than 1.5 s, both the same pendulum equation that sympy's solver never
# settles. CPU time, unlike the wall clock, does not run faster on a loaded machine.
COMPARISON_CPU_SECONDS = 2.0
comparison_cpu: float | None = None


@contextmanager
def comparison() -> Iterator[None]:
    """Raise OverBudget once this comparison has used `comparison_cpu` seconds of CPU (a SIGPROF timer,
    which counts this process's CPU time); nothing outside a worker's main thread."""
    if not comparison_cpu or not _can_signal():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, comparison_cpu)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def heavy() -> None:
    """Import sympy and Math-Verify if this process has not yet, with a running budget paused while
    they load and restarted in full afterwards (as the parent restarts the item's deadline)."""
    if all(name in sys.modules for name in _HEAVY):
        return
    paused = _running > 0 and _can_signal()
    if paused:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if on_import is not None:
        on_import("start")
    import math_verify  # noqa: F401  (imports sympy and latex2sympy2_extended)

    if on_import is not None:
        on_import("end")
    if paused:
        signal.setitimer(signal.ITIMER_REAL, _running)
