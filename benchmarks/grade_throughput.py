"""Grader throughput: limo's grader vs plain Math-Verify (parse + verify per item), same items, one run.

    .venv/bin/python benchmarks/grade_throughput.py [--limit 3000] [--well-formed-limit 1517] [--workers 1,2]

Two sets, side by side in one run (issue 9: the goal must hold on both):
- `mixed`: real model responses with their gold answers from ../shared/traces/skythought_evals/short (Qwen2.5
  / Sky-T1 outputs on AIME24, AMC23, MATH-500, Minerva, OlympiadBench), including Qwen2.5-Math-7B's long,
  repetitive outputs;
- `well-formed`: only the ordinary, well-formed responses of Qwen2.5-14B-Instruct from that folder;
- `integer` (on request, `--sets`): those of them whose gold is an integer, the profile of the issue's
  hidden held-out set, where Math-Verify is fast (a few ms a response) and limo's fixed costs (process
  start, imports, a worker) weigh most.
Plain Math-Verify runs single-process in this process, the way most harnesses call it; limo runs through
`grade_many` with its worker pool, process start-up included. Prints items/s, the speed-up over
Math-Verify, and the scaling with workers. Goal: >= 3x Math-Verify with --workers 1 on both sets.

`--whole-process` also times each side as a whole fresh process on the same set, as issue 9 measured it:
`limo grade SET.jsonl --workers 1` against a plain-Math-Verify loop in its own interpreter (both pay their
imports; the in-process Math-Verify figure above does not, after the first set).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "traces" / "skythought_evals" / "short"


def _integer(gold: object) -> bool:
    return isinstance(gold, int) or (isinstance(gold, str) and gold.strip().lstrip("-").isdigit())


def load_items(folder: Path, limit: int, only: str = "*.jsonl",
               integers: bool = False) -> tuple[list[tuple[str, object]], list[str]]:
    """(response, gold) pairs and their benchmark names; the dataset's own answer when present (the
    harness's `gt` field is pre-stripped by its normaliser). `integers`: only rows whose gold is one."""
    items, benches = [], []
    for path in sorted(folder.glob(only)):
        for line in path.open():
            row = json.loads(line)
            gold = row.get("answer") if row.get("answer") is not None else row["gt"]
            if integers and not _integer(gold):
                continue
            items.append((row["code"][0], gold))
            benches.append(row.get("benchmark", "?"))
    step = max(1, len(items) // limit) if limit else 1  # evenly spread over the files, not just the first
    return items[::step][:limit], benches[::step][:limit]


def plain_math_verify(response: str, gold: object) -> bool:
    """The baseline: Math-Verify alone with its defaults, `verify(parse($gold$), parse(response))`."""
    from math_verify import parse, verify

    logging.disable(logging.WARNING)
    if isinstance(gold, dict):
        gold = list(gold.values())
    if isinstance(gold, list):
        gold = ", ".join(map(str, gold))
    gold_text = str(int(gold)) if isinstance(gold, float) and gold.is_integer() else str(gold)
    try:
        return bool(verify(parse(f"${gold_text}$"), parse(response)))
    except Exception:  # Math-Verify raising on an item counts as "not correct", as harnesses do
        return False


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_math_verify(items: list[tuple[str, object]]) -> tuple[float, list[bool], list[float], float]:
    """Wall seconds, verdicts, per-item seconds and CPU seconds (on a shared machine, CPU seconds are the
    fairer comparison: wall time there depends on what else runs)."""
    start, cpu, out, seconds = time.perf_counter(), _cpu(), [], []
    for response, gold in items:
        t = time.perf_counter()
        out.append(plain_math_verify(response, gold))
        seconds.append(time.perf_counter() - t)
    return time.perf_counter() - start, out, seconds, _cpu() - cpu


def run_limo(items: list[tuple[str, object]], workers: int,
             timeout: float) -> tuple[float, list[bool], float, float, list[float]]:
    """Wall seconds, verdicts, and CPU seconds spent by this (parent) process and by the workers: on a
    machine shared with other jobs, wall-clock scaling understates what the workers could do."""
    import resource

    from limo.grade import grade_many

    before = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    start = time.perf_counter()
    verdicts = grade_many(items, workers=workers, timeout=timeout)
    wall = time.perf_counter() - start
    after = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    cpu = [(a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime) for a, b in zip(after, before)]
    return wall, [v.correct for v in verdicts], cpu[0], cpu[1], [v.seconds or 0.0 for v in verdicts]


_PLAIN_MV_PROCESS = """
import json, sys
sys.path.insert(0, {bench!r})
from grade_throughput import plain_math_verify
rows = [json.loads(line) for line in open({path!r})]
print(sum(plain_math_verify(r["response"], r["gold"]) for r in rows))
"""


def run_whole_processes(items: list[tuple[str, object]], timeout: float) -> tuple[float, float, float, float]:
    """(limo wall, limo cpu, math-verify wall, math-verify cpu) for `limo grade --workers 1` and a plain
    Math-Verify loop, each a fresh process on the same JSONL (CPU of the process and its children)."""
    import resource
    import subprocess
    import tempfile

    def timed(cmd: list[str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.perf_counter() - start, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "set.jsonl"
        path.write_text("".join(json.dumps({"response": r, "gold": g}) + "\n" for r, g in items))
        limo = timed([sys.executable, "-m", "limo", "grade", str(path), "-o", str(Path(tmp) / "out.jsonl"),
                      "--workers", "1", "--timeout", str(timeout), "--no-progress"])
        code = _PLAIN_MV_PROCESS.format(bench=str(Path(__file__).resolve().parent), path=str(path))
        plain = timed([sys.executable, "-c", code])
    return limo[0], limo[1], plain[0], plain[1]


def run_set(name: str, items: list[tuple[str, object]], benches: list[str], workers: list[int],
            timeout: float) -> tuple[float, float]:
    """Math-Verify, then limo with each worker count, on one set; returns (math-verify s, limo w1 s)."""
    print(f"--- {name}: {len(items)} items")
    mv_s, mv_ok, mv_item_s, mv_cpu = run_math_verify(items)
    print(f"math-verify (1 process)  {mv_s:8.1f} s  {len(items) / mv_s:8.1f} items/s  correct {sum(mv_ok)}  "
          f"cpu {mv_cpu:.1f} s")
    base, limo_item_s = None, None
    for w in workers:
        s, ok, parent_cpu, worker_cpu, item_s = run_limo(items, w, timeout)
        limo_item_s = limo_item_s or item_s
        base = base or s
        agree = sum(a == b for a, b in zip(ok, mv_ok))
        print(f"limo --workers {w:<2}        {s:8.1f} s  {len(items) / s:8.1f} items/s  correct {sum(ok)}  "
              f"x{mv_s / s:.1f} vs math-verify  scaling x{base / s:.2f}  agree with MV {agree}/{len(items)}  "
              f"cpu: parent {parent_cpu:.1f} s, workers {worker_cpu:.1f} s "
              f"(x{mv_cpu / max(parent_cpu + worker_cpu, 1e-9):.1f} less cpu than math-verify)")
    print("per benchmark, summed per-item seconds (limo --workers 1 inside its worker vs math-verify):")
    for bench in sorted(set(benches)):
        idx = [i for i, b in enumerate(benches) if b == bench]
        mv_b, limo_b = sum(mv_item_s[i] for i in idx), sum(limo_item_s[i] for i in idx)  # type: ignore[index]
        print(f"  {bench:<14} {len(idx):>5} items  math-verify {mv_b:7.1f} s  limo {limo_b:6.1f} s  x{mv_b / max(limo_b, 1e-9):.1f}")
    return mv_s, base or 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--traces", type=Path, default=DEFAULT, help="folder of skythought-style JSONL traces")
    p.add_argument("--limit", type=int, default=3000, help="items of the mixed set (default 3000)")
    p.add_argument("--well-formed", default="Qwen2.5-14B-Instruct.jsonl",
                   help="file in --traces whose ordinary responses form the well-formed set")
    p.add_argument("--well-formed-limit", type=int, default=1517, help="items of the well-formed set")
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts for limo (default 1,2)")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--sets", default="mixed,well-formed",
                   help="which sets to run: mixed, well-formed, integer (default mixed,well-formed)")
    p.add_argument("--whole-process", action="store_true",
                   help="also time limo grade --workers 1 and plain Math-Verify as fresh whole processes")
    args = p.parse_args()
    if not args.traces.is_dir():
        print(f"no traces at {args.traces}", file=sys.stderr)
        return 2
    workers = [int(w) for w in args.workers.split(",")]
    print(f"on {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    sets = {"mixed": lambda: load_items(args.traces, args.limit),
            "well-formed": lambda: load_items(args.traces, args.well_formed_limit, only=args.well_formed),
            "integer": lambda: load_items(args.traces, args.well_formed_limit, only=args.well_formed, integers=True)}
    chosen = args.sets.split(",")
    if unknown := set(chosen) - set(sets):
        print(f"unknown set(s) {sorted(unknown)}; choose from {sorted(sets)}", file=sys.stderr)
        return 2
    loaded = {name: sets[name]() for name in chosen}
    results = {name: run_set(name, *loaded[name], workers, args.timeout) for name in chosen}
    for name in chosen if args.whole_process else []:
        lw, lc, mw, mc = run_whole_processes(loaded[name][0], args.timeout)
        print(f"whole processes, {name}: limo grade --workers 1 {lw:.1f} s wall ({lc:.1f} s cpu), plain "
              f"math-verify {mw:.1f} s wall ({mc:.1f} s cpu): x{mw / lw:.1f} wall, x{mc / max(lc, 1e-9):.1f} cpu")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (scaling needs idle cores)")
    print("summary, limo --workers 1 vs math-verify: " +
          ", ".join(f"{name} x{mv / limo:.1f} ({mv:.1f} s vs {limo:.1f} s)" for name, (mv, limo) in results.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
