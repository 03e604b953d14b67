"""A key given on the command line is refused (never abbreviated into --api-key-env), the named key is
sent, and no file limo writes (samples, provenance, RUN/config.json, results.json) ever holds a secret."""

from __future__ import annotations

import argparse
import json
import sys

import pytest
from fake_openai import FakeOpenAI, Reply, stream

from limo.cli import COMMANDS, build_parser, main
from limo.provenance import write_provenance
from limo.redact import REDACTED, redact_argv
from limo.records import Problem, write_records

SECRET = "s3cret-Value-0987"


def _parsers(p: argparse.ArgumentParser):
    yield p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_no_parser_matches_abbreviated_flags():
    parsers = [sub for name in COMMANDS for sub in _parsers(build_parser(name)[1])]
    assert len(parsers) > len(COMMANDS)  # curate's stage subparsers are walked too
    assert [p.prog for p in parsers if p.allow_abbrev] == []


@pytest.mark.parametrize("flags", [["--api-key", SECRET], [f"--api-key={SECRET}"], ["--temp", "0.7"]])
def test_a_key_or_an_abbreviation_on_the_command_line_is_refused_without_echoing_it(tmp_path, capsys, flags):
    inp = tmp_path / "p.jsonl"
    write_records(inp, [Problem(id="a", problem="x", answer=1)])
    with pytest.raises(SystemExit) as e:
        main(["generate", "--model", "m", "--backend", "openai", "--input", str(inp),
              "--output", str(tmp_path / "o.jsonl"), *flags])
    err = capsys.readouterr().err
    assert e.value.code == 2 and SECRET not in err and not (tmp_path / "o.jsonl").exists()
    assert ("--api-key-env VAR" in err) if "key" in flags[0] else ("unrecognized arguments: --temp" in err)


@pytest.mark.parametrize("value", ["sk-abcdefghijklmnopqrstuvwxyz", "hf_abcdefghijklmnopqrstuvwxyz", "my key"])
def test_api_key_env_must_name_a_variable(tmp_path, capsys, value):
    inp = tmp_path / "p.jsonl"
    write_records(inp, [Problem(id="a", problem="x", answer=1)])
    code = main(["generate", "--model", "m", "--backend", "openai", "--input", str(inp),
                 "--output", str(tmp_path / "o.jsonl"), "--api-key-env", value])
    err = capsys.readouterr().err
    assert code == 2 and "api_key_env: " in err and "must name an environment variable" in err and value not in err


def test_provenance_redacts_argv_config_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("HF_TOKEN", "hf_abcdefghijklmnopqrstuvwxyz")
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "1")
    monkeypatch.setattr(sys, "argv", ["limo", "x", "--token=abc123", "--hf-token", "zzz999",
                                      f"--note={SECRET}", "--base-url", "https://user:pw0rd@host/v1"])
    path = write_provenance(tmp_path, {"api_key": "k-777", "base_url": "https://user:pw0rd@host/v1",
                                       "prompt": f"use {SECRET}", "stop_token": "<|im_end|>"})
    text = path.read_text()
    for secret in (SECRET, "abc123", "zzz999", "pw0rd", "k-777", "hf_abcdefghijklmnopqrstuvwxyz"):
        assert secret not in text
    record = json.loads(text)
    assert record["env"]["OPENAI_API_KEY"] == REDACTED and record["env"]["VLLM_CPU_KVCACHE_SPACE"] == "1"
    assert record["config"]["stop_token"] == "<|im_end|>"  # not a secret: kept
    assert redact_argv(["--api-key-env", "MY_KEY", "--max-tokens", "5"]) == ["--api-key-env", "MY_KEY",
                                                                           "--max-tokens", "5"]


def test_eval_through_a_server_sends_the_key_and_writes_it_nowhere(tmp_path, monkeypatch):
    data = tmp_path / "bench" / "demo_arith" / "test.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("".join(json.dumps({"id": f"q{i}", "problem": f"{i}+{i}?", "answer": 2 * i, "kind": "add",
                                        "level": 1}) + "\n" for i in range(2)))
    monkeypatch.setenv("LIMO_TEST_KEY", SECRET)

    def reply(n, path, body, headers):
        if path.endswith("/models"):
            return Reply(200, {"object": "list", "data": [{"id": "m", "object": "model", "max_model_len": 512}]})
        return stream("\\boxed{2}")

    run = tmp_path / "RUN"
    with FakeOpenAI(reply) as server:
        argv = ["eval", "--model", "m", "--backend", "openai", "--base-url", server.url, "--api-key-env",
                "LIMO_TEST_KEY", "--benchmarks", "demo_arith", "--data-dir", str(tmp_path / "bench"),
                "--output-dir", str(run), "--no-progress", "--bootstrap-iters", "10"]
        monkeypatch.setattr(sys, "argv", ["limo", *argv])
        assert main(argv) == 0
    assert {h["authorization"] for _, _, h, _ in server.requests} == {f"Bearer {SECRET}"}
    written = [p for p in run.rglob("*") if p.is_file()]
    assert any(p.name == "results.json" for p in written) and any(p.name == "config.json" for p in written)
    assert [p for p in written if SECRET.encode() in p.read_bytes()] == []
