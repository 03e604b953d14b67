"""`limo view` at scale: an eval run of 100,000 samples (5,000 problems x n=20, ~3,000-character
responses), served by a real `limo view` process and queried over HTTP. Target: the first page of
samples in < 1 s. Side by side: the straightforward way, a server that reads every sample with
limo's reader (`limo.eval.rundir.RunDir.read_samples`) on each request, then filters and slices (the read is
timed once and added to each query's filter time).

    .venv/bin/python benchmarks/view_scale.py [--problems 5000] [--n 20] [--chars 3000] [--out /tmp/view_scale]

Prints the start-up time (`limo view` indexes every run before it prints its address) and one line per
query: seconds for limo view and for the straightforward way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from limo.eval.config import EvalConfig
from limo.eval.rundir import RunDir
from limo.eval.runner import config_record
from limo.jsonl import dumps_line
from limo.records import Problem, Sample, Verdict

FILLER = ("We consider the expression $\\frac{a^2 + b^2}{2ab}$ and note that by AM-GM it is at least $1$. "
          "Checking the boundary case $a = b$ gives equality, so the bound is tight. ")


def make_run(out: Path, problems: int, n: int, chars: int) -> None:
    cfg = EvalConfig(output_dir=str(out), benchmarks=["math500"], preset="none", generation={"model": "m", "n": n})
    RunDir(out).pin_config(config_record(cfg))
    ps = [Problem(id=f"q{i}", problem=f"Problem {i}: compute $\\sqrt{{{i * i}}}$.", answer=str(i)) for i in range(problems)]
    RunDir(out).freeze_problems("math500", ps)
    body = (FILLER * (chars // len(FILLER) + 1))[:chars]
    with (out / "math500" / "samples.jsonl").open("wb") as f:
        for i, p in enumerate(ps):
            for k in range(n):
                ok = (i + k) % 3 != 0
                answer = p.answer if ok else str(i + 1)
                s = Sample(problem_id=p.id, sample_index=k, response=f"{body}\n\nThe answer is $\\boxed{{{answer}}}$.",
                           finish_reason="length" if (i * n + k) % 50 == 0 else "stop", completion_tokens=chars // 4,
                           verdict=Verdict(correct=ok, reason="equal" if ok else "not_equal", extracted=answer))
                f.write(dumps_line(s.to_dict()))


def get(url: str) -> tuple[float, dict]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as r:
        body = json.loads(r.read())
    return time.perf_counter() - t, body


def straightforward(samples: list[Sample], read_seconds: float, keep) -> float:
    t = time.perf_counter()
    rows = [s for s in samples if keep(s)]
    rows.sort(key=lambda s: (int(s.problem_id[1:]), s.sample_index))
    _ = rows[:20]
    return read_seconds + time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", type=int, default=5000)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--chars", type=int, default=3000)
    ap.add_argument("--out", default="/tmp/view_scale")
    args = ap.parse_args()
    run = Path(args.out)
    if not (run / "math500" / "samples.jsonl").exists():
        make_run(run, args.problems, args.n, args.chars)
    size = (run / "math500" / "samples.jsonl").stat().st_size
    print(f"run: {args.problems * args.n:,} samples, samples.jsonl {size / 2**20:.0f} MiB")
    t = time.perf_counter()
    samples = list(RunDir(run).read_samples("math500").values())
    read_seconds = time.perf_counter() - t
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "limo.cli", "view", str(run)], stdout=subprocess.PIPE, text=True)
    try:
        line = ""
        while "serving on" not in line:
            line = proc.stdout.readline()  # type: ignore[union-attr]
        print(f"limo view start-up (index {args.problems * args.n:,} samples): {time.perf_counter() - t:.1f} s; "
              f"RunDir.read_samples of the same file: {read_seconds:.1f} s")
        base = line.split("serving on ")[1].split()[0] + "api/runs/0/"
        queries = [("first page", "samples?size=20", lambda s: True),
                   ("second page", "samples?size=20&page=1", lambda s: True),
                   ("incorrect only", "samples?size=20&correct=no", lambda s: not s.verdict.correct),
                   ("truncated only", "samples?size=20&truncated=yes", lambda s: s.finish_reason == "length"),
                   ("text search 'boxed{4999}'", "samples?size=20&q=boxed%7B4999%7D",
                    lambda s: "boxed{4999}" in s.response),
                   ("last page", "samples?size=20&page=4999", lambda s: True),
                   ("overview (live metrics)", "overview", None)]
        print(f"{'query':<40} {'limo view (s)':>14} {'read all (s)':>13} {'ratio':>7}  matches")
        for name, path, keep in queries:
            secs, body = get(base + path)
            naive = straightforward(samples, read_seconds, keep) if keep else None
            total = body.get("total", "-")
            ratio = f"{naive / secs:6.1f}x" if naive else "      -"
            print(f"{name:<40} {secs:>14.3f} {naive if naive is None else round(naive, 3)!s:>13} {ratio}  {total}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
