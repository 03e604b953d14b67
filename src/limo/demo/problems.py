"""A procedural generator of verifiable addition problems, in three surface forms that share one method.

Why three forms: LIMO's claim is that a base model which already *knows* the maths is unlocked by a few
hundred elaborated chains. The demo therefore needs text that carries the knowledge without the
evaluated format, and chains in the evaluated format that differ in how much they lean on it:

- knowledge: a worked column addition as plain text, the way a textbook page shows it
  ("75+36 by columns:" / "ones 5+6=11" / "tens 7+3+1=11" / "hundreds 0+0+1=1" / "So the sum is 111.").
  No question, no chat turn, no `\\boxed{}`: the knowledge stage pre-trains on this, and on `answered`
  (the same columns as a chat answer ending "Sum: c" with no box: limo's grader finds no answer in it).
- elaborated: the chain a curated set holds: the `answered` chat answer line for line (the method the
  base already writes), with its sum line boxed ("Sum: \\boxed{c}"), then a check after the box. SFT's
  job is then minimal: box the sum it already states. Measured (README): chains that added their own
  lines (a slip "Wait, I forgot the carry... Redo:", a closing "Therefore the answer is \\boxed{c}")
  made the tiny model loop on the slips or miscopy the sum into the box. `slip_rate` > 0 puts slips back.
- terse: the result only ("75 + 36 = 111. \\boxed{111}"), a "textbook answer" chain that asks the model
  to add multi-digit numbers in one step, which the knowledge never showed.

Levels are the number of digits of the larger operand (the other has 1 to that many digits), so a
split can be out of distribution by having more columns than any training problem.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from limo.records import Problem

PLACES = ["ones", "tens", "hundreds", "thousands", "ten-thousands"]
KINDS = ("add",)


@dataclass(frozen=True)
class Generated:
    question: str
    answer: int
    terse: str
    elaborated: str
    knowledge: str  # the worked method as plain text (knowledge stage)
    answered: str  # the same columns as a chat answer, "Sum: c" and no box (knowledge stage)
    kind: str
    level: int


def operands_text(a: int, b: int) -> str:
    """"a+b" with the shorter operand zero-padded to the longer one's width ("07+36"): every digit of a
    problem then sits at a fixed distance from the "+", so the tiny model can find "the tens digit of the
    first operand" by position (the issue's probe that learned used operands of one fixed width)."""
    width = max(len(str(a)), len(str(b)))
    return f"{a:0{width}d}+{b:0{width}d}"


def knowledge_prompt(a: int, b: int) -> str:
    """The knowledge text's first line: what the base model is prompted with to measure what it knows."""
    return f"{operands_text(a, b)} by columns:\n"


def column_lines(a: int, b: int, slip: bool = False) -> list[str]:
    """Column addition, one line per place ("tens 0+3+1=4"): the carry into a column is the "+1", so it
    is visible as the previous line's two-digit sum. Terse on purpose: every token costs pre-training time
    on 2 cores (measured: "write d carry 1" made a 2-digit text 51 tokens instead of 37).
    `slip`: the first carried-into column is first written without its carry, then caught and redone."""
    lines, carry, place, slipped = [], 0, 0, False
    x, y, width = a, b, max(len(str(a)), len(str(b)))
    while place < width or carry:  # every padded column, then a final carry
        da, db = x % 10, y % 10
        s = da + db + carry
        name = PLACES[min(place, len(PLACES) - 1)]
        if slip and carry and not slipped:
            lines += [f"{name} {da}+{db}={da + db}", f"Wait, I forgot the carry from the {PLACES[place - 1]}. Redo:"]
            slipped = True
        lines.append(f"{name} {da}+{db}{'+1' if carry else ''}={s}")
        carry, x, y, place = s // 10, x // 10, y // 10, place + 1
    return lines


def make(a: int, b: int, slip: bool, level: int) -> Generated:
    """All three forms of `a + b`; `slip` only takes effect when some column receives a carry."""
    c = a + b
    method = column_lines(a, b)
    knowledge = knowledge_prompt(a, b) + "\n".join(method + [f"So the sum is {c}."])
    head = [f"We need {a} + {b}.", knowledge_prompt(a, b).strip()]
    answered = "\n".join([*head, *method, f"Sum: {c}"])
    chain = [*head, *column_lines(a, b, slip), f"Sum: \\boxed{{{c}}}", f"Check: {c} - {b} = {a}. Correct."]
    return Generated(f"What is {a} + {b}?", c, f"{a} + {b} = {c}. \\boxed{{{c}}}", "\n".join(chain),
                     knowledge, answered, "add", level)


def _operand(rng: random.Random, digits: int) -> int:
    return rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits)


def generate(n: int, seed: int, levels: tuple[int, ...] = (1, 2), slip_rate: float = 0.0) -> Iterator[Generated]:
    """`n` problems, deterministic in `seed`; the larger operand has `level` digits."""
    rng = random.Random(seed)
    for _ in range(n):
        level = rng.choice(levels)
        a, b = _operand(rng, level), _operand(rng, rng.randint(1, level))
        if rng.random() < 0.5:
            a, b = b, a
        yield make(a, b, rng.random() < slip_rate, level)


def parse_knowledge_answer(text: str) -> int | None:
    """The sum a knowledge-format completion states ("So the sum is c."), or None. The last line does not
    restate the operands: measured, most of a 68%-knowing base's misses were a wrong copy of an operand
    there after right columns and a right sum, a copying slip rather than missing arithmetic."""
    m = re.search(r"So the sum is (\d+)\.", text)
    return int(m.group(1)) if m else None


def parse_chat_answer(text: str) -> int | None:
    """The sum a chat answer states on its own "Sum: c" line (the knowledge corpus's chat answers end so;
    a boxed "Sum: \\boxed{c}" is the evaluated format, not this one), or None."""
    found = re.findall(r"^Sum: (\d+)\s*$", text, flags=re.M)
    return int(found[-1]) if found else None


def to_problem(g: Generated, pid: str, style: str | None = None) -> Problem:
    """A limo Problem; `style` ("terse"/"elaborated") puts that chain in `solution`."""
    solution = {"terse": g.terse, "elaborated": g.elaborated, None: None}[style]
    return Problem(id=pid, problem=g.question, answer=str(g.answer), solution=solution, source="limo-demo",
                   domain=g.kind, difficulty=float(g.level), meta={"level": g.level})
