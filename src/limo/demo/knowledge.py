"""The knowledge stage: pre-train the tiny model on plain-text worked additions, and measure what it knows.

This stands in for pre-training, where a real base model learns its maths: a causal LM objective over
every token of a text corpus (no chat template, no questions, no `\\boxed{}`), documents packed into
fixed-length blocks. It is a plain PyTorch loop over a transformers model rather than `limo train`,
because `limo train` is SFT (chat turns, loss on the answer only), which is exactly what this is not.

`knowledge_score` measures the claim "the base already knows": the model is prompted with a knowledge
document's first line and must complete the columns and the sum, greedily, in its own format.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from limo.demo.problems import knowledge_prompt, parse_knowledge_answer


def pack(token_lists: Sequence[list[int]], block: int, sep: int) -> list[list[int]]:
    """Concatenate documents (each followed by `sep`) and cut into blocks of `block` tokens."""
    stream: list[int] = []
    for ids in token_lists:
        stream.extend(ids)
        stream.append(sep)
    return [stream[i:i + block] for i in range(0, len(stream) - block + 1, block)]


def pretrain(model_dir: Path, texts: Sequence[str], out_dir: Path, *, epochs: float, learning_rate: float,
             batch_size: int, block: int, seed: int,
             on_step: Callable[[int, int, float], None] | None = None) -> list[float]:
    """Train `model_dir` on `texts` as a causal LM into `out_dir`; returns the per-step losses.

    Deterministic for a seed on one machine: seeded init order, seeded shuffles, fixed CPU threads.
    `on_step(step, total, loss)` reports progress (the demo's progress bar).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.train()
    ids = tok(list(texts), add_special_tokens=False)["input_ids"]
    sep = tok.convert_tokens_to_ids("<|endoftext|>")
    blocks = torch.tensor(pack(ids, block, sep))
    steps_per_epoch = max(1, len(blocks) // batch_size)
    total = max(1, round(epochs * steps_per_epoch))
    opt = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01, betas=(0.9, 0.98))
    warmup = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    rng = random.Random(seed)
    losses: list[float] = []
    order: list[int] = []
    for step in range(total):
        if len(order) < batch_size:  # a fresh seeded shuffle per epoch
            perm = list(range(len(blocks)))
            rng.shuffle(perm)
            order += perm
        batch = blocks[order[:batch_size]]
        del order[:batch_size]
        loss = model(input_ids=batch, labels=batch).loss
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
                    on_batch: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The fraction of `pairs` (a, b) whose sum the model states right in its own (knowledge) format."""
    texts = complete(model_dir, [knowledge_prompt(a, b) for a, b in pairs], max_new_tokens, on_batch=on_batch)
    right = [parse_knowledge_answer(t, a, b) == a + b for t, (a, b) in zip(texts, pairs)]
    return {"accuracy": sum(right) / max(len(right), 1), "n": len(right),
            "examples": [{"prompt": knowledge_prompt(a, b), "completion": t, "correct": r}
                         for (a, b), t, r in list(zip(pairs, texts, right))[:3]]}


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
                                             "knowledge_batch")}
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
                          learning_rate=cfg.knowledge_lr, batch_size=cfg.knowledge_batch, block=256,
                          seed=cfg.seed, on_step=step)
    train_s = time.time() - t0
    scores = {}
    for split, path in tests.items():
        pairs = [operands(r["problem"]) for r in read_jsonl(path)]
        with st.bar(len(pairs), f"knowledge check ({split})", "problem") as bar:
            scores[split] = knowledge_score(base, pairs, max_new_tokens=cfg.max_tokens,
                                            on_batch=lambda n: bar.update(n - bar.n))
    info = {"params": json.loads((out / "init-model" / "limo_tiny.json").read_text())["params"],
            "steps": len(losses), "loss": losses[-1], "losses": losses, "texts": len(texts),
            "seconds": round(train_s, 1), "knowledge": scores, "key": key}
    info_path.write_text(json.dumps(info, indent=1) + "\n")
    mark_done(out, "knowledge", key, model=str(base))
    return base, info
