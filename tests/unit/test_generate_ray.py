"""The Ray pool's bookkeeping on a real local Ray (2 CPUs) with a scripted engine in each replica:
requests spread over replicas, a replica killed mid-run is restarted and its requests retried, none
lost or duplicated. The vLLM runs (greedy equality, driver kill) are in tests/integration/test_ray_vllm.py."""

from __future__ import annotations

import re
import sys
import time
from collections import Counter

import pytest

from limo.errors import ConfigError
from limo.generate import GenerateConfig, generate
from limo.records import Problem



class ScriptedEngine:
    """Finishes each request after `steps` engine steps of 20 ms; the text names the request's seed."""

    steps = 5

    def __init__(self, cfg):
        import os

        self.tokenizer, self.max_model_len, self.pid = None, None, os.getpid()
        self.left: dict = {}
        self.seeds: dict = {}

    def submit(self, requests, keys):
        for r, k in zip(requests, keys):
            self.left[k], self.seeds[k] = self.steps, r.seed

    def step(self):
        time.sleep(0.02)
        done = []
        for k in list(self.left):
            self.left[k] -= 1
            if self.left[k] == 0:
                del self.left[k]
                done.append((k, _completion(f"seed={self.seeds.pop(k)} pid={self.pid}")))
        return done

    def pending(self):
        return list(self.left)

    def abort(self, keys=None):
        self.left.clear()

    def close(self):
        pass


def _completion(text):
    from limo.generate.backends import Completion

    return Completion(text=text, finish_reason="stop", completion_tokens=1, prompt_tokens=1)


@pytest.fixture(scope="module")
def ray():
    return pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray(ray):
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # replicas import this test module by value
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _problems(k):
    return [Problem(id=f"p{i}", problem=f"problem {i}", answer=i) for i in range(k)]


def _backend(replicas):
    from limo.generate.backends.ray_backend import RayBackend

    cfg = GenerateConfig(model="scripted", ray="local", replicas=replicas, n=4)
    return cfg, RayBackend(cfg, engine=ScriptedEngine)


def test_two_replicas_share_the_work_and_keep_per_sample_seeds(local_ray, tmp_path):
    cfg, backend = _backend(2)
    try:
        samples = generate(_problems(10), cfg, tmp_path / "s.jsonl", backend=backend, progress=False)
    finally:
        backend.close()
    assert [s.key for s in samples] == [(f"p{i}", k) for i in range(10) for k in range(4)]
    assert all(s.response.startswith(f"seed={s.seed} ") for s in samples)
    assert len({s.response.split("pid=")[1] for s in samples}) == 2  # both replicas answered


def test_a_killed_replica_is_restarted_and_nothing_is_lost_or_duplicated(ray, local_ray, tmp_path, capfd):
    cfg, backend = _backend(2)
    out = tmp_path / "s.jsonl"
    seen: list[tuple[str, int]] = []
    try:
        victim = backend.slots[0].actor
        pid_before = ray.get(victim.__ray_call__.options(max_task_retries=-1).remote(lambda self: self.engine.pid))

        def on_sample(problem, sample):
            seen.append(sample.key)
            if len(seen) == 6:  # mid-run: both replicas hold unfinished requests
                ray.kill(victim, no_restart=False)
            return sample

        samples = generate(_problems(30), cfg, out, backend=backend, progress=False, on_sample=on_sample)
        pid_after = ray.get(victim.__ray_call__.options(max_task_retries=-1).remote(lambda self: self.engine.pid))
    finally:
        backend.close()
    assert pid_after != pid_before  # Ray restarted the replica
    requeued = re.search(r"Ray replica failed .*; (\d+) request\(s\) requeued", capfd.readouterr().err)
    assert requeued and int(requeued.group(1)) > 0  # it died holding unfinished requests
    assert backend_failures(samples) == 0
    assert Counter(seen) == Counter((f"p{i}", k) for i in range(30) for k in range(4))  # 0 lost, 0 duplicated
    assert sum(1 for _ in out.open()) == 120
    assert all(s.response.startswith(f"seed={s.seed} ") for s in samples)


def backend_failures(samples):
    return sum(s.finish_reason != "stop" for s in samples)


def test_pool_shape_from_cluster_resources():
    from limo.generate.backends.ray_backend import pool_shape

    cfg = GenerateConfig(model="m", ray="auto", tensor_parallel_size=2)
    assert pool_shape(cfg, {"GPU": 8.0, "CPU": 64.0}) == (4, {"num_gpus": 2})
    assert pool_shape(cfg.model_copy(update={"replicas": 3}), {"GPU": 8.0}) == (3, {"num_gpus": 2})
    cpu = cfg.model_copy(update={"tensor_parallel_size": 1})
    assert pool_shape(cpu, {"CPU": 2.0}) == (1, {"num_cpus": 2})  # no GPUs: the replicas share the CPUs
    assert pool_shape(cpu.model_copy(update={"replicas": 2}), {"CPU": 5.0}) == (2, {"num_cpus": 2})
    with pytest.raises(ConfigError, match="needs 10 GPUs; the Ray cluster has 8"):
        pool_shape(cfg.model_copy(update={"replicas": 5}), {"GPU": 8.0})
    with pytest.raises(ConfigError, match="needs 3 CPUs"):
        pool_shape(cfg.model_copy(update={"replicas": 3, "tensor_parallel_size": 1}), {"CPU": 2.0})


def test_ray_settings_reach_every_generation_entry_point(monkeypatch, tmp_path):
    """`ray`/`replicas` are GenerateConfig fields: limo generate/eval flags, curate and run recipes."""
    import argparse

    from limo.config import validate
    from limo.curate.difficulty import DifficultyConfig
    from limo.curate.model_stage import Engines
    from limo.eval.cli import add_arguments as eval_arguments, build_config
    from limo.eval.config import resolve
    from limo.generate.backends import ray_backend
    from limo.generate.cli import add_arguments as generate_arguments, flag_values

    started = []
    monkeypatch.setattr(ray_backend, "RayBackend", lambda cfg: started.append(cfg) or "pool")
    p = argparse.ArgumentParser()
    generate_arguments(p)
    args = p.parse_args(["--input", "i", "--output", "o", "--model", "m", "--ray", "local", "--replicas", "2"])
    assert flag_values(args, GenerateConfig) == {"model": "m", "ray": "local", "replicas": 2}

    p = argparse.ArgumentParser()
    eval_arguments(p)
    args = p.parse_args(["--model", "m", "--benchmarks", "aime24", "--output-dir", str(tmp_path),
                         "--ray", "ray://head:10001", "--replicas", "4"])
    gen = resolve(build_config(args), "aime24")
    assert (gen.ray, gen.replicas) == ("ray://head:10001", 4)

    stages = validate(DifficultyConfig, {"stages": [{"name": "s", "generate": {
        "model": "m", "n": 4, "ray": "auto", "replicas": 8}}]}, "recipe")
    assert Engines().get(stages.stages[0].generate) == "pool"  # not closed: the stand-in has no close()
    assert [(c.ray, c.replicas) for c in started] == [("auto", 8)]


def test_bad_ray_settings_are_clear_errors():
    from limo.generate import get_backend
    from limo.generate.backends.ray_backend import connect

    with pytest.raises(ConfigError, match="use local, auto, ray://host:port"):
        connect("cluster")
    with pytest.raises(ConfigError, match="runs the vllm backend as Ray actors, not 'openai'"):
        get_backend(GenerateConfig(model="m", backend="openai", ray="local"))


def test_a_pool_waits_for_resources_a_closed_pool_frees_but_not_forever():
    from types import SimpleNamespace

    from limo.errors import LimoError
    from limo.generate.backends.ray_backend import _wait_until_free

    frees = iter([0.0, 1.0, 2.0])  # the previous pool's actors release their GPUs a moment after kill
    _wait_until_free(SimpleNamespace(available_resources=lambda: {"GPU": next(frees)}), 1, {"num_gpus": 2})
    held = SimpleNamespace(available_resources=lambda: {"CPU": 1.0})
    with pytest.raises(LimoError, match=r"need 2 CPUs; only 1 were free for 1 s"):
        _wait_until_free(held, 2, {"num_cpus": 1}, timeout=1.0)


class BrokenEngine(ScriptedEngine):
    def submit(self, requests, keys):
        raise RuntimeError("engine is broken")


def test_an_engine_that_always_fails_ends_the_run_with_its_error(local_ray, monkeypatch):
    from limo.errors import LimoError
    from limo.generate.backends import ray_backend

    monkeypatch.setattr(ray_backend, "RESTARTS", 1)
    cfg = GenerateConfig(model="scripted", ray="local", replicas=2)
    backend = ray_backend.RayBackend(cfg, engine=BrokenEngine)
    try:
        with pytest.raises(LimoError, match=r"every Ray replica failed 2 times \(.*engine is broken"):
            generate(_problems(3), cfg, backend=backend, progress=False)
    finally:
        backend.close()


def test_eval_refuses_data_parallel_with_ray(tmp_path, capsys):
    from limo.cli import main

    rc = main(["eval", "--model", "m", "--benchmarks", "aime24", "--output-dir", str(tmp_path / "run"),
               "--data-parallel", "2", "--ray", "local"])
    assert rc == 2 and "with --ray use --replicas N" in capsys.readouterr().err
