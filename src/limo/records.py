"""Typed records: the only contract between stages, stored one per JSONL line.

    Problem  --generate-->  Sample  --grade-->  Sample with a Verdict

- `Problem`: a maths problem with its gold answer (any JSON type: benchmarks ship ints, floats, lists and
  dicts), optional reference solution, and where it came from. Curated training data is Problems whose
  `solution` is the selected reasoning chain.
- `Sample`: one model response to one Problem, with everything needed to reproduce and audit it.
- `Verdict`: what the grader decided about a response, and why.

`from_dict` checks field names and types, so a typo or a wrong type in a file is an error naming the
file and line rather than a silent default.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from limo.errors import RecordError
from limo.jsonl import iter_jsonl, write_jsonl

R = TypeVar("R", bound="Record")

# The reasons a Verdict may give. Documented in the README; the grader uses nothing else.
VERDICT_REASONS = (
    "equal",         # the extracted answer matches the gold
    "not_equal",     # an answer was found and it does not match
    "no_answer",     # no final answer could be extracted from the response
    "timeout",       # grading this item exceeded its wall-clock limit
    "invalid_gold",  # the gold answer is empty or unusable
    "error",         # the grader failed on this item (a bug: please report it)
)


class Record:
    """Base for records: strict `from_dict` and plain `to_dict`."""

    @classmethod
    def from_dict(cls: type[R], row: dict[str, Any], where: str = "") -> R:
        where = f"{where}: " if where else ""
        hints, names = _fields(cls)
        unknown = sorted(set(row) - names)
        if unknown:
            raise RecordError(f"{where}{cls.__name__} has no field(s) {unknown}; fields are {sorted(names)}")
        missing = [f.name for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                   if f.name not in row and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise RecordError(f"{where}{cls.__name__} is missing required field(s) {missing}")
        kwargs = {}
        for name, value in row.items():
            if not _matches(value, hints[name]):
                raise RecordError(f"{where}{cls.__name__}.{name} should be {_show(hints[name])}, "
                                  f"got {type(value).__name__} {value!r:.60}")
            kwargs[name] = value
        if "verdict" in kwargs and isinstance(kwargs["verdict"], dict):
            kwargs["verdict"] = Verdict.from_dict(kwargs["verdict"], where.rstrip(": "))
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


@functools.cache
def _fields(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A record class's type hints and field names, computed once: `get_type_hints` evaluates every
    annotation string on each call, which was a tenth of `limo grade`'s own per-row time."""
    return typing.get_type_hints(cls), frozenset(f.name for f in dataclasses.fields(cls))


def _matches(value: Any, hint: Any) -> bool:
    """A small runtime type check for the annotations records use."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:  # JSON does not distinguish 3 from 3.0
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type) and issubclass(hint, Record):
        return isinstance(value, (dict, hint))
    base = origin or hint
    return isinstance(value, base)


def _show(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


@dataclass
class Problem(Record):
    id: str
    problem: str
    answer: Any  # gold as the dataset gives it: str, int, float, list or dict
    solution: str | None = None
    source: str | None = None
    domain: str | None = None
    difficulty: float | str | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class Verdict(Record):
    correct: bool
    reason: str  # one of VERDICT_REASONS
    extracted: str | None = None  # the final answer that was judged
    rule: str | None = None  # which extraction rule found it (boxed, answer_is, ...)
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.reason not in VERDICT_REASONS:
            raise RecordError(f"Verdict.reason {self.reason!r} is not one of {VERDICT_REASONS}")


@dataclass
class Sample(Record):
    problem_id: str
    sample_index: int
    response: str
    model: str = ""
    finish_reason: str | None = None  # "stop", "length", ...
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    max_tokens: int | None = None  # the cap actually used (may be lower than asked: context left)
    seed: int | None = None
    verdict: Verdict | None = None
    meta: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        """Identity used for resuming: one sample per (problem, index)."""
        return (self.problem_id, self.sample_index)


def read_records(path: str | Path, cls: type[R]) -> list[R]:
    """Read a JSONL file of `cls` records; errors name file:line."""
    return [cls.from_dict(row, f"{path}:{lineno}") for lineno, row in iter_jsonl(path)]


def write_records(path: str | Path, records: typing.Iterable[Record]) -> int:
    """Write records atomically; returns how many."""
    return write_jsonl(path, (r.to_dict() for r in records))


def read_problems(path: str | Path) -> list[Problem]:
    """Read Problem JSONL; a repeated id is an error naming both lines (samples, pass rates and chains are
    keyed by problem id, so a duplicate would pair one problem with another's chain)."""
    from limo.errors import RecordError

    problems: list[Problem] = []
    first: dict[str, int] = {}
    for lineno, row in iter_jsonl(path):
        p = Problem.from_dict(row, f"{path}:{lineno}")
        if p.id in first:
            raise RecordError(f"{path}:{lineno}: duplicate problem id {p.id!r} (first at {path}:{first[p.id]}); "
                              f"ids must be unique: fix or re-ingest the file (limo curate ingest)")
        first[p.id] = lineno
        problems.append(p)
    return problems
