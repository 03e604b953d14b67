"""Overhead of `limo.generate` over a bare `vllm.LLM.generate`, side by side in one run (goal <= 1.10x).

Both use one engine (started once), the same rendered prompts and the same per-sample
SamplingParams (n=1, same seeds), so the outputs are identical and the difference is limo's work:
chat-template rendering and tokenization, context capping, streaming finished requests out of the
engine, building Sample records and appending them to a JSONL file. Runs alternate (bare, limo,
limo, bare, ...: who goes first alternates) so that machine noise and warm caches hit both; medians
are compared.

    python benchmarks/generate_overhead.py --model TINY [--problems 200 --n 4 --max-tokens 128 --repeats 6]

`--ray` adds a third side in the same alternation: the same `limo.generate` call through `--ray local`
with 1 replica (limo[ray]), reported against the plain limo (vllm) side, goal <= 1.15x.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_problems(data_dir: Path, count: int):
    from limo.eval.benchmarks import load_benchmark
    from limo.records import Problem

    if (data_dir / "math" / "test.jsonl").exists():
        return load_benchmark("math500", data_dir)[:count]
    return [Problem(id=str(i), problem=f"Compute {i} * {i + 3} + {i}.", answer=i * (i + 3) + i) for i in range(count)]


def main() -> None:
    p = argparse.ArgumentParser(allow_abbrev=False, description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "benchmarks"))
    p.add_argument("--problems", type=int, default=200)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--repeats", type=int, default=6)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--ray", action="store_true", help="also time --ray local with 1 replica (goal <= 1.15x limo)")
    args = p.parse_args()

    from limo.generate import GenerateConfig, generate, get_backend
    from limo.generate.jobs import Job

    problems = load_problems(Path(args.data_dir), args.problems)
    cfg = GenerateConfig(model=args.model, backend="vllm", n=args.n, temperature=args.temperature, top_p=0.95,
                         max_tokens=args.max_tokens, dtype=args.dtype, gpu_memory_utilization=0.1)
    t0 = time.perf_counter()
    backend = get_backend(cfg)
    print(f"engine start: {time.perf_counter() - t0:.1f} s; {len(problems)} problems x n={args.n}, "
          f"max_tokens={args.max_tokens}, T={args.temperature}")
    # The bare side gets its prompts and SamplingParams prepared outside the timer.
    jobs = [Job.make(pr, k, cfg, backend.tokenizer, backend.max_model_len) for pr in problems for k in range(cfg.n)]
    requests = [j.request(cfg, backend.tokenizer, backend.max_model_len) for j in jobs]
    prompts = [{"prompt_token_ids": r.prompt_token_ids} for r in requests]
    params = [backend.sampling_params(r) for r in requests]

    ray_backend = None
    if args.ray:  # a second engine, in a Ray actor: started outside the timer like the first
        t0 = time.perf_counter()
        ray_backend = get_backend(cfg.model_copy(update={"ray": "local", "replicas": 1}))
        print(f"ray replica start: {time.perf_counter() - t0:.1f} s")
    sides = ("bare", "limo", "ray") if ray_backend else ("bare", "limo")
    times: dict[str, list[float]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeats):
            outputs = {}
            for side in (sides if rep % 2 == 0 else sides[::-1]):  # alternate who goes first
                t = time.perf_counter()
                if side == "bare":
                    outputs[side] = [o.outputs[0].text for o in backend.llm.generate(prompts, params, use_tqdm=False)]
                else:
                    engine = backend if side == "limo" else ray_backend
                    samples = generate(problems, cfg, Path(tmp) / f"{side}{rep}.jsonl", backend=engine, progress=False)
                    outputs[side] = [s.response for s in samples]
                times[side].append(time.perf_counter() - t)
            same = {side: sum(a == b for a, b in zip(outputs[side], outputs["bare"])) for side in sides[1:]}
            print(f"run {rep}: " + ", ".join(f"{side} {times[side][-1]:.2f} s" for side in sides)
                  + f"; identical to bare: {same} of {len(jobs)}", flush=True)
    backend.close()
    if ray_backend is not None:
        ray_backend.close()
    med = {side: statistics.median(t) for side, t in times.items()}
    ratio = med["limo"] / med["bare"]
    result = {"bare_median_s": round(med["bare"], 3), "limo_median_s": round(med["limo"], 3),
              "ratio": round(ratio, 3), "goal": 1.10, "meets_goal": ratio <= 1.10, "samples": len(jobs)}
    if ray_backend is not None:
        ray_ratio = med["ray"] / med["limo"]
        result.update({"ray_median_s": round(med["ray"], 3), "ray_vs_limo_ratio": round(ray_ratio, 3),
                       "ray_goal": 1.15, "ray_meets_goal": ray_ratio <= 1.15})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
