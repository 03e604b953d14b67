"""Toy training data: short arithmetic problems with self-checking chains, as curated Problem records.

For smoke runs, tests, benchmarks and the CPU demo, where real chains (thousands of tokens each) would
make a CPU step take seconds. The chains imitate LIMO's style at toy scale (compute, "wait, let me
check", verify, conclude with \\boxed{}) and vary in length, so per-token and per-sample loss
normalisation give different results, as they do on real data.
"""

from __future__ import annotations

import random
from pathlib import Path

from limo.records import Problem, write_records


def toy_problems(n: int, seed: int = 0) -> list[Problem]:
    """`n` Problems whose `solution` is a chain of 1-6 verification steps ending in \\boxed{answer}."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.randint(2, 39), rng.randint(2, 11)
        answer = a * b
        steps = [f"Let me compute {a} * {b} step by step.", f"{a} * {b} = {answer}."]
        for _ in range(rng.randint(1, 6)):
            c = rng.randint(0, 11)
            steps.append(f"Wait, let me double-check: {a} * {c} = {a * c}, and {a} * {b - c} = {a * (b - c)}, "
                         f"so the total is {a * c} + {a * (b - c)} = {answer}.")
        steps.append(f"So the final answer is \\boxed{{{answer}}}.")
        out.append(Problem(id=f"toy-{seed}-{i}", problem=f"What is {a} times {b}?", answer=answer,
                           solution=" ".join(steps), source="toy"))
    return out


def write_toy_chains(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write `toy_problems(n, seed)` as JSONL (limo's curated format, `limo train`'s input)."""
    write_records(path, toy_problems(n, seed))
    return Path(path)
