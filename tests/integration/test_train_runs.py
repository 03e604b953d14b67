"""`limo train` as a user runs it: the CLI in real processes, torchrun with two ranks over gloo, a SIGKILL
mid-run and a restart, the tiny-cpu recipe on real chains from ../shared/traces, and the checkpoint
generating through `limo generate --backend vllm`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("trl")

from limo.config import load_config  # noqa: E402
from limo.jsonl import read_jsonl  # noqa: E402
from limo.train import TrainConfig, main  # noqa: E402
from limo.train.toy import toy_problems, write_toy_chains  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TRACES = "traces/thought_anchors_math/math_cots.jsonl"
REGRESSION = ROOT / "tests/data/train_first_losses.json"
ENV = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}

pytestmark = pytest.mark.integration


def losses(out: Path) -> list[float]:
    return [r["loss"] for r in read_jsonl(out / "metrics.jsonl") if "loss" in r]


def steps(out: Path) -> list[int]:
    return [r["step"] for r in read_jsonl(out / "metrics.jsonl") if "loss" in r]


@pytest.fixture(scope="module")
def toy_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    data = write_toy_chains(tmp_path_factory.mktemp("toy") / "chains.jsonl", 16, seed=1)
    return ["recipes/tiny-cpu.yaml", f"data={data}", "where={}", "max_length=512", "global_batch_size=4",
            "save_epochs=false"]


def limo_train(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "limo"), "train", *args], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, timeout=300, **kw)


def test_two_process_torchrun_matches_one_process(toy_args, tmp_path):
    one = limo_train([*toy_args, "max_steps=3", f"output_dir={tmp_path / 'one'}"])
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run([str(BIN / "torchrun"), "--nproc_per_node", "2", "-m", "limo", "train", *toy_args,
                          "max_steps=3", f"output_dir={tmp_path / 'two'}"],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "1 process(es) x GA 4" in one.stdout and "2 process(es) x GA 2" in two.stdout
    assert len(losses(tmp_path / "one")) == 3
    assert losses(tmp_path / "two") == pytest.approx(losses(tmp_path / "one"), rel=1e-5)


def test_sigkill_mid_run_then_same_command_resumes(toy_args, tmp_path):
    args = [*toy_args, "max_steps=24", "save_steps=4", "plot_every=1000"]
    out = tmp_path / "killed"
    cmd = [str(BIN / "limo"), "train", *args, f"output_dir={out}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not (out / "checkpoint-8" / "trainer_state.json").exists() and time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("the run finished before it could be killed")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "final").exists()
    again = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    resumed_from = int(again.stdout.split("resuming from ")[1].split("checkpoint-")[1].split()[0])
    assert resumed_from >= 8 and (out / "final" / "model.safetensors").exists()
    assert steps(out) == list(range(1, 25))  # rows the killed run wrote past the checkpoint were cut
    clean = limo_train([*args, f"output_dir={tmp_path / 'clean'}"])
    assert clean.returncode == 0, clean.stderr[-3000:]
    assert losses(out) == pytest.approx(losses(tmp_path / "clean"), rel=1e-5)
    # The finished folder with another recipe: refused (it would resume the old run and claim the new).
    other = limo_train([*args, "learning_rate=2e-3", f"output_dir={out}"])
    assert other.returncode == 2 and "learning_rate" in other.stderr and "new output_dir" in other.stderr


def tiny_cpu_recipe(shared: Path, out: Path, *overrides: str) -> TrainConfig:
    return load_config(TrainConfig, ROOT / "recipes/tiny-cpu.yaml",
                       [f"data={shared / TRACES}", f"output_dir={out}", *overrides])


def test_tiny_cpu_recipe_first_losses_match_the_stored_regression(shared_dir, tmp_path):
    """The first two losses do not depend on the run length (lr at step 0 is the peak, no warmup), so
    two steps of the recipe are compared with the values the full recipe logged."""
    main(tiny_cpu_recipe(shared_dir, tmp_path, "max_steps=2", "save_epochs=false"))
    stored = json.loads(REGRESSION.read_text())
    assert losses(tmp_path) == pytest.approx(stored["losses"], rel=1e-4)


@pytest.mark.slow
def test_tiny_cpu_recipe_end_to_end_and_generates_with_vllm(shared_dir, tmp_path):
    out = tmp_path / "run"
    run = limo_train(["recipes/tiny-cpu.yaml", f"data={shared_dir / TRACES}", f"output_dir={out}"])
    assert run.returncode == 0, run.stderr[-3000:]
    curve = losses(out)
    stored = json.loads(REGRESSION.read_text())
    assert curve[: len(stored["losses"])] == pytest.approx(stored["losses"], rel=1e-4)
    assert sum(curve[-3:]) / 3 < curve[0] - 0.5  # the loss falls
    assert all((out / f"epoch-{e}" / "model.safetensors").exists() for e in (1, 2, 3))
    assert (out / "loss.png").stat().st_size > 0 and (out / "data_report.json").exists()
    problems = tmp_path / "problems.jsonl"
    from limo.records import write_records

    write_records(problems, toy_problems(2, seed=5))
    for model in (out / "final", out / "epoch-1"):
        samples = tmp_path / f"{model.name}.jsonl"
        gen = subprocess.run([str(BIN / "limo"), "generate", "--model", str(model), "--input", str(problems),
                              "--output", str(samples), "--backend", "vllm", "--dtype", "float32",
                              "--max-tokens", "16", "--max-model-len", "1024", "--gpu-memory-utilization", "0.1",
                              "--no-progress"], cwd=ROOT, env={**ENV, "VLLM_CPU_KVCACHE_SPACE": "1"},
                             capture_output=True, text=True, timeout=600)
        assert gen.returncode == 0, gen.stderr[-3000:]
        rows = read_jsonl(samples)
        assert len(rows) == 2 and all(r["completion_tokens"] and r["completion_tokens"] > 0 for r in rows)
