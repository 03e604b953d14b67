"""What only a CUDA machine can show (`make test-gpu`; skipped without CUDA). Tiny random model, local
synthetic benchmark files: no hub, no ../shared.

- vLLM engines are released: two engines that together ask for more than the GPU, one after the other;
- vLLM GPU eval of two benchmarks killed with SIGKILL and resumed equals an uninterrupted run (sample for
  sample in batch-invariant mode, where the GPU supports it; complete and unduplicated otherwise);
- ZeRO-3, ZeRO-3 with optimizer offload and FSDP2 with 2 processes give the losses of 1 process (needs 2 GPUs);
- bf16 + flash-attention + padding-free gives the padded loss (needs flash-attn).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gpu, pytest.mark.slow]
torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}


def gpus() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def batch_invariant_supported() -> bool:
    return gpus() > 0 and torch.cuda.get_device_capability(0)[0] >= 9  # vLLM: compute capability >= 9.0


def free_gib() -> float:
    return torch.cuda.mem_get_info()[0] / 2 ** 30


def test_vllm_engines_are_released_between_stages(tiny_model):
    """Each engine asks for 60% of the GPU: the second starts only if closing the first freed it."""
    from limo.curate.model_stage import Engines
    from limo.generate import GenerateConfig, generate
    from limo.records import Problem

    before = free_gib()
    base = dict(model=str(tiny_model), backend="vllm", gpu_memory_utilization=0.6, max_tokens=8, dtype="bfloat16")
    first, second = GenerateConfig(**base, max_model_len=256), GenerateConfig(**base, max_model_len=512)
    problems = [Problem(id="q", problem="What is 2 + 3?", answer=5)]
    with Engines() as engines:
        assert len(generate(problems, first, backend=engines.get(first), progress=False)) == 1
        assert len(generate(problems, second, backend=engines.get(second), progress=False)) == 1
    assert [e for e, _ in engines.events] == ["start", "close", "start", "close"]
    time.sleep(2)
    assert free_gib() > before - 2.0, f"{before:.1f} GiB free before, {free_gib():.1f} after closing"


def write_benchmarks(root: Path, k: int = 12) -> Path:
    """LIMO's layout for aime24 (aime/) and math500 (math/), synthetic problems."""
    for folder in ("aime", "math"):
        d = root / folder
        d.mkdir(parents=True)
        rows = [{"id": f"{folder}{i}", "problem": f"What is {i} times {i + 3}?", "answer": str(i * (i + 3))}
                for i in range(k)]
        (d / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def eval_cmd(model: Path, data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "limo.cli", "eval", "--model", str(model), "--backend", "vllm",
            "--benchmarks", "aime24,math500", "--data-dir", str(data), "--n", "4", "--temperature", "0.7",
            "--max-tokens", "256", "--gpu-memory-utilization", "0.5", "--dtype", "bfloat16",
            "--output-dir", str(out), "--no-progress",
            "--batch-invariant", "true" if batch_invariant_supported() else "false"]


def samples(out: Path) -> dict[tuple, dict]:
    rows = [json.loads(line) for p in out.glob("*/samples.jsonl") for line in p.read_text().splitlines() if line]
    keys = Counter((r["problem_id"], r["sample_index"]) for r in rows)  # ids differ across the two benchmarks
    assert set(keys.values()) <= {1}, "duplicated samples"
    return {(r["problem_id"], r["sample_index"]): r for r in rows}


def test_vllm_gpu_eval_of_two_benchmarks_survives_kill_and_resume(tiny_model, tmp_path):
    data = write_benchmarks(tmp_path / "bench")
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    subprocess.run(eval_cmd(tiny_model, data, whole), env=ENV, check=True, timeout=900)
    total = len(samples(whole))
    assert total == 2 * 12 * 4
    for _ in range(2):  # SIGKILL the whole process group once some samples are saved
        proc = subprocess.Popen(eval_cmd(tiny_model, data, killed), env=ENV, start_new_session=True)
        target = len(samples(killed)) + 8 if killed.exists() else 8
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline and \
                (not killed.exists() or len(samples(killed)) < target):
            time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    subprocess.run(eval_cmd(tiny_model, data, killed), env=ENV, check=True, timeout=900)
    a, b = samples(whole), samples(killed)
    assert a.keys() == b.keys()
    if batch_invariant_supported():
        assert all(a[k]["response"] == b[k]["response"] for k in a), "resumed samples differ in batch-invariant mode"


LAUNCHERS = ["zero3", "zero3-offload", "fsdp2"]


def train_losses(out: Path) -> list[float]:
    return [r["loss"] for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "loss" in r]


def train_cmd(launcher: str | None, model: Path, data: Path, out: Path) -> list[str]:
    overrides = [f"model={model}", f"data={data}", f"output_dir={out}", "max_steps=3", "global_batch_size=4",
                 "per_device_batch_size=1", "max_length=512", "learning_rate=1e-4", "precision=bf16",
                 "device=auto", "save_epochs=false", "logging_steps=1", "seed=0"]
    limo = ["-m", "limo", "train", str(ROOT / "recipes/tiny-cpu.yaml"), *overrides]
    if launcher is None:
        return [sys.executable, *limo]
    return [sys.executable, "-m", "accelerate.commands.launch", "--config_file",
            str(ROOT / f"recipes/accelerate/{launcher}.yaml"), "--num_processes", "2", *limo]


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_two_process_sft_matches_one_process(launcher, tiny_model, tmp_path):
    if gpus() < 2:
        pytest.skip("2 processes need 2 GPUs (NCCL refuses two ranks on one device)")
    if launcher.startswith("zero3"):
        pytest.importorskip("deepspeed")
    from limo.train.toy import write_toy_chains

    data = write_toy_chains(tmp_path / "chains.jsonl", 16, seed=1)
    subprocess.run(train_cmd(None, tiny_model, data, tmp_path / "one"), env=ENV, check=True, timeout=900,
                   cwd=ROOT)
    subprocess.run(train_cmd(launcher, tiny_model, data, tmp_path / "two"), env=ENV, check=True, timeout=900,
                   cwd=ROOT)  # cwd: zero3-offload.yaml names its JSON relative to the repository root
    one, two = train_losses(tmp_path / "one"), train_losses(tmp_path / "two")
    assert len(one) == len(two) == 3
    assert two == pytest.approx(one, rel=2e-2), (one, two)  # bf16 reductions differ in order, not in math


def test_bf16_flash_attention_padding_free_matches_padded(tiny_model, tmp_path):
    pytest.importorskip("flash_attn")
    from limo.train import TrainConfig, main
    from limo.train.toy import write_toy_chains

    data = write_toy_chains(tmp_path / "chains.jsonl", 16, seed=1)
    base = dict(model=str(tiny_model), data=str(data), max_length=512, learning_rate=1e-3, global_batch_size=4,
                per_device_batch_size=4, max_steps=1, precision="bf16", gradient_checkpointing=False,
                save_epochs=False, logging_steps=1, seed=0)
    main(TrainConfig(**base, output_dir=str(tmp_path / "pad"), attn_implementation="sdpa"))
    main(TrainConfig(**base, output_dir=str(tmp_path / "flat"), attn_implementation="flash_attention_2",
                     padding_free=True))
    assert train_losses(tmp_path / "flat")[0] == pytest.approx(train_losses(tmp_path / "pad")[0], rel=2e-2)
