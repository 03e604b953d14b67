"""Small real runs for the viewer's tests and README screenshots, made with limo's own writers (no model):

- two eval runs (`before`, `after`) of math500, aime24 and kaoyan (judged), n=2: config.json and
  problems.jsonl as `limo eval` writes them, samples graded by limo's rule grader (`grade_sample`),
  judge replies for kaoyan, results.json + report + plots by `write_results`;
- a curate run (ingest -> dedup -> decontaminate) through the curate pipeline's stage runner.
"""

from __future__ import annotations

import json
from pathlib import Path

from limo.eval.config import EvalConfig
from limo.eval.results import write_results
from limo.eval.rundir import RunDir
from limo.eval.runner import config_record, grade_sample
from limo.records import Problem, Sample, write_records

PROBLEMS = [
    ("p1", r"Find $x$ such that $2x + 3 = 11$.", "4"),
    ("p2", r"Compute $\frac{1}{2} + \frac{1}{3}$.", r"\frac{5}{6}"),
    ("p3", r"What is $\sqrt{144}$?", "12"),
    ("p4", r"Evaluate $\displaystyle\sum_{k=1}^{10} k$.", "55"),
    ("p5", r"How many positive divisors does $36$ have?", "9"),
    ("p6", r"What is the larger root of $x^2 - 5x + 6 = 0$?", "3"),
]


def response(problem: str, answer: str | None, think: bool = True) -> str:
    """A response shaped like a reasoning model's: a thinking part, then a short solution."""
    head = (f"<think>\nLet me read the problem carefully: {problem}\nI will work step by step and check "
            f"the result with $a^2 + b^2 = c^2$-style sanity checks where they apply.\n</think>\n\n") if think else ""
    if answer is None:  # cut off by the token cap
        return head + r"We start from $\int_0^1 x\,dx = \tfrac{1}{2}$ and then the sum becomes $S = 1 + 2 + \dots"
    return head + f"Working it out, the value is ${answer}$.\n\nTherefore the final answer is $\\boxed{{{answer}}}$."


def make_eval_run(out: Path, answers: dict[str, list[str | None]], judge_says: dict[str, bool],
                  paper: dict[str, bool] | None = None) -> Path:
    """answers: problem id -> one answer per sample (None: truncated, no answer)."""
    cfg = EvalConfig(output_dir=str(out), benchmarks=["math500", "aime24", "kaoyan"], generation={"model": "m", "n": 2},
                     judge={"model": "j"}, bootstrap_iters=50)
    RunDir(out).pin_config(config_record(cfg))
    for name, ids in (("math500", ["p1", "p2", "p3", "p4"]), ("aime24", ["p5"]), ("kaoyan", ["p6"])):
        problems = [Problem(id=i, problem=t, answer=g, source=name) for i, t, g in PROBLEMS if i in ids]
        RunDir(out).freeze_problems(name, problems)
        samples = []
        for p in problems:
            for k, ans in enumerate(answers[p.id]):
                s = Sample(problem_id=p.id, sample_index=k, response=response(p.problem, ans, think=k == 0),
                           model="m", finish_reason="length" if ans is None else "stop", prompt_tokens=40,
                           completion_tokens=len(response(p.problem, ans)) // 4, max_tokens=512, seed=k)
                s = grade_sample(p, s, 5.0)
                if paper and p.id in paper:
                    s.meta["paper_verdict"] = {"correct": paper[p.id], "reason": "paper grader"}
                samples.append(s)
        write_records(out / name / "samples.jsonl", samples)
        if name == "kaoyan":
            write_records(out / name / "judge.jsonl", [
                Sample(problem_id=f"{p.id}#{k}", sample_index=0,
                       response=f"## Correctness\n{'CORRECT' if judge_says[p.id] else 'WRONG'}")
                for p in problems for k in range(2)])
    write_results(out)
    return out


def make_eval_runs(root: Path) -> tuple[Path, Path]:
    """`before` and `after` training: 4 problems gained, 1 lost, 1 unchanged (see test_compare_flips_first)."""
    before = make_eval_run(root / "before", {"p1": ["4", "5"], "p2": ["0.8", "0.8"], "p3": ["12", "12"],
                                             "p4": [None, "50"], "p5": ["6", "9"], "p6": ["3", "2"]},
                           judge_says={"p6": False})
    after = make_eval_run(root / "after", {"p1": ["4", "4"], "p2": [r"\frac{5}{6}", "5/6"], "p3": ["12", "13"],
                                           "p4": ["55", "55"], "p5": ["6", "6"], "p6": ["3", "3"]},
                          judge_says={"p6": True}, paper={"p2": False, "p3": True})
    return before, after


def make_curate_run(root: Path) -> Path:
    from limo.curate.decontam import DecontamConfig, decontaminate
    from limo.curate.dedup import DedupConfig, dedup
    from limo.curate.ingest import IngestConfig, ingest
    from limo.curate.pipeline import CurateRecipe, Runner
    from limo.curate.stage import read_problems

    pool = root / "pool.jsonl"
    rows = [{"id": "a", "problem": "Find the number of ordered pairs $(x, y)$ of positive integers with $x + y = 20$.",
             "answer": "19"},
            {"id": "b", "problem": "Find the number of ordered pairs $(x,y)$ of positive integers with $x+y=20$.",
             "answer": "19"},
            {"id": "c", "problem": "Let $f(x) = x^2 + 3x$. Compute $f(7)$ and give the value of $f(7) - f(2)$ "
                                   "as a single integer, showing every step of the computation.", "answer": "60"},
            {"id": "d", "problem": "A circle has radius $3$. What is its area, in terms of $\\pi$?", "answer": "9\\pi"}]
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    bench_item = Problem(id="aime-7", source="aime24", answer="60",
                         problem="Let $f(x) = x^2 + 3x$. Compute $f(7)$ and give the value of $f(7) - f(2)$ as a "
                                 "single integer, showing every step of the computation.")
    recipe = CurateRecipe(output_dir=str(root / "curate"), ingest=IngestConfig(inputs=[{"path": str(pool)}]))
    runner = Runner(recipe)
    cur = runner.stage(1, "ingest", recipe.ingest, [pool], lambda d: ingest(recipe.ingest))
    cfg = DedupConfig()
    deduped = runner.stage(2, "dedup", cfg, [cur], lambda d: dedup(read_problems(cur), cfg))
    dcfg = DecontamConfig(benchmarks=["aime24"])
    runner.stage(3, "decontaminate", dcfg, [deduped],
                 lambda d: decontaminate(read_problems(deduped), dcfg, items=[bench_item]))
    return root / "curate"
