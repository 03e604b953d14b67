"""limo.generate: seeds, context cap, budget forcing, per-sample resume (engines faked here; the openai
backend has its own tests against a fake server; tests/integration/test_generate_*.py runs real engines)."""

from __future__ import annotations

import pytest

from limo.errors import ConfigError, LimoError
from limo.generate import GenerateConfig, generate, get_backend
from limo.generate.backends import Backend, Completion
from limo.generate.jobs import sample_seed
from limo.records import Problem, Sample, read_records


@pytest.fixture(scope="module")
def tokenizer():
    from limo.tiny import build_tokenizer

    return build_tokenizer()


class ScriptedBackend(Backend):
    """A stand-in engine: the reply is a pure function of (seed, prompt length), like a seeded model."""

    name = "scripted"

    def __init__(self, cfg, tokenizer, max_model_len=4096, script=None, fail_after=None):
        super().__init__(cfg)
        self.tokenizer, self.max_model_len = tokenizer, max_model_len
        self.script, self.fail_after, self.calls, self.requests = script, fail_after, 0, []

    def complete(self, requests):
        for i, r in enumerate(requests):
            if self.fail_after is not None and self.calls >= self.fail_after:
                raise RuntimeError("engine died")
            self.calls += 1
            self.requests.append(r)
            if self.script:
                text, finish, ntok = self.script(r)
            else:
                text, finish, ntok = f" answer {r.seed % 997}", "stop", 3
            yield i, Completion(text=text, finish_reason=finish, completion_tokens=min(ntok, r.max_tokens))


def problems(k=3):
    return [Problem(id=f"p{i}", problem=f"What is {i} + {i}?", answer=2 * i) for i in range(k)]


def cfg(**kw):
    return GenerateConfig(model="scripted", backend="hf", **kw)


def test_sample_seeds_are_stable_distinct_and_31_bit():
    a = sample_seed(0, "p1", 0)
    assert a == sample_seed(0, "p1", 0)
    seeds = {sample_seed(s, p, k) for s in (0, 1) for p in ("p1", "p2") for k in range(4)}
    assert len(seeds) == 16 and all(0 <= x < 2 ** 31 for x in seeds)


def test_generate_records_every_field(tokenizer):
    c = cfg(n=2, max_tokens=50)
    out = generate(problems(2), c, backend=ScriptedBackend(c, tokenizer), progress=False)
    assert [s.key for s in out] == [("p0", 0), ("p0", 1), ("p1", 0), ("p1", 1)]
    s = out[0]
    assert s.finish_reason == "stop" and s.completion_tokens == 3 and s.max_tokens == 50
    assert s.seed == sample_seed(0, "p0", 0) and s.response == f" answer {s.seed % 997}"
    assert s.prompt_tokens and s.prompt_tokens > 5 and s.model == "scripted"
    assert len(s.meta["prompt_sha256"]) == 16


def test_prompt_uses_chat_template_and_system_prompt(tokenizer):
    c = cfg(system_prompt="SYS PROMPT")
    b = ScriptedBackend(c, tokenizer)
    generate(problems(1), c, backend=b, progress=False)
    assert b.requests[0].prompt.startswith("<|im_start|>system\nSYS PROMPT<|im_end|>")
    assert b.requests[0].prompt.endswith("<|im_start|>assistant\n")
    assert b.requests[0].prompt_token_ids == list(tokenizer(b.requests[0].prompt, add_special_tokens=False)["input_ids"])


def test_tokenizer_without_chat_template_is_an_error(tokenizer):
    import copy

    tok = copy.deepcopy(tokenizer)
    tok.chat_template = None
    c = cfg()
    with pytest.raises(LimoError, match="chat template"):
        generate(problems(1), c, backend=ScriptedBackend(c, tok), progress=False)


def test_max_tokens_is_capped_to_the_context_left_never_the_prompt(tokenizer):
    c = cfg(max_tokens=1000)
    b = ScriptedBackend(c, tokenizer, max_model_len=120)
    s = generate(problems(1), c, backend=b, progress=False)[0]
    assert b.requests[0].max_tokens == 120 - len(b.requests[0].prompt_token_ids) == s.max_tokens
    assert s.meta["max_tokens_capped"] is True
    b = ScriptedBackend(c, tokenizer, max_model_len=10)  # the prompt alone does not fit
    s = generate(problems(1), c, backend=b, progress=False)[0]
    assert b.requests == [] and s.finish_reason == "prompt_too_long" and s.response == ""


def test_resume_after_a_crash_skips_done_samples_and_never_duplicates(tokenizer, tmp_path):
    c = cfg(n=3, temperature=0.7)
    whole = generate(problems(4), c, backend=ScriptedBackend(c, tokenizer), progress=False)
    out = tmp_path / "s.jsonl"
    with pytest.raises(RuntimeError, match="engine died"):
        generate(problems(4), c, out, backend=ScriptedBackend(c, tokenizer, fail_after=5), progress=False)
    assert len(read_records(out, Sample)) == 5  # saved as they finished
    with out.open("ab") as f:
        f.write(b'{"problem_id": "p3", "sample_')  # a torn line, as a kill mid-write leaves
    b = ScriptedBackend(c, tokenizer)
    resumed = generate(problems(4), c, out, backend=b, progress=False)
    assert b.calls == 12 - 5
    rows = read_records(out, Sample)
    assert len(rows) == 12 and len({r.key for r in rows}) == 12
    assert [s.to_dict() for s in resumed] == [s.to_dict() for s in whole]
    b = ScriptedBackend(c, tokenizer)
    generate(problems(4), c, out, backend=b, progress=False)
    assert b.calls == 0 and len(read_records(out, Sample)) == 12


def test_library_generate_refuses_to_resume_an_output_with_other_settings(tokenizer, tmp_path):
    """Called as a library (no CLI around it), generate() pins OUT.settings.json itself: resuming the same
    output with another temperature would otherwise append samples of two distributions to one file."""
    out, c = tmp_path / "s.jsonl", cfg(n=2, temperature=0.7)
    with pytest.raises(RuntimeError, match="engine died"):
        generate(problems(2), c, out, backend=ScriptedBackend(c, tokenizer, fail_after=1), progress=False)
    assert (tmp_path / "s.jsonl.settings.json").exists() and len(read_records(out, Sample)) == 1
    hotter = cfg(n=2, temperature=1.0)
    with pytest.raises(LimoError, match="temperature"):
        generate(problems(2), hotter, out, backend=ScriptedBackend(hotter, tokenizer), progress=False)
    assert len(read_records(out, Sample)) == 1  # nothing appended
    b = ScriptedBackend(c, tokenizer)
    generate(problems(2), c, out, backend=b, progress=False)  # the same settings resume
    assert b.calls == 3 and len(read_records(out, Sample)) == 4


def test_select_restricts_to_a_shard(tokenizer):
    c = cfg(n=2)
    out = generate(problems(3), c, backend=ScriptedBackend(c, tokenizer), progress=False,
                   select=lambda pid, k: k == 1)
    assert [s.key for s in out] == [("p0", 1), ("p1", 1), ("p2", 1)]


def test_budget_forcing_appends_wait_then_forces_the_answer(tokenizer):
    def script(r):  # stops early twice, then thinks until the cap, then answers
        if r.prompt.endswith("\\boxed{"):
            return "42}", "stop", 2
        if r.prompt.count("Wait") < 2:
            return " short", "stop", 4
        return " long thinking", "length", r.max_tokens

    c = cfg(max_tokens=100, min_thinking_tokens=10, max_thinking_tokens=30, max_waits=5, answer_tokens=7)
    b = ScriptedBackend(c, tokenizer, script=script)
    s = generate(problems(1), c, backend=b, progress=False)[0]
    assert s.response == " short\nWait short\nWait long thinking\n\n**Final Answer**\n\\boxed{42}"
    assert [r.max_tokens for r in b.requests] == [30, 26, 22, 7]
    assert s.completion_tokens == 4 + 4 + 22 + 2 and s.finish_reason == "stop"
    assert s.meta["budget"] == {"waits": 2, "forced_answer": True, "rounds": 4}
    assert len({r.seed for r in b.requests}) == 4  # each round its own seed


def test_budget_forcing_gives_back_the_suffix_when_no_room_is_left(tokenizer):
    c = cfg(max_tokens=100, max_thinking_tokens=20)
    ids_len = len(ScriptedBackend(c, tokenizer).tokenizer(
        tokenizer.apply_chat_template([{"role": "system", "content": c.system_prompt},
                                       {"role": "user", "content": "What is 0 + 0?"}],
                                      tokenize=False, add_generation_prompt=True))["input_ids"])
    b = ScriptedBackend(c, tokenizer, max_model_len=ids_len + 20,
                        script=lambda r: ("1" * r.max_tokens, "length", r.max_tokens))  # digits: 1 token each
    s = generate(problems(1), c, backend=b, progress=False)[0]
    assert s.response == "1" * 20 and s.meta["budget"]["forced_answer"] is False
    assert len(b.requests) == 1


def test_budget_forcing_needs_completions_mode_with_openai():
    from limo.generate.runner import _check_budget_support

    b = Backend(cfg())
    b.name, b.tokenizer = "openai", object()
    with pytest.raises(ConfigError, match="completions"):
        _check_budget_support(cfg(min_thinking_tokens=5, openai_mode="chat"), b)
    _check_budget_support(cfg(min_thinking_tokens=5, openai_mode="completions"), b)
    b.tokenizer = None
    with pytest.raises(ConfigError, match="needs a tokenizer"):
        _check_budget_support(cfg(openai_mode="completions"), b)


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(LimoError, match="hf, openai, vllm"):
        get_backend(GenerateConfig(model="m", backend="nope"))


def test_duplicate_problem_ids_are_refused(tokenizer):
    c = cfg()
    with pytest.raises(ConfigError, match="unique"):
        generate(problems(1) * 2, c, backend=ScriptedBackend(c, tokenizer), progress=False)
