"""The demo's data: a knowledge corpus, a problem pool with two chains per problem, and two held-out splits.

- knowledge.jsonl: worked additions (`{"text": ...}`) for the knowledge stage, as plain text or as a chat
  answer that works the columns, states "Sum: c" and stops (`chat_answer`: no check, no box), covering every
  level the demo evaluates, with no held-out problem in it (pre-training must not see the tests).
- pool.jsonl + chains.jsonl: in-distribution problems, each with a terse and an elaborated chain. To show
  curation doing real work the pool holds what a real pool has: exact repeats (the generator's space is
  small), near-duplicates with surface changes, and held-out problems leaked in with surface changes
  (planted contamination), tagged in `Problem.meta["planted"]` so the report can say what each stage caught.
- benchmarks/demo_arith/test.jsonl (in distribution: the pool's levels) and
  benchmarks/demo_arith_ood/test.jsonl (more digits than any pool problem), in LIMO's layout for `limo eval`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

from limo.demo.problems import Generated, generate, to_problem
from limo.jsonl import write_jsonl
from limo.records import Problem, Sample, read_records, write_records

SPLITS = {"in_dist": "demo_arith", "ood": "demo_arith_ood"}  # split -> benchmark (limo.eval.benchmarks)


def perturb(question: str, rng: random.Random) -> str:
    """A surface change that keeps the maths: spacing around operators, case, a lead-in phrase."""
    q = question.replace(" + ", "+") if rng.random() < 0.5 else question
    if rng.random() < 0.5:
        q = q.lower()
    return rng.choice(["", "Quick question: ", "Compute this. "]) + q


def build(out_dir: Path, *, pool_size: int, test_size: int, levels: tuple[int, ...], ood_levels: tuple[int, ...],
          knowledge_size: int, seed: int, planted_dups: int = 40, planted_leaks: int = 20,
          knowledge_levels: tuple[int, ...] | None = None, chat_share: float = 1.0) -> dict[str, Path]:
    """Write every data file under `out_dir`; returns their paths. `knowledge_levels`: the corpus's digits
    (default: every level the demo evaluates); `chat_share`: the corpus's share of chat-rendered texts."""
    rng = random.Random(seed)
    tests = {"in_dist": _unique(generate(test_size * 3, seed + 1, levels=levels))[:test_size],
             "ood": _unique(generate(test_size * 3, seed + 2, levels=ood_levels))[:test_size]}
    held_out = {g.question for split in tests.values() for g in split}
    pool_items = [g for g in generate(pool_size, seed, levels=levels)]
    pool = [to_problem(g, f"pool-{i}") for i, g in enumerate(pool_items)]
    for i in range(planted_dups):  # near-duplicates of pool rows
        src = rng.randrange(len(pool_items))
        pool.append(_planted(pool_items[src], f"dup-{i}", perturb(pool_items[src].question, rng), "duplicate"))
        pool_items.append(pool_items[src])
    for i in range(planted_leaks):  # in-distribution test problems leaked into the pool
        g = tests["in_dist"][rng.randrange(len(tests["in_dist"]))]
        pool.append(_planted(g, f"leak-{i}", perturb(g.question, rng), "contamination"))
        pool_items.append(g)
    order = list(range(len(pool)))
    rng.shuffle(order)
    pool, pool_items = [pool[i] for i in order], [pool_items[i] for i in order]
    k_levels = knowledge_levels or tuple(sorted({*levels, *ood_levels}))
    knowledge = [chat_answer(g) if rng.random() < chat_share else g.knowledge
                 for g in generate(knowledge_size, seed + 3, levels=k_levels) if g.question not in held_out]

    paths = {"pool": out_dir / "pool.jsonl", "chains": out_dir / "chains.jsonl",
             "knowledge": out_dir / "knowledge.jsonl", "test_dir": out_dir / "benchmarks"}
    write_records(paths["pool"], pool)
    write_records(paths["chains"], [
        Sample(problem_id=p.id, sample_index=j, response=getattr(g, style), model=f"demo-{style}")
        for p, g in zip(pool, pool_items) for j, style in enumerate(("terse", "elaborated"))])
    write_jsonl(paths["knowledge"], [{"text": t} for t in knowledge])
    for split, bench in SPLITS.items():
        write_jsonl(paths["test_dir"] / bench / "test.jsonl",
                    [{"id": f"{split}-{i}", "problem": g.question, "answer": str(g.answer), "kind": g.kind,
                      "level": g.level} for i, g in enumerate(tests[split])])
    return paths


def chat_answer(g: Generated) -> str:
    """A knowledge text as a ChatML conversation (LIMO's system prompt, the question) whose answer works
    the columns, states "Sum: c" (limo's grader reads no answer in it) and stops: no check, no box.
    Measured: a base pre-trained on plain text only read the operands right at the start of a document
    (100% own-format) but not after a chat preamble, and 114 SFT steps on the curated chains did not teach
    it to (1 of 40 right); chat answers without the sum line left SFT to teach the sum (curated 11%).
    The issue's suggestion: knowledge in the chat format whose answers end without a box."""
    from limo.prompts import LIMO_SYSTEM_PROMPT

    return (f"<|im_start|>system\n{LIMO_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n{g.question}<|im_end|>\n"
            f"<|im_start|>assistant\n{g.answered}<|im_end|>")


def _unique(items: Iterable[Generated]) -> list[Generated]:
    seen: set[str] = set()
    out: list[Generated] = []
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


def write_random_baseline(problems_path: Path, chains_path: Path, out: Path, n: int, seed: int) -> Path:
    """N random rows of the decontaminated pool, each with a random one of its chains: the "random N" control."""
    problems = read_records(problems_path, Problem)
    chains: dict[str, list[Sample]] = {}
    for s in read_records(chains_path, Sample):
        chains.setdefault(s.problem_id, []).append(s)
    rng = random.Random(seed)
    picked = rng.sample([p for p in problems if p.id in chains], min(n, len(problems)))
    for p in picked:
        p.solution = rng.choice(chains[p.id]).response
    write_records(out, picked)
    return out
