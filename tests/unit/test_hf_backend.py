"""The hf backend's greedy batching: equal-length prompts batched without padding give what one-at-a-time
calls give, stop tokens are cut per row, and sampled requests still run one per call from their seed."""

from __future__ import annotations

import pytest

from limo.generate.backends import Request
from limo.generate.backends import hf_backend
from limo.generate.config import GenerateConfig


def _requests(backend, prompts, temperature=0.0, max_tokens=12):
    return [Request(prompt=p, prompt_token_ids=None, messages=None, max_tokens=max_tokens, temperature=temperature,
                    top_p=1.0, top_k=-1, seed=i) for i, p in enumerate(prompts)]


@pytest.fixture(scope="module")
def backend(tiny_model):
    return hf_backend.HFBackend(GenerateConfig(model=str(tiny_model), backend="hf", dtype="float32"))


PROMPTS = ["What is 1 + 2?", "What is 3 + 4?", "Add 12 and 30.", "x", "What is 10 + 20?", "Add 5 and 6.", "y"]


def test_greedy_batches_match_one_at_a_time(backend, monkeypatch):
    batched = dict(backend.complete(_requests(backend, PROMPTS)))
    assert sorted(batched) == list(range(len(PROMPTS)))  # every request answered once, any order
    monkeypatch.setattr(hf_backend, "GREEDY_BATCH", 1)
    single = dict(backend.complete(_requests(backend, PROMPTS)))
    assert {i: c.text for i, c in batched.items()} == {i: c.text for i, c in single.items()}
    for c in batched.values():
        assert c.finish_reason in ("stop", "length") and 1 <= c.completion_tokens <= 12


def test_a_row_that_stops_early_is_cut_at_its_stop_token(backend):
    stop = min(backend.eos_ids)
    c = backend._completion([7, 8, stop, stop, stop], prompt_tokens=3)
    assert (c.finish_reason, c.completion_tokens, c.prompt_tokens) == ("stop", 3, 3)
    assert c.text == backend.tokenizer.decode([7, 8])
    c = backend._completion([7, 8, 9], prompt_tokens=3)
    assert (c.finish_reason, c.completion_tokens) == ("length", 3)


def test_sampled_requests_depend_only_on_their_seed(backend):
    reqs = _requests(backend, PROMPTS[:3], temperature=1.0)
    first = dict(backend.complete(reqs))
    again = dict(backend.complete(reqs[::-1]))  # another order: each sample still from its own seed
    assert [first[i].text for i in range(3)] == [again[2 - i].text for i in range(3)]
