"""Training data: formats, chat-template rendering, the assistant-only mask, the audit and the length
policy (tiny model tokenizer, no training)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from limo.errors import LimoError  # noqa: E402
from limo.jsonl import write_jsonl  # noqa: E402
from limo.prompts import LIMO_SYSTEM_PROMPT  # noqa: E402
from limo.train.config import TrainConfig  # noqa: E402
from limo.train.data import build_dataset, detect_format, encode, read_rows, to_conversation  # noqa: E402
from limo.train.toy import toy_problems  # noqa: E402

Q, A = "What is 6 times 7?", "6 * 7 = 42. Wait, let me check: 7 * 6 = 42. So the answer is \\boxed{42}."


@pytest.fixture(scope="module")
def tokenizer(tiny_model: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def cfg(data, tmp_path: Path, **kw) -> TrainConfig:
    return TrainConfig(data=str(data), output_dir=str(tmp_path / "out"), **kw)


def test_every_format_gives_the_same_conversation(tmp_path):
    rows = {
        "problem": {"id": "p1", "problem": Q, "answer": "42", "solution": A, "source": "x"},
        "question": {"question": Q, "solution": A, "answer": "42"},
        "problem_solution": {"problem": Q, "solution": A, "level": "Level 1", "is_correct": True},
        "messages": {"messages": [{"role": "user", "content": Q}, {"role": "assistant", "content": A}]},
    }
    convs = {}
    for name, row in rows.items():
        write_jsonl(tmp_path / f"{name}.jsonl", [row])
        c = cfg(tmp_path / f"{name}.jsonl", tmp_path)
        (where, r), = read_rows(c)
        convs[name] = to_conversation(where, r, c)
    assert detect_format(rows["problem"]) == "problem" and detect_format(rows["messages"]) == "messages"
    expected = [{"role": "system", "content": LIMO_SYSTEM_PROMPT}, {"role": "user", "content": Q}]
    for conv in convs.values():
        assert conv.prompt == expected and conv.response == A


def test_json_array_and_where_and_limit(tmp_path):
    path = tmp_path / "limo.json"
    path.write_text(json.dumps([{"question": Q, "solution": A, "ok": i % 2 == 0} for i in range(6)]))
    assert len(read_rows(cfg(path, tmp_path, where={"ok": True}, limit=2))) == 2
    assert len(read_rows(cfg(path, tmp_path, where={"ok": True}))) == 3


def test_mask_is_exactly_answer_tokens_and_stop_token(tokenizer, tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [{"question": Q, "solution": A}])
    c = cfg(tmp_path / "d.jsonl", tmp_path)
    (where, row), = read_rows(c)
    conv = to_conversation(where, row, c)
    ids, labels = encode(conv, tokenizer, tokenizer.eos_token)
    trained = [t for t in labels if t != -100]
    n_prompt = labels.index(next(t for t in labels if t != -100))
    assert trained == tokenizer(A, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert all(lab == -100 for lab in labels[:n_prompt]) and labels[n_prompt:] == ids[n_prompt:]
    prompt = tokenizer.apply_chat_template(conv.prompt, tokenize=False, add_generation_prompt=True)
    assert tokenizer.decode(ids[:n_prompt]) == prompt  # rendered by the model's own chat template
    assert LIMO_SYSTEM_PROMPT in prompt and tokenizer.decode(trained) == A + "<|im_end|>"


def test_audit_reports_every_bad_sample_at_once(tokenizer, tmp_path):
    rows = [{"question": Q, "solution": A}, {"question": Q, "solution": "no final answer here"},
            {"question": Q, "solution": "   "}, {"question": Q, "solution": "still nothing boxed"}]
    write_jsonl(tmp_path / "d.jsonl", rows)
    with pytest.raises(LimoError) as e:
        build_dataset(cfg(tmp_path / "d.jsonl", tmp_path), tokenizer)
    msg = str(e.value)
    assert "3 sample(s) cannot be trained on" in msg
    assert "d.jsonl:2: the chain has no \\boxed{}" in msg and "d.jsonl:3: empty or missing solution" in msg
    assert "d.jsonl:4" in msg and "d.jsonl:1" not in msg
    write_jsonl(tmp_path / "d.jsonl", [r for r in rows if r["solution"].strip()])
    ds, report = build_dataset(cfg(tmp_path / "d.jsonl", tmp_path, require_boxed=False), tokenizer)
    assert report.kept == 3


def test_over_length_is_an_error_or_dropped_and_counted_never_truncated(tokenizer, tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [p.to_dict() for p in toy_problems(12, seed=3)])
    ds, full = build_dataset(cfg(tmp_path / "d.jsonl", tmp_path, max_length=4096), tokenizer)
    cut = sorted(full.tokens)[6]
    n_long = sum(t > cut for t in full.tokens)
    with pytest.raises(LimoError, match=f"{n_long} sample\\(s\\) longer than max_length={cut}"):
        build_dataset(cfg(tmp_path / "d.jsonl", tmp_path, max_length=cut), tokenizer)
    ds, rep = build_dataset(cfg(tmp_path / "d.jsonl", tmp_path, max_length=cut, overflow="drop"), tokenizer)
    assert len(rep.dropped_overlength) == n_long and rep.kept == 12 - n_long == len(ds)
    assert all(len(x) <= cut and x[-1] == tokenizer.eos_token_id for x in ds["input_ids"])  # whole samples only


def test_messages_with_a_different_system_prompt_is_an_error(tmp_path):
    row = {"messages": [{"role": "system", "content": "You are a helpful assistant."},
                        {"role": "user", "content": Q}, {"role": "assistant", "content": A}]}
    write_jsonl(tmp_path / "d.jsonl", [row])
    c = cfg(tmp_path / "d.jsonl", tmp_path)
    (where, r), = read_rows(c)
    with pytest.raises(LimoError, match="system prompt"):
        to_conversation(where, r, c)
    kept = to_conversation(where, r, cfg(tmp_path / "d.jsonl", tmp_path, system_prompt=None))
    assert kept.prompt[0]["content"] == "You are a helpful assistant."


def test_unsupported_or_missing_fields_name_the_row(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [{"prompt_text": Q, "chain": A}])
    c = cfg(tmp_path / "d.jsonl", tmp_path)
    (where, r), = read_rows(c)
    with pytest.raises(LimoError, match=r"d\.jsonl:1: no 'question' or 'problem' field"):
        to_conversation(where, r, c)
    c2 = cfg(tmp_path / "d.jsonl", tmp_path, prompt_field="prompt_text", response_field="chain")
    assert to_conversation(where, r, c2).response == A


def test_a_template_that_rewrites_the_chain_is_refused(tokenizer, tmp_path):
    """R1-distill-style templates drop the <think> part of assistant turns: training through them would
    silently lose the reasoning, so rendering refuses."""
    import copy

    from limo.tiny import CHAT_TEMPLATE

    stripping = copy.deepcopy(tokenizer)
    stripping.chat_template = CHAT_TEMPLATE.replace("message['content'] + '<|im_end|>'",
                                                    "message['content'].split('</think>')[-1] + '<|im_end|>'")
    write_jsonl(tmp_path / "d.jsonl", [{"question": Q, "solution": "<think>hmm</think> " + A}])
    with pytest.raises(LimoError, match="d.jsonl:1: the chat template does not render the assistant turn"):
        build_dataset(cfg(tmp_path / "d.jsonl", tmp_path), stripping)
    ds, rep = build_dataset(cfg(tmp_path / "d.jsonl", tmp_path), tokenizer)
    assert "<think>hmm</think>" in rep.example["trained"]
