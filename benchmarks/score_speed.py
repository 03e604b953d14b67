"""Score speed: 10,000 real long reasoning chains (Sky-T1 traces from ../shared/traces, repeated) scored on
one core by limo's scorer, side by side with the straightforward one-regex-per-chain implementation
(a `\\b(?:kw1|kw2|...)\\b` findall over each lower-cased chain). Target: < 10 s for limo's.

    .venv/bin/python benchmarks/score_speed.py [--chains 10000] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import numpy as np

from limo.curate.score import FEATURES, ChainScorer, ScoreConfig


def load_chains(shared: Path, n: int) -> list[str]:
    texts: list[str] = []
    for f in sorted((shared / "traces" / "skythought_evals" / "long").glob("*.jsonl")):
        for line in f.read_text().splitlines():
            texts += [c for c in json.loads(line).get("code") or [] if isinstance(c, str) and c]
    return (texts * (n // len(texts) + 1))[:n]


def naive_features(texts: list[str], cfg: ScoreConfig) -> np.ndarray:
    pats = {d: re.compile(r"\b(?:" + "|".join(map(re.escape, cfg.keywords[d])) + r")\b") for d in FEATURES[1:]}
    out = np.zeros((len(texts), 4))
    for i, t in enumerate(texts):
        low = t.lower()
        out[i, 0] = len(re.findall(r"\w+", low))
        for j, d in enumerate(FEATURES[1:], start=1):
            out[i, j] = len(pats[d].findall(low))
    out[:, 1:] /= np.maximum(out[:, :1], 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False)
    ap.add_argument("--chains", type=int, default=10_000)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    texts = load_chains(Path(args.shared), args.chains)
    mb = sum(map(len, texts)) / 1e6
    cfg = ScoreConfig()
    scorer = ChainScorer(cfg)
    t0 = time.perf_counter()
    scores = scorer.score(scorer.features(texts))
    ours = time.perf_counter() - t0
    print(f"{len(texts):,} chains, {mb:.0f} MB of text (mean {mb * 1e6 / len(texts):,.0f} chars), one core")
    print(f"limo scorer      {ours:6.2f} s  ({len(texts) / ours:,.0f} chains/s)  target < 10 s: "
          f"{'OK' if ours < 10 else 'MISSED'}")
    if not args.skip_naive:
        t0 = time.perf_counter()
        naive = naive_features(texts, cfg)
        theirs = time.perf_counter() - t0
        print(f"regex per chain  {theirs:6.2f} s  -> limo is {theirs / ours:.1f}x faster")
    print(f"score range {scores.min():.2f} .. {scores.max():.2f}")


if __name__ == "__main__":
    main()
