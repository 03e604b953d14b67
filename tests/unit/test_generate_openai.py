"""The openai backend against a fake OpenAI-compatible server on 127.0.0.1 (real HTTP, real openai client):
retries and Retry-After, malformed replies, stalls, completed samples kept after a failure, reasoning
models, the API key. Every test bounds the number of requests the server answers."""

from __future__ import annotations

import threading
import time

import pytest
from fake_openai import FakeOpenAI, Reply, chat_chunks, stream

from limo.errors import LimoError
from limo.generate import GenerateConfig, generate
from limo.generate.backends import Request
from limo.generate.backends.openai_backend import OpenAIBackend
from limo.records import Problem, Sample, read_records

FAST = {"retry-after-ms": "1"}  # the client's own backoff, shortened for tests through the server's header


def cfg(server, **kw):
    return GenerateConfig(**{"model": "m", "backend": "openai", "base_url": server.url, "max_model_len": 4096,
                             "max_retries": 3, **kw})


def request(seed=1):
    return Request(prompt="", prompt_token_ids=None, messages=[{"role": "user", "content": "q"}],
                   max_tokens=5, temperature=0.0, top_p=1.0, top_k=-1, seed=seed)


def complete(server, **kw):
    with OpenAIBackend(cfg(server, **kw)) as b:
        return list(b.complete([request()]))


def test_server_errors_are_retried_by_the_client_then_succeed():
    def reply(n, path, body, headers):
        return Reply(500, {"error": {"message": "busy"}}, FAST) if n < 2 else stream("hi")

    with FakeOpenAI(reply) as server:
        ((i, comp),) = complete(server)
    assert len(server.requests) == 3 and (i, comp.text, comp.finish_reason) == (0, "hi", "stop")
    assert (comp.completion_tokens, comp.prompt_tokens) == (2, 7)
    body = server.requests[0][1]
    assert body["seed"] == 1 and body["max_tokens"] == 5 and body["stream"] is True


def test_retry_after_is_honoured():
    def reply(n, path, body, headers):
        return Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "1"}) if n == 0 else stream("ok")

    with FakeOpenAI(reply) as server:
        ((_, comp),) = complete(server)
    (_, _, _, t0), (_, _, _, t1) = server.requests
    assert comp.text == "ok" and t1 - t0 >= 0.95  # the server asked for 1 s (the old loop waited 0.25-0.75 s)


def test_gives_up_after_max_retries_naming_the_server_and_never_retries_client_errors():
    with FakeOpenAI(lambda n, *a: Reply(503, {"error": {"message": "down"}}, FAST)) as server:
        with pytest.raises(LimoError, match=rf"{server.url}: HTTP 503 after 4 attempts"):
            complete(server)
    assert len(server.requests) == 4
    with FakeOpenAI(lambda n, *a: Reply(400, {"error": {"message": "context too long"}})) as server:
        with pytest.raises(LimoError, match="HTTP 400: .*context too long"):
            complete(server)
    assert len(server.requests) == 1


@pytest.mark.parametrize("bad", [
    Reply(200, {"unexpected": "body"}),                       # a 200 that is not a completion at all
    Reply(chunks=[{"id": "c", "object": "chat.completion.chunk", "choices": []}]),  # empty choices
    Reply(chunks=[{"choices": "nope"}]),                       # malformed chunk
    Reply(200, b"data: {not json\n\n"),                        # not JSON
    Reply(chunks=chat_chunks("cut", finish=None, usage=None), done=False),  # stream cut off
])
def test_malformed_replies_are_retried_then_a_clean_error_names_the_server(bad):
    with FakeOpenAI(lambda n, *a: bad) as server:
        with pytest.raises(LimoError, match=rf"openai backend: {server.url}: giving up after 2 attempts"):
            complete(server, max_retries=1)
    assert len(server.requests) == 2


def test_a_malformed_reply_once_is_asked_again():
    with FakeOpenAI(lambda n, *a: Reply(200, {"choices": []}) if n == 0 else stream("fine")) as server:
        ((_, comp),) = complete(server)
    assert comp.text == "fine" and len(server.requests) == 2


def test_a_stalled_server_is_detected_within_the_stall_timeout():
    def reply(n, path, body, headers):  # headers and a first chunk, then silence
        return Reply(chunks=chat_chunks("x")[:2], stall=10.0)

    with FakeOpenAI(reply) as server:
        start = time.monotonic()
        with pytest.raises(LimoError, match="no data for 0.3 s .stall_timeout"):
            complete(server, stall_timeout=0.3, max_retries=1)
        assert time.monotonic() - start < 5 and len(server.requests) == 2  # not the server's 10 s
    default = GenerateConfig(model="m")  # a hung server is given up after at most 30 min by default
    assert default.stall_timeout * (default.max_retries + 1) <= 1800


def test_completed_samples_are_saved_when_another_request_fails(tmp_path):
    release = threading.Event()

    def reply(n, path, body, headers):
        if "bad" in body["messages"][-1]["content"]:
            threading.Timer(1.0, release.set).start()
            return Reply(400, {"error": {"message": "bad request"}})
        release.wait(10)  # still in flight when the failure arrives
        return stream(f"done {body['messages'][-1]['content']}")

    problems = [Problem(id=p, problem=p, answer=1) for p in ("a", "b", "bad", "c")]
    out = tmp_path / "s.jsonl"
    with FakeOpenAI(reply) as server:
        with pytest.raises(LimoError, match="bad request.*saved: rerun to resume"):
            generate(problems, cfg(server, concurrency=4, system_prompt=None), out, progress=False)
    saved = read_records(out, Sample)
    assert sorted(s.problem_id for s in saved) == ["a", "b", "c"]
    assert all(s.response == f"done {s.problem_id}" for s in saved)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])  # DeepSeek API / vLLM's parser
def test_reasoning_models_keep_the_chain_in_think_tags(field):
    def reply(n, path, body, headers):
        return stream("The answer is \\boxed{4}.", reasoning="2+2: let me check... 4.", reasoning_field=field)

    with FakeOpenAI(reply) as server:
        (s,) = generate([Problem(id="q", problem="2+2?", answer=4)], cfg(server), progress=False)
    assert s.response == "<think>\n2+2: let me check... 4.\n</think>\n\nThe answer is \\boxed{4}."
    from limo.grade import grade

    assert grade(s.response, 4).correct


def test_the_named_key_is_sent_and_a_missing_one_is_warned_about(monkeypatch, capsys):
    monkeypatch.setenv("LIMO_TEST_KEY", "s3cret-value-123")
    with FakeOpenAI(lambda n, *a: stream("hi")) as server:
        complete(server, api_key_env="LIMO_TEST_KEY")
        assert server.requests[0][2]["authorization"] == "Bearer s3cret-value-123"
        assert "warning" not in capsys.readouterr().err
        monkeypatch.delenv("LIMO_TEST_KEY")
        complete(server, api_key_env="LIMO_TEST_KEY")
    assert "$LIMO_TEST_KEY is not set" in capsys.readouterr().err


def test_max_model_len_is_read_from_the_server():
    def reply(n, path, body, headers):
        return Reply(200, {"object": "list", "data": [{"id": "m", "object": "model", "max_model_len": 2048}]})

    with FakeOpenAI(reply) as server:
        with OpenAIBackend(cfg(server, max_model_len=None)) as b:
            assert b.max_model_len == 2048
