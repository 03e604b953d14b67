"""The demo's data: a problem pool with two chains per problem, and a held-out test set.

To show curation doing real work, the pool is seeded with what a real pool has: exact repeats (the
generator's space is small, so they happen naturally), near-duplicates with surface changes, and
test problems leaked into it with surface changes (planted contamination). Planted rows are tagged in
`Problem.meta["planted"]` so the report can say how many each stage caught.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

from limo.demo.problems import Generated, generate, to_problem
from limo.jsonl import write_jsonl
from limo.records import Problem, Sample, write_records

TEST_BENCHMARK = "demo_arith"  # registered in limo.eval.benchmarks; LIMO layout <data>/demo_arith/test.jsonl


def perturb(question: str, rng: random.Random) -> str:
    """A surface change that keeps the maths: spacing around operators, case, a lead-in phrase."""
    q = question.replace(" + ", "+").replace(" - ", "-") if rng.random() < 0.5 else question
    if rng.random() < 0.5:
        q = q.lower()
    return rng.choice(["", "Quick question: ", "Compute this. "]) + q


def build(out_dir: Path, *, pool_size: int, test_size: int, levels: tuple[int, ...], seed: int,
          planted_dups: int = 40, planted_leaks: int = 20) -> dict[str, Path]:
    """Write pool.jsonl, chains.jsonl and <TEST_BENCHMARK>/test.jsonl under `out_dir`."""
    rng = random.Random(seed)
    test = _unique(generate(test_size * 3, seed + 1, levels=levels))[:test_size]
    pool_items = list(generate(pool_size, seed, levels=levels))
    pool = [to_problem(g, f"pool-{i}") for i, g in enumerate(pool_items)]
    for i in range(planted_dups):  # near-duplicates of pool rows
        src = rng.randrange(len(pool_items))
        pool.append(_planted(pool_items[src], f"dup-{i}", perturb(pool_items[src].question, rng), "duplicate"))
        pool_items.append(pool_items[src])
    for i in range(planted_leaks):  # test problems leaked into the pool
        g = test[rng.randrange(len(test))]
        pool.append(_planted(g, f"leak-{i}", perturb(g.question, rng), "contamination"))
        pool_items.append(g)
    order = list(range(len(pool)))
    rng.shuffle(order)
    pool = [pool[i] for i in order]
    items = [pool_items[i] for i in order]

    paths = {"pool": out_dir / "pool.jsonl", "chains": out_dir / "chains.jsonl",
             "test_dir": out_dir / "benchmarks", "test": out_dir / "benchmarks" / TEST_BENCHMARK / "test.jsonl"}
    write_records(paths["pool"], pool)
    write_records(paths["chains"], [
        Sample(problem_id=p.id, sample_index=j, response=getattr(g, style), model=f"demo-{style}")
        for p, g in zip(pool, items) for j, style in enumerate(("terse", "elaborated"))])
    write_jsonl(paths["test"], [{"id": f"test-{i}", "problem": g.question, "answer": str(g.answer),
                                 "kind": g.kind, "level": g.level} for i, g in enumerate(test)])
    return paths


def _unique(items: Iterable[Generated]) -> list[Generated]:
    seen, out = set(), []
    for g in items:
        if g.question not in seen:
            seen.add(g.question)
            out.append(g)
    return out


def _planted(g: Generated, pid: str, question: str, what: str) -> Problem:
    p = to_problem(g, pid)
    p.problem = question
    p.meta["planted"] = what
    return p
