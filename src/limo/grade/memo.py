"""Equivalence decisions remembered within a process.

Real evaluation sets grade n samples per problem, and the samples of one problem mostly end in a few
distinct final answers: the same (gold, extracted answer) pair comes back again and again, and a pair
that needed Math-Verify costs the same sympy work each time. Only the decision of `equivalent` is kept
(a bool): the verdict's other fields (`extracted`, `rule`) come from each response's own extraction, so a
remembered decision gives exactly the verdict an uncached call would.

The key holds everything the decision depends on: the grader, the Math-Verify step in use (a test's
stand-in is never mixed up with the real one), the gold and the answer. Interrupted comparisons (an item
past its time budget) raise before anything is stored, so a timeout is never remembered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_ENTRIES = 65_536  # pairs of short strings: a few MB at most


class DecisionMemo:
    """A bounded least-recently-used map from a key to a decision."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, bool] = OrderedDict()
        self._lock = threading.Lock()  # grade() may be called from several threads
        self.hits = self.misses = 0

    def decide(self, key: Hashable, compute: Callable[[], bool]) -> bool:
        """The remembered decision for `key`, or `compute()` (remembered when it returns; run outside
        the lock, so a slow comparison never blocks other threads)."""
        with self._lock:
            if key in self._items:
                self.hits += 1
                self._items.move_to_end(key)
                return self._items[key]
            self.misses += 1
        decision = compute()
        with self._lock:
            self._items[key] = decision
            if len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return decision

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


DECISIONS = DecisionMemo()  # the process-wide memo `limo.grade.judge` uses
