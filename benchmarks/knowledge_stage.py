"""Time the demo's knowledge stage alone and measure what the base model knows in its own format.

Builds the demo's data (limo.demo.data.build), a tiny Qwen2, pre-trains it (limo.demo.knowledge.pretrain)
and scores its own-format completions on both held-out splits; prints accuracy, seconds, load and a few
wrong completions. For trying knowledge-stage settings without running the whole demo.

    nice .venv/bin/python benchmarks/knowledge_stage.py [--layers 4] [--batch 8] [--lr 2e-3] ...
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--texts", type=int, default=20000, help="knowledge corpus size (before held-out removal)")
    p.add_argument("--levels", default="2", help="in-distribution digits, comma-separated")
    p.add_argument("--ood-levels", default="3")
    p.add_argument("--knowledge-levels", default="", help="digits in the corpus (default: levels + ood levels)")
    p.add_argument("--chat-share", type=float, default=1.0, help="share of texts rendered as unboxed chat answers")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--epochs", type=float, default=3)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch", type=int, default=8, help="documents per step")
    p.add_argument("--warmup", type=float, default=0.05)
    p.add_argument("--n-test", type=int, default=100, help="problems scored per split")
    p.add_argument("--threads", type=int, default=1, help="torch threads while training")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="", help="keep the model here (default: a temporary folder)")
    args = p.parse_args()
    run(args)


def run(args: argparse.Namespace) -> None:
    from limo.demo.data import SPLITS, build
    from limo.demo.knowledge import knowledge_score, operands, pretrain
    from limo.jsonl import read_jsonl
    from limo.tiny import build_tiny_model

    ints = lambda s: tuple(int(x) for x in s.split(",") if x)  # noqa: E731
    out = Path(args.out or tempfile.mkdtemp(prefix="knowledge_"))
    paths = build(out / "data", pool_size=20, test_size=args.n_test, levels=ints(args.levels),
                  ood_levels=ints(args.ood_levels), knowledge_size=args.texts, seed=args.seed, planted_dups=0,
                  planted_leaks=0, knowledge_levels=ints(args.knowledge_levels) or None, chat_share=args.chat_share)
    texts = [r["text"] for r in read_jsonl(paths["knowledge"])]
    build_tiny_model(out / "init", hidden_size=args.hidden, num_layers=args.layers,
                     num_heads=max(2, args.hidden // 64), intermediate_size=4 * args.hidden, vocab_size=512,
                     seed=args.seed, extra_corpus=texts[:500])
    params = json.loads((out / "init" / "limo_tiny.json").read_text())["params"]
    load0, t0 = os.getloadavg()[0], time.time()
    losses = pretrain(out / "init", texts, out / "base", epochs=args.epochs, learning_rate=args.lr,
                      batch_size=args.batch, seed=args.seed, warmup_frac=args.warmup, threads=args.threads)
    train_s = time.time() - t0
    t1 = time.time()
    scores = {}
    for split, bench in SPLITS.items():
        pairs = [operands(r["problem"]) for r in read_jsonl(paths["test_dir"] / bench / "test.jsonl")]
        scores[split] = knowledge_score(out / "base", pairs, max_new_tokens=100, n_examples=len(pairs),
                                        fmt="chat" if args.chat_share > 0 else "text")
    score_s = time.time() - t1
    print(f"{len(texts):,} texts, {params:,} params, {len(losses)} steps, loss {losses[-1]:.3f}, "
          f"train {train_s:.0f} s, score {score_s:.0f} s, load {load0:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("own-format knowledge: " + ", ".join(f"{s} {100 * v['accuracy']:.1f}% (n={v['n']})"
                                                for s, v in scores.items()))
    for split, v in scores.items():
        for ex in [e for e in v["examples"] if not e["correct"]][:2]:
            print(f"  wrong ({split}): {ex['prompt']!r} -> {ex['completion']!r}")


if __name__ == "__main__":
    main()
