"""Training data: read any supported format, render through the chat template, mask, audit, measure.

Every sample becomes `[system (LIMO prompt), user (question)] + assistant (chain)`. The prompt part is
rendered by the model's own chat template with `add_generation_prompt=True`; the trained part is exactly
the chain followed by the end-of-turn (stop) token, so the loss falls on the answer tokens + stop token and
nothing else. We tokenize ourselves and hand TRL `input_ids` + `labels` (TRL then neither re-tokenizes nor
truncates), because the checks below must see exactly what will be trained:

- no sample may have empty trained tokens, lose its final `\\boxed{}` answer, or lack the stop token;
- lengths are measured up front and an over-length sample is an error (or, by explicit policy, dropped and
  counted) — never silently truncated, which is how long-CoT SFT loses answers and EOS (train.md §4).

Every problem is collected and reported at once, naming file:line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limo.errors import LimoError, RecordError
from limo.jsonl import iter_jsonl
from limo.records import Problem
from limo.train.config import TrainConfig

PROMPT_FIELDS = ("question", "problem")
RESPONSE_FIELDS = ("solution",)
MAX_SHOWN = 20  # problems listed in one error message


@dataclass
class Conversation:
    """One training sample before tokenization; `where` names its origin (file:line or hub:index)."""

    where: str
    prompt: list[dict[str, str]]
    response: str


@dataclass
class DataReport:
    """What the data step did, written to <output_dir>/data_report.json and printed."""

    rows: int = 0
    kept: int = 0
    dropped_overlength: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    trained_tokens: list[int] = field(default_factory=list)
    example: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        n = max(len(self.tokens), 1)
        return {"rows": self.rows, "kept": self.kept, "dropped_overlength": len(self.dropped_overlength),
                "dropped_where": self.dropped_overlength[:MAX_SHOWN],
                "tokens_total": sum(self.tokens), "tokens_max": max(self.tokens, default=0),
                "tokens_mean": round(sum(self.tokens) / n, 1),
                "trained_tokens_total": sum(self.trained_tokens), "example": self.example}


# --- reading ------------------------------------------------------------------------------------------

def read_rows(cfg: TrainConfig) -> list[tuple[str, dict[str, Any]]]:
    """All rows of all inputs as (where, row), filtered by `where` and cut to `limit`."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for source in cfg.data_paths:
        rows.extend(_read_source(source, cfg.data_split))
    if cfg.where:
        rows = [(w, r) for w, r in rows if all(r.get(k) == v for k, v in cfg.where.items())]
    if cfg.limit is not None:
        rows = rows[: cfg.limit]
    if not rows:
        raise LimoError(f"no training rows in {cfg.data_paths}" + (f" matching where={cfg.where}" if cfg.where else ""))
    return rows


def _read_source(source: str, split: str) -> list[tuple[str, dict[str, Any]]]:
    path = Path(source)
    if path.suffix == ".jsonl":
        return [(f"{path}:{n}", row) for n, row in iter_jsonl(path)]
    if path.suffix == ".json":
        if not path.exists():
            raise RecordError(f"{path}: no such file")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError:  # a .json file holding JSON lines (as some LIMO releases do)
            return [(f"{path}:{n}", row) for n, row in iter_jsonl(path)]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise RecordError(f"{path}: expected a JSON array of objects")
        return [(f"{path}[{i}]", row) for i, row in enumerate(data)]
    if path.exists():
        raise LimoError(f"{path}: unsupported data file (use .jsonl or .json, or a hub dataset id)")
    return _read_hub(source, split)


def _read_hub(name: str, split: str) -> list[tuple[str, dict[str, Any]]]:
    from datasets import load_dataset

    try:
        ds = load_dataset(name, split=split)
    except Exception as e:  # the hub client raises many types; the user needs the name and the reason
        raise LimoError(f"data {name!r} is not a local file and could not be loaded from the hub: {e}") from e
    return [(f"{name}[{i}]", dict(row)) for i, row in enumerate(ds)]


# --- formats ------------------------------------------------------------------------------------------

def detect_format(row: dict[str, Any]) -> str:
    """problem (limo curated Problem record), messages, or question (question|problem + solution)."""
    if "messages" in row:
        return "messages"
    problem_fields = set(Problem.__dataclass_fields__)
    if {"id", "problem", "answer"} <= set(row) and set(row) <= problem_fields:
        return "problem"
    return "question"


def to_conversation(where: str, row: dict[str, Any], cfg: TrainConfig) -> Conversation:
    """Turn one row of any supported format into a Conversation; RecordError names the row."""
    fmt = cfg.data_format if cfg.data_format != "auto" else detect_format(row)
    system = [{"role": "system", "content": cfg.system_prompt}] if cfg.system_prompt else []
    if fmt == "messages":
        return _from_messages(where, row, system)
    if fmt == "problem":
        rec = Problem.from_dict(row, where)
        question, response = rec.problem, rec.solution
    else:
        question = _field(row, where, cfg.prompt_field, PROMPT_FIELDS)
        response = _field(row, where, cfg.response_field, RESPONSE_FIELDS)
    if not isinstance(response, str) or not response.strip():
        raise RecordError(f"{where}: empty or missing solution (the chain to train on)")
    return Conversation(where, system + [{"role": "user", "content": str(question)}], response.strip())


def _field(row: dict[str, Any], where: str, override: str | None, names: tuple[str, ...]) -> Any:
    for name in ([override] if override else names):
        if name in row and row[name] is not None:
            return row[name]
    raise RecordError(f"{where}: no {' or '.join(repr(n) for n in ([override] if override else names))} field; "
                      f"fields are {sorted(row)} (set prompt_field/response_field or data_format)")


def _from_messages(where: str, row: dict[str, Any], system: list[dict[str, str]]) -> Conversation:
    msgs = row["messages"]
    if (not isinstance(msgs, list) or not msgs or not all(isinstance(m, dict) and {"role", "content"} <= set(m)
                                                          for m in msgs)):
        raise RecordError(f"{where}: messages must be a non-empty list of {{role, content}} objects")
    if msgs[-1]["role"] != "assistant":
        raise RecordError(f"{where}: the last message must be the assistant's (the turn that is trained)")
    msgs = [{"role": m["role"], "content": m["content"]} for m in msgs]
    if msgs[0]["role"] == "system":
        if system and msgs[0]["content"] != system[0]["content"]:
            raise RecordError(f"{where}: the row has its own system prompt, which differs from the configured "
                              f"system_prompt; set system_prompt=null to keep the row's")
        system, msgs = [msgs[0]], msgs[1:]
    return Conversation(where, system + msgs[:-1], str(msgs[-1]["content"]).strip())


# --- rendering, masking and audit ---------------------------------------------------------------------

def encode(conv: Conversation, tokenizer: Any, stop: str) -> tuple[list[int], list[int]]:
    """(input_ids, labels): the templated prompt (labels -100) + the chain and stop token (trained)."""
    prompt_text = tokenizer.apply_chat_template(conv.prompt, tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(conv.prompt + [{"role": "assistant", "content": conv.response}],
                                              tokenize=False)
    if not full_text.startswith(prompt_text) or not full_text[len(prompt_text):].startswith(conv.response + stop):
        raise LimoError(f"{conv.where}: the chat template does not render the assistant turn as "
                        f"<generation prompt> + content + {stop!r}; it may rewrite the content (e.g. strip "
                        f"<think> reasoning). Use a template that keeps the chain verbatim.")
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    completion_ids = tokenizer(conv.response + stop, add_special_tokens=False)["input_ids"]
    return prompt_ids + completion_ids, [-100] * len(prompt_ids) + completion_ids


def audit(conv: Conversation, labels: list[int], tokenizer: Any, stop_id: int, require_boxed: bool) -> str | None:
    """Why this sample's trained tokens are unusable, or None. Checks what will actually be trained."""
    trained = [t for t in labels if t != -100]
    if len(trained) < 2:
        return "no trained tokens besides the stop token (empty answer)"
    if trained[-1] != stop_id:
        return "trained tokens do not end with the stop token (the model would never learn to stop)"
    if require_boxed:
        last = conv.response.rfind("\\boxed{")
        if last < 0:
            return "the chain has no \\boxed{} final answer (set require_boxed=false for other data)"
        decoded = "".join(tokenizer.decode(trained, skip_special_tokens=False).split())
        if "".join(conv.response[last:].split()) not in decoded:
            return "the final \\boxed{} answer is not among the trained tokens"
    return None


def build_dataset(cfg: TrainConfig, tokenizer: Any,
                  rows: list[tuple[str, dict[str, Any]]] | None = None) -> tuple[Any, DataReport]:
    """Read (unless `rows` are given), render, audit and measure every sample; returns
    (datasets.Dataset, DataReport).

    Raises one LimoError listing every bad sample if any sample fails the audit, or if any is over
    `max_length` while `overflow=error`.
    """
    from datasets import Dataset
    from tqdm import tqdm

    stop = cfg.stop_token or tokenizer.eos_token
    stop_id = tokenizer.convert_tokens_to_ids(stop) if stop else None
    if stop_id is None or stop_id == tokenizer.unk_token_id:
        raise LimoError(f"stop token {stop!r} is not a single token of this tokenizer; set stop_token")
    rows = read_rows(cfg) if rows is None else rows
    report, problems, long = DataReport(rows=len(rows)), [], []
    columns: dict[str, list[list[int]]] = {"input_ids": [], "labels": []}
    for where, row in tqdm(rows, desc="tokenizing", unit="sample", disable=len(rows) < 500):
        try:
            conv = to_conversation(where, row, cfg)
            ids, labels = encode(conv, tokenizer, stop)
        except LimoError as e:  # collected: every bad row is reported in one error
            problems.append(str(e))
            continue
        problem = audit(conv, labels, tokenizer, stop_id, cfg.require_boxed)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        if len(ids) > cfg.max_length:
            long.append(f"{where}: {len(ids)} tokens")
            continue
        if not report.example:
            report.example = {"where": where, "prompt": tokenizer.decode([t for t, l in zip(ids, labels) if l == -100]),
                              "trained": tokenizer.decode([t for t in labels if t != -100])}
        columns["input_ids"].append(ids)
        columns["labels"].append(labels)
        report.tokens.append(len(ids))
        report.trained_tokens.append(sum(t != -100 for t in labels))
    if problems:
        raise LimoError(_listing(f"{len(problems)} sample(s) cannot be trained on", problems))
    if long and cfg.overflow == "error":
        raise LimoError(_listing(f"{len(long)} sample(s) longer than max_length={cfg.max_length} (they are never "
                                 f"truncated; raise max_length or set overflow=drop)", long))
    report.dropped_overlength = long
    report.kept = len(columns["input_ids"])
    if not report.kept:
        raise LimoError(f"all {len(rows)} samples are longer than max_length={cfg.max_length}")
    return Dataset.from_dict(columns), report


def _listing(head: str, items: list[str]) -> str:
    more = f"\n  ... and {len(items) - MAX_SHOWN} more" if len(items) > MAX_SHOWN else ""
    return head + ":\n" + "\n".join(f"  - {i}" for i in items[:MAX_SHOWN]) + more
