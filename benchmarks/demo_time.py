"""Time `limo demo` end to end and check the issue's numbers: wall time, CPU time, peak memory, the
machine's load, and the accuracies (curated >= 50% in-distribution, knowledge >= 90%).

Runs the demo in a child process (as a user would: `python -m limo.cli demo`), twice with the same seed
when `--twice` is given, to check that the accuracies are identical (determinism).

    .venv/bin/python benchmarks/demo_time.py [--out /tmp/demo_bench] [--twice] [-- DemoConfig key=value ...]

CPU seconds (user + system of the demo and its children) are printed beside the wall time: on a shared
machine the wall time depends on the other jobs, the CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def run_once(out: Path, extra: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0, t0 = os.getloadavg(), time.time()
    proc = subprocess.run([sys.executable, "-m", "limo.cli", "demo", "--output-dir", str(out), *extra])
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"limo demo failed ({proc.returncode}); logs in {out / 'logs'}")
    results = json.loads((out / "results.json").read_text())
    knowledge = json.loads((out / "base-model" / "knowledge.json").read_text())["knowledge"]
    return {"wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "peak_child_rss_mb": round(after.ru_maxrss / 1024), "load_before": load0, "load_after": os.getloadavg(),
            "models": results["models"], "n_train": results["n_train"],
            "knowledge": {s: k["accuracy"] for s, k in knowledge.items()}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="/tmp/demo_bench")
    p.add_argument("--twice", action="store_true", help="run again with the same seed; accuracies must match")
    p.add_argument("extra", nargs="*", help="passed to limo demo (key=value overrides, --backend ...)")
    args = p.parse_args()
    runs = [run_once(Path(args.out) / "run1", args.extra)]
    if args.twice:
        runs.append(run_once(Path(args.out) / "run2", args.extra))
    for i, r in enumerate(runs, 1):
        acc = {m: {s: round(100 * v["accuracy"], 1) for s, v in splits.items()} for m, splits in r["models"].items()}
        print(f"run {i}: wall {r['wall_s']:.0f} s, cpu {r['cpu_s']:.0f} s, peak child RSS {r['peak_child_rss_mb']} MB, "
              f"load {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}")
        print(f"  accuracy % (in_dist / ood): {acc}; knowledge (own format): {r['knowledge']}; n_train {r['n_train']}")
    cur = runs[0]["models"]["curated"]["in_dist"]["accuracy"]
    print(f"curated in-dist >= 50%: {cur >= 0.5} ({100 * cur:.1f}%); knowledge >= 90%: "
          f"{runs[0]['knowledge']['in_dist'] >= 0.9}; wall <= 8 min: {runs[0]['wall_s'] <= 480}")
    if args.twice:
        print(f"deterministic (identical accuracies): {runs[0]['models'] == runs[1]['models']}")
    (Path(args.out) / "bench.json").write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
