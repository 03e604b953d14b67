"""A procedural generator of verifiable maths problems with reasoning chains in two styles.

Why: the demo must run with no hub and no ../shared, yet the curation score needs real differences to
choose between. Every problem comes with its gold answer and two chains that both end in the right
`\\boxed{}`:

- terse: one line, the result only (a "textbook" solution);
- elaborated: digit-by-digit steps, a verification, and sometimes a slip that is caught and corrected
  (the self-checking style LIMO selects for).

Kinds and levels (1 easiest): addition and subtraction of 1-3 digit numbers, multiplication by a digit,
two-step expressions, and linear equations `a*x + b = c`. Everything is integer and exact.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from limo.records import Problem


@dataclass(frozen=True)
class Generated:
    question: str
    answer: int
    terse: str
    elaborated: str
    kind: str
    level: int


def _digits_add(a: int, b: int) -> list[str]:
    """Column addition, one line per digit, with carries spelled out."""
    steps, carry, place = [], 0, 0
    names = ["ones", "tens", "hundreds", "thousands"]
    while a or b or carry:
        da, db = a % 10, b % 10
        s = da + db + carry
        plus = f" + {carry}" if carry else ""
        steps.append(f"{names[min(place, 3)]}: {da} + {db}{plus} = {s}, write {s % 10}"
                     + (", carry 1." if s >= 10 else "."))
        carry, a, b, place = s // 10, a // 10, b // 10, place + 1
    return steps


def _add(rng: random.Random, level: int) -> Generated:
    hi = 10 ** min(level, 3)
    a, b = rng.randrange(hi // 10 if level > 1 else 0, hi), rng.randrange(0, hi)
    c = a + b
    lines = [f"We need {a} + {b}. Add column by column."] + _digits_add(a, b)
    if rng.random() < 0.3 and a % 10 + b % 10 >= 10:  # a slip (a dropped carry), caught by the check
        wrong = c - 10
        lines += [f"So {a} + {b} = {wrong}.", f"Wait, let me check: {wrong} - {b} = {wrong - b}, not {a}.",
                  f"I dropped the carry. Redo: {a} + {b} = {c}."]
    lines += [f"So {a} + {b} = {c}.", f"Check: {c} - {b} = {a}. Correct.",
              f"Therefore the answer is \\boxed{{{c}}}."]
    return Generated(f"What is {a} + {b}?", c, f"{a} + {b} = {c}. \\boxed{{{c}}}", "\n".join(lines),
                     "add", level)


def _sub(rng: random.Random, level: int) -> Generated:
    hi = 10 ** min(level, 3)
    a, b = sorted((rng.randrange(0, hi), rng.randrange(0, hi)), reverse=True)
    c = a - b
    lines = [f"We need {a} - {b}.", f"Since {b} + {c} = {b + c}, perhaps the answer is {c}.",
             f"Let me verify by adding back: {c} + {b} = {a}. Correct.",
             f"Therefore {a} - {b} = {c}, so the answer is \\boxed{{{c}}}."]
    return Generated(f"What is {a} - {b}?", c, f"{a} - {b} = {c}. \\boxed{{{c}}}", "\n".join(lines),
                     "sub", level)


def _mul(rng: random.Random, level: int) -> Generated:
    a, b = rng.randrange(2, 10 ** min(level, 2)), rng.randrange(2, 10)
    c = a * b
    tens, ones = divmod(a, 10)
    lines = [f"We need {a} * {b}."]
    if tens:
        lines += [f"Split {a} = {tens * 10} + {ones}.", f"{tens * 10} * {b} = {tens * 10 * b}.",
                  f"{ones} * {b} = {ones * b}.", f"Add: {tens * 10 * b} + {ones * b} = {c}."]
    else:
        lines += [f"{a} * {b} = {c}."]
    lines += [f"Check: {c} / {b} = {a}. Correct.", f"Therefore the answer is \\boxed{{{c}}}."]
    return Generated(f"What is {a} * {b}?", c, f"{a} * {b} = {c}. \\boxed{{{c}}}", "\n".join(lines),
                     "mul", level)


def _two_step(rng: random.Random, level: int) -> Generated:
    hi = 10 ** min(level, 2)
    a, b = rng.randrange(1, hi), rng.randrange(1, hi)
    c = rng.randrange(0, a + b + 1)
    s, r = a + b, a + b - c
    lines = [f"We need {a} + {b} - {c}. First the sum, then the difference.", f"{a} + {b} = {s}.",
             f"Then {s} - {c} = {r}.", f"Let me verify: {r} + {c} = {s}, and {s} - {b} = {a}. Correct.",
             f"Therefore the answer is \\boxed{{{r}}}."]
    return Generated(f"What is {a} + {b} - {c}?", r, f"{a} + {b} - {c} = {r}. \\boxed{{{r}}}",
                     "\n".join(lines), "two_step", level)


def _linear(rng: random.Random, level: int) -> Generated:
    x, a, b = rng.randrange(0, 10 * level), rng.randrange(2, 10), rng.randrange(0, 10 ** min(level, 2))
    c = a * x + b
    lines = [f"Solve {a}x + {b} = {c}.", f"Subtract {b} from both sides: {a}x = {c} - {b} = {c - b}.",
             f"Divide by {a}: x = {c - b} / {a} = {x}.",
             f"Check: {a} * {x} + {b} = {a * x} + {b} = {c}. Correct.",
             f"Therefore x = \\boxed{{{x}}}."]
    return Generated(f"Solve for x: {a}x + {b} = {c}.", x, f"x = ({c} - {b}) / {a} = {x}. \\boxed{{{x}}}",
                     "\n".join(lines), "linear", level)


KINDS: dict[str, Callable[[random.Random, int], Generated]] = {
    "add": _add, "sub": _sub, "mul": _mul, "two_step": _two_step, "linear": _linear,
}


def generate(n: int, seed: int, kinds: tuple[str, ...] = tuple(KINDS), levels: tuple[int, ...] = (1, 2),
             ) -> Iterator[Generated]:
    """`n` problems, deterministic in `seed`, cycling through kinds and levels at random."""
    rng = random.Random(seed)
    for _ in range(n):
        yield KINDS[rng.choice(kinds)](rng, rng.choice(levels))


def to_problem(g: Generated, pid: str, style: str | None = None) -> Problem:
    """A limo Problem; `style` ("terse"/"elaborated") puts that chain in `solution`."""
    solution = {"terse": g.terse, "elaborated": g.elaborated, None: None}[style]
    return Problem(id=pid, problem=g.question, answer=str(g.answer), solution=solution, source="limo-demo",
                   domain=g.kind, difficulty=float(g.level),
                   meta={"chains": {"terse": g.terse, "elaborated": g.elaborated}})
