"""Decontamination: drop pool problems that are (surface-changed) copies of evaluation benchmark items.

Two checks, both on the normalised token stream of `limo.curate.text` (case, whitespace, `$`, LaTeX
spacing, `\\dfrac`/`\\frac`, thousands separators do not matter):

1. Candidates: rows sharing at least `min_shared` word n-grams (n=8, as s1 and open-r1) with an item,
   covering at least `min_overlap` of the shorter text's n-grams (defaults: any shared 8-gram, as s1).
   For texts shorter than `short_tokens`, which have few or no 8-grams, candidates come from 3-grams.
2. Verification, which s1/open-r1 do not do: a candidate is removed only when a token alignment
   (`difflib`) covers `min_coverage` of the shorter text (`fuzzy_ratio` for short texts) and the two
   share their numbers (`min_number_overlap`). On ../shared/pool the any-8-gram rule alone removes 13.5%
   of all rows (templated MATH problems with other numbers, shared boilerplate, [asy] code); with the
   verification it removes 2.0%, matching the pool README's known overlaps (docs/curate.md).

Benchmarks come from the eval registry (`limo.eval.benchmarks`), from `data_dir` in LIMO's layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import Field

from limo.config import StrictModel
from limo.curate.ngram_index import NgramIndex
from limo.curate.stage import StageResult, snippet
from limo.curate.text import Encoded, Tokenizer, aligned_coverage, same_math
from limo.errors import LimoError
from limo.records import Problem

DEFAULT_BENCHMARKS = ("aime24", "math500", "amc23", "olympiadbench", "cn_math_2024", "gaokao", "kaoyan",
                      "gradeschool", "minerva", "gpqa_diamond")  # LIMO's ten (paper Table 3)


class DecontamConfig(StrictModel):
    benchmarks: list[str] = Field(default_factory=lambda: list(DEFAULT_BENCHMARKS))  # or ["all"]
    data_dir: str | None = None  # LIMO layout <dir>/<limo_dir>/test.jsonl; None: the hub
    ngram: int = Field(8, ge=3)
    min_shared: int = Field(1, ge=1)
    min_overlap: float = Field(0.0, ge=0.0, le=1.0)
    short_tokens: int = Field(24, ge=0)  # texts shorter than this also get the fuzzy check
    fuzzy_ngram: int = Field(3, ge=1)
    fuzzy_ratio: float = Field(0.8, ge=0.0, le=1.0)
    min_coverage: float = Field(0.6, ge=0.0, le=1.0)  # aligned tokens / tokens of the shorter text
    min_number_overlap: float = Field(0.8, ge=0.0, le=1.0)  # 0 turns the number check off
    chunk_rows: int = Field(200_000, ge=1)  # rows scored per numpy batch (bounds memory)


def load_benchmark_items(names: Sequence[str], data_dir: str | None) -> tuple[list[Problem], list[str]]:
    """Problems of the named benchmarks (["all"]: every registered one with data present)."""
    from limo.eval.benchmarks import BENCHMARKS, load_benchmark

    skipped: list[str] = []
    wanted = list(BENCHMARKS) if list(names) == ["all"] else list(names)
    items: list[Problem] = []
    for name in wanted:
        try:
            problems = load_benchmark(name, data_dir)
        except LimoError:
            if list(names) != ["all"]:
                raise
            skipped.append(name)
            continue
        for p in problems:
            items.append(Problem(id=p.id, problem=p.problem, answer=p.answer, source=name))
    if not items:
        raise LimoError(f"no benchmark items loaded from {data_dir or 'the hub'} for {wanted}")
    return items, skipped


class Decontaminator:
    """Benchmark n-gram indexes built once, then applied to any number of row batches."""

    def __init__(self, items: list[Problem], cfg: DecontamConfig, tokenizer: Tokenizer | None = None):
        self.cfg, self.items = cfg, items
        self.tok = tokenizer or Tokenizer()
        enc = self.tok.encode(p.problem for p in items)
        self.index = NgramIndex(enc, cfg.ngram)
        short = np.flatnonzero(enc.lengths < cfg.short_tokens)
        self.short_items = short
        self.short_tokens = [enc.row(i) for i in short]
        self.enc = enc
        self.fuzzy = NgramIndex(enc.subset(short), cfg.fuzzy_ngram, whole_if_shorter=True)

    def flag(self, enc: Encoded) -> list[dict | None]:
        """Per row: None (clean) or the evidence {reason, benchmark, item, shared, overlap, coverage}."""
        cfg = self.cfg
        out: list[dict | None] = [None] * len(enc)
        m = self.index.match(enc)
        for r in np.flatnonzero((m.shared >= cfg.min_shared) & (m.overlap >= cfg.min_overlap)):
            self._verify(out, enc, int(r), int(m.item[r]), "benchmark_ngram", int(m.shared[r]), float(m.overlap[r]))
        lengths = enc.lengths
        short_rows = np.flatnonzero((lengths > 0) & (lengths < 2 * cfg.short_tokens))
        if len(short_rows) and len(self.short_items):
            f = self.fuzzy.match(enc.subset(short_rows))
            for k in np.flatnonzero(f.overlap >= 0.3):
                r = int(short_rows[k])
                if out[r] is None:
                    self._verify(out, enc, r, int(self.short_items[int(f.item[k])]), "benchmark_fuzzy",
                                 int(f.shared[k]), float(f.overlap[k]))
        return out

    def _verify(self, out: list, enc: Encoded, row: int, item: int, reason: str, shared: int,
                overlap: float) -> None:
        """Confirm a candidate by token alignment and numbers; record the evidence when it holds.

        coverage = tokens in matching blocks / tokens of the shorter text: a truncated copy or one with
        added text keeps ~1, shared boilerplate around a different problem stays low.
        """
        a, b = enc.row(row), self.enc.row(item)
        coverage = aligned_coverage(a, b)
        need = self.cfg.fuzzy_ratio if min(len(a), len(b)) < self.cfg.short_tokens else self.cfg.min_coverage
        short = min(len(a), len(b)) < self.cfg.short_tokens
        if coverage < need or self._numbers_differ(enc, row, item, short):
            return
        out[row] = self._evidence(reason, item, shared, overlap)
        out[row]["coverage"] = round(coverage, 4)

    def _numbers_differ(self, enc: Encoded, row: int, item: int, short: bool) -> bool:
        return not same_math(enc.numbers(row), self.enc.numbers(item), short, self.cfg.min_number_overlap)

    def _evidence(self, reason: str, item: int, shared: int, score: float) -> dict:
        it = self.items[item]
        return {"reason": reason, "benchmark": it.source, "item": it.id, "shared": shared,
                "overlap": round(score, 4), "item_problem": snippet(it.problem)}


def decontaminate(problems: list[Problem], cfg: DecontamConfig, items: list[Problem] | None = None,
                  progress: bool = False, tokenizer: Tokenizer | None = None,
                  encoded: Encoded | None = None) -> StageResult:
    """Split `problems` into clean and contaminated (with the benchmark item each one matched).

    `tokenizer` + `encoded` (all rows, made by that tokenizer): reuse an existing tokenisation.
    """
    skipped: list[str] = []
    if items is None:
        items, skipped = load_benchmark_items(cfg.benchmarks, cfg.data_dir)
    dec = Decontaminator(items, cfg, tokenizer)
    kept: list[Problem] = []
    removed: list[dict] = []
    chunks = range(0, len(problems), cfg.chunk_rows)
    if progress:
        from tqdm import tqdm
        chunks = tqdm(chunks, desc="decontaminate", unit="chunk")
    for start in chunks:
        batch = problems[start:start + cfg.chunk_rows]
        enc = (encoded.subset(np.arange(start, start + len(batch))) if encoded is not None
               else dec.tok.encode(q.problem for q in batch))
        for p, ev in zip(batch, dec.flag(enc)):
            if ev is None:
                kept.append(p)
            else:
                removed.append({"id": p.id, "source": p.source, **ev, "problem": snippet(p.problem)})
    per_bench: dict[str, int] = {}
    for r in removed:
        per_bench[r["benchmark"]] = per_bench.get(r["benchmark"], 0) + 1
    stats = {"in": len(problems), "kept": len(kept), "removed": len(removed),
             "removed_per_benchmark": per_bench, "benchmark_items": len(items),
             "benchmarks_skipped_no_data": skipped}
    return StageResult(kept, removed, stats)
