"""An index of reference texts' word n-grams that scores many query rows at once (numpy, no per-row loop).

For every query row it finds the reference item sharing the most n-grams, and the overlap
`shared / min(row n-grams, item n-grams)`. Dividing by the smaller side keeps a truncated copy (few row
n-grams) and a copy with extra prefix text (few item n-grams, relative to the row) both near 1.

Membership is tested with a 2^24-bit table first (one random read per query n-gram, almost all misses
end there), then exactly with a binary search over the sorted reference hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from limo.curate.text import Encoded

_TABLE_BITS = 24


@dataclass
class Matches:
    """Best reference item per query row (-1 where a row shares nothing)."""

    item: np.ndarray  # int64, best item index per row
    shared: np.ndarray  # int64, n-grams shared with that item
    overlap: np.ndarray  # float64, shared / min(row n-grams, item n-grams)


class NgramIndex:
    """Word n-grams of reference items (benchmark problems), queried by many rows at once."""

    def __init__(self, items: Encoded, n: int, whole_if_shorter: bool = False):
        self.n, self.whole_if_shorter = n, whole_if_shorter
        hashes, owner = items.ngrams(n, whole_if_shorter)
        pairs = np.unique(np.stack([hashes, owner.astype(np.uint64)], axis=1), axis=0)
        hashes, owner = pairs[:, 0], pairs[:, 1].astype(np.int64)
        self.item_grams = np.bincount(owner, minlength=len(items))
        self.keys, first = np.unique(hashes, return_index=True)
        # CSR: key k's items are owners_sorted[starts[k]:starts[k+1]] (pairs are sorted by hash).
        self.starts = np.append(first, len(hashes)).astype(np.int64)
        self.owners = owner
        self.table = np.zeros(1 << _TABLE_BITS, dtype=bool)
        self.table[(self.keys >> np.uint64(64 - _TABLE_BITS)).astype(np.int64)] = True

    def match(self, rows: Encoded) -> Matches:
        n_rows = len(rows)
        best = Matches(np.full(n_rows, -1, dtype=np.int64), np.zeros(n_rows, dtype=np.int64),
                       np.zeros(n_rows))
        hashes, owner = rows.ngrams(self.n, self.whole_if_shorter)
        if not len(hashes) or not len(self.keys):
            return best
        row_grams = np.bincount(owner, minlength=n_rows)
        maybe = self.table[(hashes >> np.uint64(64 - _TABLE_BITS)).astype(np.int64)]
        hashes, owner = hashes[maybe], owner[maybe]
        pos = np.searchsorted(self.keys, hashes)
        pos[pos == len(self.keys)] = 0
        hit = self.keys[pos] == hashes
        if not hit.any():
            return best
        key_idx, row_idx = pos[hit], owner[hit]
        uniq = np.unique(row_idx * len(self.keys) + key_idx)  # each shared n-gram counted once per row
        row_idx, key_idx = uniq // len(self.keys), uniq % len(self.keys)
        # Expand every (row, key) to (row, item) over the key's items.
        counts = self.starts[key_idx + 1] - self.starts[key_idx]
        rep_rows = np.repeat(row_idx, counts)
        base = np.repeat(self.starts[key_idx], counts)
        within = np.arange(len(rep_rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        items = self.owners[base + within]
        n_items = len(self.item_grams)
        pair, shared = np.unique(rep_rows * n_items + items, return_counts=True)
        p_row, p_item = pair // n_items, pair % n_items
        overlap = shared / np.maximum(np.minimum(row_grams[p_row], self.item_grams[p_item]), 1)
        # Best item per row: highest overlap, then most shared n-grams.
        order = np.lexsort((-shared, -overlap, p_row))
        p_row, p_item, shared, overlap = p_row[order], p_item[order], shared[order], overlap[order]
        first = np.flatnonzero(np.r_[True, p_row[1:] != p_row[:-1]])
        rows_hit = p_row[first]
        best.item[rows_hit], best.shared[rows_hit] = p_item[first], shared[first]
        best.overlap[rows_hit] = overlap[first]
        return best
