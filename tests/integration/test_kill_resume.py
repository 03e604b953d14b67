"""`limo generate` and `limo curate difficulty` killed with SIGKILL mid-run and rerun with the same command
finish with exactly the samples (and pass rates) of an uninterrupted run: none lost, none duplicated.
(`limo eval`: tests/integration/test_eval_runs.py; `limo train`: tests/integration/test_train_runs.py.)
hf backend on the tiny model, sampled (T=0.8), so equal samples also show the per-sample seeds at work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from limo.jsonl import read_jsonl
from limo.records import Problem, write_records

pytestmark = pytest.mark.integration

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
GEN = {"backend": "hf", "n": 3, "temperature": 0.8, "max_tokens": 24, "seed": 7}


def lines(path: Path) -> int:
    return sum(1 for line in path.open("rb") if line.endswith(b"\n")) if path.exists() else 0


def kill_when(cmd: list[str], samples: Path, at: int, timeout: float = 240) -> None:
    """Start `cmd` and SIGKILL its process group once `samples` has `at` complete lines."""
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    while lines(samples) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_ok(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def by_key(rows: list[dict]) -> dict:
    keys = Counter((r["problem_id"], r["sample_index"]) for r in rows)
    assert set(keys.values()) == {1}, "duplicated samples"
    return {(r["problem_id"], r["sample_index"]): (r["response"], r["seed"], r["finish_reason"]) for r in rows}


@pytest.fixture
def problems(tmp_path: Path) -> Path:
    path = tmp_path / "problems.jsonl"
    write_records(path, [Problem(id=f"q{i}", problem=f"What is {i} plus {i + 1}?", answer=str(2 * i + 1))
                         for i in range(6)])
    return path


def test_generate_killed_mid_run_resumes_to_the_uninterrupted_samples(tiny_model, problems, tmp_path):
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in GEN.items()] + ["--system-prompt", "null", "--no-progress"]
    cmd = [sys.executable, "-m", "limo.cli", "generate", "--model", str(tiny_model), "--input", str(problems)]
    run_ok(cmd + ["--output", str(tmp_path / "whole.jsonl"), *flags])
    killed = tmp_path / "killed.jsonl"
    kill_when(cmd + ["--output", str(killed), *flags], killed, 5)
    assert 5 <= lines(killed) < 18 and (tmp_path / "killed.jsonl.lock").exists()  # stale lock left by the kill
    run_ok(cmd + ["--output", str(killed), *flags])  # taken over: the holder is dead
    assert by_key(read_jsonl(killed)) == by_key(read_jsonl(tmp_path / "whole.jsonl"))
    assert len(read_jsonl(killed)) == 18 and not (tmp_path / "killed.jsonl.lock").exists()


def test_curate_difficulty_killed_mid_run_resumes_to_the_uninterrupted_result(tiny_model, problems, tmp_path):
    recipe = tmp_path / "curate.yaml"
    recipe.write_text(yaml.safe_dump({"difficulty": {"stages": [
        {"name": "s", "min_correct": 0, "max_correct": 1, "generate": {"model": str(tiny_model), **GEN}}]}}))

    def cmd(name: str) -> list[str]:
        return [sys.executable, "-m", "limo.cli", "curate", "difficulty", str(problems), "--recipe", str(recipe),
                "-o", str(tmp_path / f"{name}.jsonl"), "--workdir", str(tmp_path / name)]

    run_ok(cmd("whole"))
    from limo.curate.model_stage import cache_path
    from limo.generate import GenerateConfig

    name = cache_path(Path("."), "s", GenerateConfig(model=str(tiny_model), **GEN)).name
    kill_when(cmd("killed"), tmp_path / "killed" / name, 5)
    assert not (tmp_path / "killed" / "s.pass_rates.jsonl").exists()
    run_ok(cmd("killed"))
    assert by_key(read_jsonl(tmp_path / "killed" / name)) == by_key(read_jsonl(tmp_path / "whole" / name))
    assert read_jsonl(tmp_path / "killed" / "s.pass_rates.jsonl") == read_jsonl(tmp_path / "whole" / "s.pass_rates.jsonl")
    assert read_jsonl(tmp_path / "killed.jsonl") == read_jsonl(tmp_path / "whole.jsonl")
