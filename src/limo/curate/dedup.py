"""Dedup: exact (normalised text) then near-duplicate (MinHash LSH over word shingles); keep the first.

Exact: rows whose normalised token streams (`limo.curate.text`) are equal are one problem; only the first
seen stays. That alone catches case, whitespace, `$`, LaTeX spacing, `\\dfrac`/`\\frac` and thousands
separator variants.

Near: MinHash over word 3-gram shingles, with LSH banding (`bands` x `rows_per_band` of the signature)
to find candidate pairs, confirmed when the estimated Jaccard similarity is >= `threshold` and the two
share their numbers (templated problems that differ only in their numbers are different problems);
pairs between `align_floor` and `threshold` are confirmed by a token alignment covering `min_coverage`
of the shorter row (truncation and added text lower Jaccard but not coverage).
Duplicates are grouped transitively (union-find); the first-seen member of a group is kept and every
other member is written to the removed file with `duplicate_of` = that member's id.

Why not per-row `datasketch.MinHash` objects: at 1M rows, building them is ~10 minutes of Python.
The signature here is one-permutation MinHash (Li, Owen & Zhang 2012) with rotation densification
(Shrivastava 2017): every shingle is hashed once, its top bits pick one of `num_perm` bins, and a row's
value in a bin is the minimum over its shingles in that bin, all in numpy (`np.minimum.at`). Estimates
match datasketch's (tests/unit/test_curate_dedup.py compares them).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from limo.config import StrictModel
from limo.curate.stage import StageResult, snippet
from limo.curate.text import Encoded, Tokenizer, aligned_coverage, mix64, same_math
from limo.records import Problem

_EMPTY = np.uint32(0xFFFFFFFF)


class DedupConfig(StrictModel):
    near: bool = True  # False: exact duplicates only
    shingle: int = Field(3, ge=1)  # words per shingle
    num_perm: int = Field(64, ge=8, le=1024)  # signature length (power of two)
    bands: int = Field(21, ge=1)
    rows_per_band: int = Field(3, ge=1)
    threshold: float = Field(0.5, ge=0.0, le=1.0)  # estimated Jaccard to call two rows near-duplicates
    # Below `threshold` but >= `align_floor`: a duplicate when a token alignment covers `min_coverage` of
    # the shorter row (truncated copies, copies with text added, several small edits at once).
    align_floor: float = Field(0.2, ge=0.0, le=1.0)
    min_coverage: float = Field(0.8, ge=0.0, le=1.0)
    min_number_overlap: float = Field(0.8, ge=0.0, le=1.0)
    short_tokens: int = Field(24, ge=0)  # shorter rows: numbers/operators must match in order
    chunk_rows: int = Field(200_000, ge=1)
    workers: int = Field(1, ge=1)  # processes for tokenising

    @model_validator(mode="after")
    def _fits(self) -> "DedupConfig":
        if self.num_perm & (self.num_perm - 1):
            raise ValueError(f"num_perm must be a power of two, got {self.num_perm}")
        if self.bands * self.rows_per_band > self.num_perm:
            raise ValueError(f"bands*rows_per_band ({self.bands * self.rows_per_band}) exceeds "
                             f"num_perm ({self.num_perm})")
        return self


def exact_keys(enc: Encoded) -> np.ndarray:
    """A 64-bit key per row from its whole token sequence (order-sensitive; empty rows get 0)."""
    lengths = enc.lengths
    pos = np.arange(len(enc.tokens), dtype=np.uint64) - np.repeat(enc.offsets[:-1], lengths).astype(np.uint64)
    mixed = mix64(enc.tokens ^ mix64(pos + np.uint64(1)))
    keys = np.zeros(len(enc), dtype=np.uint64)
    nonempty = np.flatnonzero(lengths > 0)
    if len(nonempty):
        sums = np.add.reduceat(mixed, enc.offsets[nonempty])
        keys[nonempty] = mix64(sums ^ lengths[nonempty].astype(np.uint64))
    return keys


def signatures(enc: Encoded, cfg: DedupConfig) -> np.ndarray:
    """One-permutation MinHash signatures, (rows, num_perm) uint32, empty bins densified."""
    p = cfg.num_perm
    bits = np.uint64(64 - int(np.log2(p)))
    hashes, owner = enc.ngrams(cfg.shingle, whole_if_shorter=True)
    sig = np.full(len(enc) * p, _EMPTY, dtype=np.uint32)
    np.minimum.at(sig, owner * p + (hashes >> bits).astype(np.int64),
                  (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    sig = sig.reshape(len(enc), p)
    return densify(sig)


def densify(sig: np.ndarray) -> np.ndarray:
    """Fill each empty bin from the next non-empty bin to its right (circularly), offset by distance."""
    n, p = sig.shape
    empty = sig == _EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))  # rows without shingles stay empty
    if not len(rows):
        return sig
    e = empty[rows]
    cols = np.arange(p, dtype=np.int16)
    # next non-empty bin at or after j; past the last one, wrap to the first (+p)
    pos = np.where(e, np.int16(2 * p), cols)
    nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1]
    first = pos.min(axis=1).astype(np.int16)
    nxt = np.where(nxt >= 2 * p, (first + p)[:, None], nxt)
    sub = sig[rows]
    filled = np.take_along_axis(sub, (nxt % p).astype(np.int64), axis=1)
    filled += (nxt - cols).astype(np.uint32) * np.uint32(0x9E3779B1)
    sig[rows] = np.where(e, filled, sub)
    return sig


def candidate_pairs(sig: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """(i, j) pairs, i < j, that collide in at least one LSH band (star + neighbour pairs per bucket)."""
    out = []
    r = cfg.rows_per_band
    for b in range(cfg.bands):
        band = sig[:, b * r:(b + 1) * r].astype(np.uint64)
        h = np.zeros(len(sig), dtype=np.uint64)
        for c in range(r):
            h = mix64(h ^ band[:, c] ^ np.uint64(c << 40))
        order = np.argsort(h, kind="stable")  # stable: rows in a bucket stay in input order
        hs = h[order]
        same = hs[1:] == hs[:-1]
        if not same.any():
            continue
        out.append(np.stack([order[:-1][same], order[1:][same]], axis=1))  # neighbours
        run_start = np.flatnonzero(np.r_[True, ~same])
        first = order[run_start][np.cumsum(np.r_[True, ~same]) - 1]  # each row's bucket head
        star = first != order
        out.append(np.stack([first[star], order[star]], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(out), axis=1)
    return np.unique(pairs, axis=0)


def _contained(a: np.ndarray, b: np.ndarray, min_coverage: float) -> bool:
    """A truncated copy or one with added text: aligned tokens cover the shorter row, and the shorter
    row is at least half the longer (else one short row would absorb every longer row containing it)."""
    if 2 * min(len(a), len(b)) < max(len(a), len(b)):
        return False
    return aligned_coverage(a, b) >= min_coverage


def _find(parent: dict[int, int], x: int) -> int:
    while parent.get(x, x) != x:
        parent[x] = parent.get(parent[x], parent[x])
        x = parent[x]
    return x


_FORKED: list[str] = []  # texts visible to forked tokeniser workers without pickling them


def _encode_slice(bounds: tuple[int, int]) -> Encoded:
    return Tokenizer().encode(_FORKED[bounds[0]:bounds[1]])


def encode_chunks(problems: list[Problem], tok: Tokenizer, chunk: int, progress: bool = False,
                  workers: int = 1) -> list[Encoded]:
    """Problems' texts encoded in chunks of `chunk` rows (bounds the regex pass's memory).

    Token hashes do not depend on the tokenizer's state, so `workers` > 1 tokenises chunks in forked
    processes (the regex pass is most of the cost at a million rows).
    """
    bounds = [(s, min(s + chunk, len(problems))) for s in range(0, len(problems), chunk)]
    if workers > 1 and len(bounds) > 1:
        import multiprocessing as mp

        _FORKED[:] = [p.problem for p in problems]
        try:
            with mp.get_context("fork").Pool(workers) as pool:
                return pool.map(_encode_slice, bounds)
        finally:
            _FORKED.clear()
    if progress:
        from tqdm import tqdm
        bounds = tqdm(bounds, desc="tokenise", unit="chunk")
    return [tok.encode(p.problem for p in problems[a:b]) for a, b in bounds]


def dedup(problems: list[Problem], cfg: DedupConfig, progress: bool = False,
          encoded: list[Encoded] | None = None) -> StageResult:
    """Split `problems` into first-seen rows and duplicates (each naming the row it duplicates).

    `encoded`: the rows already encoded in chunks of `cfg.chunk_rows` (see `encode_chunks`), to share
    one tokenisation with decontamination in a single process.
    """
    encs = encoded if encoded is not None else encode_chunks(problems, Tokenizer(), cfg.chunk_rows, progress,
                                                             cfg.workers)
    keys = np.concatenate([exact_keys(e) for e in encs]) if encs else np.zeros(0, dtype=np.uint64)
    _, first_idx, inverse = np.unique(keys, return_index=True, return_inverse=True)
    root = first_idx[inverse]  # exact duplicates point at the first row with their key
    removed: list[dict] = []
    for i in np.flatnonzero(root != np.arange(len(problems))):
        removed.append(_removed(problems, int(i), int(root[i]), "exact_duplicate", 1.0))
    near = 0
    if cfg.near and len(first_idx) > 1:
        uniq = np.sort(first_idx)  # first-seen order
        enc = gather(encs, uniq, cfg.chunk_rows)
        sig = signatures(enc, cfg)
        pairs = candidate_pairs(sig, cfg)
        sim = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1) if len(pairs) else np.zeros(0)
        parent: dict[int, int] = {}
        for (a, b), s in zip(pairs[sim >= cfg.align_floor].tolist(), sim[sim >= cfg.align_floor].tolist()):
            short = min(len(enc.row(a)), len(enc.row(b))) < cfg.short_tokens
            if not same_math(enc.numbers(a), enc.numbers(b), short, cfg.min_number_overlap):
                continue
            if s < cfg.threshold and not _contained(enc.row(a), enc.row(b), cfg.min_coverage):
                continue
            ra, rb = _find(parent, a), _find(parent, b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        for x in sorted(parent):
            r = _find(parent, x)
            if r != x:
                s = float((sig[x] == sig[r]).mean())
                removed.append(_removed(problems, int(uniq[x]), int(uniq[r]), "near_duplicate", s))
                near += 1
    gone = {r["_row"] for r in removed}
    kept = [p for i, p in enumerate(problems) if i not in gone]
    for r in removed:
        del r["_row"]
    stats = {"in": len(problems), "kept": len(kept), "removed": len(removed),
             "exact_duplicates": len(removed) - near, "near_duplicates": near}
    return StageResult(kept, removed, stats)


def gather(encs: list[Encoded], rows: np.ndarray, chunk: int) -> Encoded:
    """Rows (global indices, sorted) from chunked encodings, as one batch."""
    parts = [encs[c].subset(rows[(rows // chunk) == c] - c * chunk) for c in range(len(encs))]
    lengths = np.concatenate([p.lengths for p in parts])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Encoded(np.concatenate([p.tokens for p in parts]), offsets,
                   np.concatenate([p.numeric for p in parts]))


def _removed(problems: list[Problem], i: int, of: int, reason: str, sim: float) -> dict:
    return {"_row": i, "id": problems[i].id, "reason": reason, "duplicate_of": problems[of].id,
            "similarity": round(sim, 4), "source": problems[i].source, "problem": snippet(problems[i].problem),
            "kept_problem": snippet(problems[of].problem)}
