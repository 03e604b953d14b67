"""The knowledge stage: pre-train the tiny model on worked additions, and measure what it knows.

This stands in for pre-training, where a real base model learns its maths: a causal LM objective over
every token of a text corpus (plain text and unboxed chat answers, no `\\boxed{}`), one whole
document per batch row.  It is a plain PyTorch loop over a transformers model rather than `limo train`,
because `limo train` is SFT (chat turns, loss on the answer only), which is exactly what this is not.

`knowledge_score` measures the claim "the base already knows", greedily, in the base's own format: asked
the held-out question as `limo eval` asks it, does its unboxed answer state the right sum ("chat"), or,
for a plain-text corpus, does it complete a knowledge text's first line with the right sum ("text").
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from limo.demo.problems import knowledge_prompt, parse_chat_answer, parse_knowledge_answer


def _batch(rows: Sequence[list[int]], pad: int) -> dict[str, Any]:
    """Right-padded input_ids / attention_mask / labels (-100 on padding) for per-document batches:
    every document starts at position 0, as a prompt does when the model is later asked to complete one."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, -100)}


def pretrain(model_dir: Path, texts: Sequence[str], out_dir: Path, *, epochs: float, learning_rate: float,
             batch_size: int, seed: int, warmup_frac: float = 0.05, threads: int = 1,
             on_step: Callable[[int, int, float], None] | None = None) -> list[float]:
    """Train `model_dir` on `texts` as a causal LM into `out_dir`; returns the per-step losses.

    `batch_size` documents a step, each from position 0 (padded), as a prompt is when the model is later
    asked to complete one. Measured on the knowledge stage alone (README): 256-token packed blocks with
    arbitrary offsets, 4 a step (2 layers), learned 29.5% in 2,416 steps; 8 whole documents a step
    (4 layers) 99% in 1,240 (in-dist own-format knowledge).
    Deterministic for a seed on one machine: seeded init order, seeded shuffles, `threads` CPU threads
    (1 by default: on 2 shared cores, 1 thread ran a step 5x faster than 2 at load 5, measured).
    `on_step(step, total, loss)` reports progress (the demo's progress bar).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _train(model_dir, texts, out_dir, epochs, learning_rate, batch_size, seed, warmup_frac, on_step)
    finally:
        torch.set_num_threads(before)


def _train(model_dir: Path, texts: Sequence[str], out_dir: Path, epochs: float, learning_rate: float,
           batch_size: int, seed: int, warmup_frac: float,
           on_step: Callable[[int, int, float], None] | None) -> list[float]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.train()
    ids = tok(list(texts), add_special_tokens=False)["input_ids"]
    sep = tok.convert_tokens_to_ids("<|endoftext|>")
    rows = [[*doc, sep] for doc in ids]  # the separator teaches the model where a document ends
    steps_per_epoch = max(1, len(rows) // batch_size)
    total = max(1, round(epochs * steps_per_epoch))
    opt = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01, betas=(0.9, 0.98))
    warmup = max(1, round(total * warmup_frac))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    rng = random.Random(seed)
    losses: list[float] = []
    order: list[int] = []
    for step in range(total):
        if len(order) < batch_size:  # a fresh seeded shuffle per epoch
            perm = list(range(len(rows)))
            rng.shuffle(perm)
            order += perm
        batch = _batch([rows[i] for i in order[:batch_size]], sep)
        del order[:batch_size]
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if on_step:
            on_step(step + 1, total, losses[-1])
    # A pre-training document ends with <|endoftext|>, so generation stops there as well as at the chat's
    # end of turn: the base model then answers a question with one document, not until max_tokens.
    eos = model.generation_config.eos_token_id
    model.generation_config.eos_token_id = [*(eos if isinstance(eos, list) else [eos]), sep]
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return losses


def complete(model_dir: Path, prompts: Sequence[str], max_new_tokens: int, batch_size: int = 64,
             stop: str = "<|endoftext|>", on_batch: Callable[[int], None] | None = None) -> list[str]:
    """Greedy completions of plain-text prompts (no chat template), batched with left padding."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    tok.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    stop_id = tok.convert_tokens_to_ids(stop)
    out: list[str] = []
    for i in range(0, len(prompts), batch_size):
        enc = tok(list(prompts[i:i + batch_size]), return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=stop_id,
                                 pad_token_id=tok.pad_token_id)
        out += tok.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
        if on_batch:
            on_batch(len(out))
    return out


def knowledge_score(model_dir: Path, pairs: Sequence[tuple[int, int]], max_new_tokens: int = 160,
                    on_batch: Callable[[int], None] | None = None, n_examples: int = 3,
                    fmt: str = "text") -> dict[str, Any]:
    """The fraction of `pairs` (a, b) whose sum the model states right in its own format `fmt`:
    "text": prompted with a plain knowledge text's first line ("07+36 by columns:"), read "So the sum is c.";
    "chat": asked the question exactly as `limo eval` asks it (the chat template, LIMO's system prompt),
    read on the answer's own unboxed "Sum: c" line: what the base knows before SFT teaches it the box."""
    if fmt == "chat":
        from transformers import AutoTokenizer

        from limo.generate.jobs import build_messages
        from limo.prompts import LIMO_SYSTEM_PROMPT

        tok = AutoTokenizer.from_pretrained(model_dir)
        prompts = [tok.apply_chat_template(build_messages(f"What is {a} + {b}?", LIMO_SYSTEM_PROMPT),
                                           tokenize=False, add_generation_prompt=True) for a, b in pairs]
        texts = complete(model_dir, prompts, max_new_tokens, stop="<|im_end|>", on_batch=on_batch)
        right = [parse_chat_answer(t) == a + b for t, (a, b) in zip(texts, pairs)]
        shown = [f"What is {a} + {b}?" for a, b in pairs]
    else:
        shown = [knowledge_prompt(a, b) for a, b in pairs]
        texts = complete(model_dir, shown, max_new_tokens, on_batch=on_batch)
        right = [parse_knowledge_answer(t) == a + b for t, (a, b) in zip(texts, pairs)]
    return {"accuracy": sum(right) / max(len(right), 1), "n": len(right), "format": fmt,
            "examples": [{"prompt": p, "completion": t, "correct": r}
                         for p, t, r in list(zip(shown, texts, right))[:n_examples]]}


def operands(question: str) -> tuple[int, int]:
    """(a, b) of "What is a + b?"."""
    a, b = question.removeprefix("What is ").removesuffix("?").split(" + ")
    return int(a), int(b)


def build_base(cfg: Any, out: Path, paths: dict[str, Path], st: Any) -> tuple[Path, dict[str, Any]]:
    """The demo's base model: a tiny Qwen2 with the demo's vocabulary, pre-trained on the knowledge corpus,
    with its own-format knowledge measured on both held-out splits. Skipped when current."""
    import json

    from limo.demo.data import SPLITS
    from limo.freshness import is_current, mark_done, stage_key
    from limo.jsonl import read_jsonl
    from limo.tiny import build_tiny_model

    base, info_path = out / "base-model", out / "base-model" / "knowledge.json"
    settings = {k: getattr(cfg, k) for k in ("seed", "hidden_size", "layers", "knowledge_epochs", "knowledge_lr",
                                             "knowledge_batch", "knowledge_chat_share", "max_tokens")}
    tests = {split: paths["test_dir"] / bench / "test.jsonl" for split, bench in SPLITS.items()}
    key = stage_key(settings, [paths["knowledge"], paths["chains"], *tests.values()])
    if is_current(out, "knowledge", key, [base / "config.json", info_path]):
        st.say("up to date, skipped")
        return base, json.loads(info_path.read_text())
    texts = [r["text"] for r in read_jsonl(paths["knowledge"])]
    chains = [r["response"] for r in read_jsonl(paths["chains"])]
    build_tiny_model(out / "init-model", hidden_size=cfg.hidden_size, num_layers=cfg.layers,
                     num_heads=max(2, cfg.hidden_size // 64), intermediate_size=4 * cfg.hidden_size,
                     vocab_size=512, seed=cfg.seed, extra_corpus=texts[:500] + chains[:500])
    t0 = time.time()
    with st.bar(0, "pre-training on the knowledge corpus", "step") as bar:
        def step(i: int, total: int, loss: float) -> None:
            if bar.total != total:
                bar.reset(total=total)
            bar.update(i - bar.n)
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

        losses = pretrain(out / "init-model", texts, base, epochs=cfg.knowledge_epochs,
                          learning_rate=cfg.knowledge_lr, batch_size=cfg.knowledge_batch,
                          seed=cfg.seed, on_step=step)
    train_s = time.time() - t0
    scores = {}
    fmt = "chat" if cfg.knowledge_chat_share > 0 else "text"  # the format SFT builds on, where the corpus has it
    for split, path in tests.items():
        pairs = [operands(r["problem"]) for r in read_jsonl(path)]
        with st.bar(len(pairs), f"knowledge check ({split})", "problem") as bar:
            scores[split] = knowledge_score(base, pairs, max_new_tokens=cfg.max_tokens,
                                            on_batch=lambda n: bar.update(n - bar.n), fmt=fmt)
    info = {"params": json.loads((out / "init-model" / "limo_tiny.json").read_text())["params"],
            "steps": len(losses), "loss": losses[-1], "losses": losses, "texts": len(texts),
            "seconds": round(train_s, 1), "knowledge": scores, "key": key}
    info_path.write_text(json.dumps(info, indent=1) + "\n")
    mark_done(out, "knowledge", key, model=str(base))
    return base, info
