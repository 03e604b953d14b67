"""Text normalisation and vectorised n-gram hashing, shared by dedup and decontamination.

Surface changes that do not change a problem must not hide a duplicate or a benchmark copy, so every
text goes through one normaliser before anything is compared:

- case, whitespace and `$` vanish (only letter runs, digit runs, operators and CJK characters become
  tokens, so `x+y` and `x + y`, `\\frac{1}{2}` and `\\frac 1 2` tokenise the same);
- operators are tokens (`9 + 7` is not `9 - 7`); `*`, `×`, `\\times` and `\\cdot` are one token, and so
  are `÷`/`\\div` and the Unicode minus/`-`;
- LaTeX spacing and sizing (`\\,` `\\;` `\\!` `\\quad` `\\left` `\\right` `\\displaystyle` `\\text`)
  is dropped; `\\dfrac`/`\\tfrac` become `frac`, `\\dbinom` becomes `binom`, `\\le`/`\\leqslant` `leq`;
- thousands separators (`1,000`, `1{,}000`, `1\\,000`) are removed;
- CJK text has no spaces, so each CJK character is one token.

Tokens become stable 64-bit hashes (blake2b of the canonical token, computed once per distinct token),
so n-gram hashes are the same in every process and every run. N-gram hashing is numpy over one flat
array for a whole batch of rows: no per-row Python beyond the regex tokeniser.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Removed before tokenising: thousands separators and LaTeX layout commands that carry no content.
# Two passes, each starting with a literal so the regex engine can skip ahead (one combined pattern
# starting with a lookbehind was 2x slower on a million rows).
_LAYOUT = re.compile(
    r"\\(?:left|right|big|bigg|displaystyle|textstyle|quad|qquad|text|textbf|mathrm|mathbf|mathit|"
    r"operatorname|rm|limits)(?![a-z])")
_THOUSANDS = re.compile(r"(?:,|\{,\}|\\,|\\ )(?=\d{3}(?!\d))")
_OPERATORS = "+\\-*/=<>^\u00d7\u00f7\u2212"
_TOKEN = re.compile(rf"\\?[a-z]+|\d+|[{_OPERATORS}]|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_TOKEN_SEP = re.compile(rf"\\?[a-z]+|\d+|[{_OPERATORS}]|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|\x00")

# LaTeX spellings of the same thing, keyed by the token as written (backslash kept).
ALIASES = {
    "\\dfrac": "frac", "\\tfrac": "frac", "\\cfrac": "frac", "\\dbinom": "binom", "\\tbinom": "binom",
    "\\le": "leq", "\\leqslant": "leq", "\\ge": "geq", "\\geqslant": "geq", "\\ne": "neq",
    "\\lvert": "vert", "\\rvert": "vert", "\\mid": "vert",
    "*": "times", "\u00d7": "times", "\\cdot": "times", "\u00f7": "div", "\u2212": "-", "\\lt": "<", "\\gt": ">",
}

# Tokens that, with the numbers, decide which problem a text is (checked by `number_overlap`).
MATH_TOKENS = frozenset({"+", "-", "times", "/", "div", "=", "<", ">", "^"})

_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GRAM_MUL = np.uint64(0x9E3779B97F4A7C15)


def _separator(m: re.Match) -> str:
    """A thousands separator only when a digit precedes it ("1,000" but not "(a,100)")."""
    return "" if m.start() and m.string[m.start() - 1].isdigit() else m.group()


def normalize(text: str) -> str:
    """The normalised text: lower case, NFKC for non-ASCII, layout commands and separators removed."""
    return _clean(_nfkc(text))


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _clean(text: str) -> str:
    return _THOUSANDS.sub(_separator, _LAYOUT.sub("", text.lower()))


def raw_tokens(text: str) -> list[str]:
    """Tokens of the normalised text, before aliasing (for display and tests)."""
    return _TOKEN.findall(normalize(text))


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads polynomial n-gram hashes over all 64 bits (for binning/banding)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


class Tokenizer:
    """Maps texts to arrays of stable token hashes; remembers every distinct token it has seen."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {"\x00": 0}
        self._hashes: list[int] = [0]  # id 0: the row separator, never part of a row
        self._numeric: list[bool] = [False]
        self._table = np.zeros(0, dtype=np.uint64)
        self._numeric_table = np.zeros(0, dtype=bool)

    def _add(self, token: str) -> int:
        canon = ALIASES.get(token, token.lstrip("\\"))  # one spelling: aliases, backslash dropped
        digest = int.from_bytes(hashlib.blake2b(canon.encode(), digest_size=8).digest(), "little")
        self._ids[token] = len(self._hashes)
        self._hashes.append(digest)
        self._numeric.append(canon.isdigit() or canon in MATH_TOKENS)
        return self._ids[token]

    def encode(self, texts: Iterable[str]) -> "Encoded":
        """A batch of texts as one flat array of token hashes plus row offsets.

        The whole batch is joined with a separator and normalised/tokenised by one regex pass each
        (per-row regex calls cost ~4x more at a million rows); the separator token marks row ends.
        """
        joined = _clean("\x00".join(map(_nfkc, texts)) + "\x00")  # NFKC per row: most rows are ASCII
        toks = _TOKEN_SEP.findall(joined)
        d = self._ids
        for t in set(toks).difference(d):
            self._add(t)
        ids = np.fromiter(map(d.__getitem__, toks), dtype=np.int64, count=len(toks))
        if len(self._table) != len(self._hashes):
            self._table = np.array(self._hashes, dtype=np.uint64)
            self._numeric_table = np.array(self._numeric, dtype=bool)
        ends = np.flatnonzero(ids == self._ids["\x00"])
        keep = ids != self._ids["\x00"]
        offsets = np.zeros(len(ends) + 1, dtype=np.int64)
        offsets[1:] = ends - np.arange(len(ends))  # each earlier separator shifts a row end by one
        flat = ids[keep]
        return Encoded(self._table[flat], offsets, self._numeric_table[flat])


@dataclass
class Encoded:
    """Token hashes of many rows: row i is `tokens[offsets[i]:offsets[i+1]]`."""

    tokens: np.ndarray  # uint64
    offsets: np.ndarray  # int64, len = rows + 1
    numeric: np.ndarray | None = None  # bool per token: a digit run or an operator (decide templated variants)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def numbers(self, i: int) -> np.ndarray:
        """Hashes of the row's number tokens (empty when the batch was built without the flags)."""
        if self.numeric is None:
            return np.zeros(0, dtype=np.uint64)
        sl = slice(self.offsets[i], self.offsets[i + 1])
        return self.tokens[sl][self.numeric[sl]]

    def subset(self, rows: np.ndarray) -> "Encoded":
        """The given rows, in that order, as a new batch."""
        lengths = self.lengths[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        idx = (np.repeat(self.offsets[rows] - offsets[:-1], lengths)
               + np.arange(int(offsets[-1]), dtype=np.int64))
        numeric = None if self.numeric is None else self.numeric[idx]
        return Encoded(self.tokens[idx], offsets, numeric)

    def ngrams(self, n: int, whole_if_shorter: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(hashes, row index) of every word n-gram that lies inside one row.

        With `whole_if_shorter`, a row shorter than n (but not empty) contributes one hash of all its
        tokens, so short rows still have a shingle.
        """
        toks, lengths = self.tokens, self.lengths
        rows = len(lengths)
        total = len(toks)
        if total >= n:
            m = total - n + 1
            g = toks[:m].copy()
            for j in range(1, n):
                g *= _GRAM_MUL
                g += toks[j:j + m]
            # An n-gram starting in the last n-1 positions of a row crosses into the next row.
            ok = np.ones(m, dtype=bool)
            ends = self.offsets[1:]
            for k in range(1, n):
                cut = ends - k
                ok[cut[(cut >= 0) & (cut < m) & (cut >= self.offsets[:-1])]] = False
            counts = np.maximum(lengths - n + 1, 0)
            hashes = mix64(g[ok])
            owner = np.repeat(np.arange(rows, dtype=np.int64), counts)
        else:
            hashes, owner = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        if whole_if_shorter:
            short = np.flatnonzero((lengths > 0) & (lengths < n))
            if len(short):
                extra = np.array([_hash_seq(self.row(i)) for i in short], dtype=np.uint64)
                hashes = np.concatenate([hashes, mix64(extra)])
                owner = np.concatenate([owner, short])
                order = np.argsort(owner, kind="stable")
                hashes, owner = hashes[order], owner[order]
        return hashes, owner


def _hash_seq(tokens: np.ndarray) -> int:
    h = np.uint64(0)
    with np.errstate(over="ignore"):
        for t in tokens:
            h = h * _GRAM_MUL + t
    return int(h)


def aligned_coverage(a: np.ndarray, b: np.ndarray) -> float:
    """Tokens in `difflib` matching blocks / tokens of the shorter row.

    Near 1 for a copy that was truncated or got text added; low for two problems that only share
    boilerplate. Quadratic in the worst case, so it only ever runs on candidate pairs.
    """
    short = min(len(a), len(b))
    if not short:
        return 0.0
    sm = difflib.SequenceMatcher(None, a.tolist(), b.tolist(), autojunk=False)
    return sum(blk.size for blk in sm.get_matching_blocks()) / short


def number_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Shared number tokens / number tokens of the side with fewer (1.0 when either side has none).

    Templated problems ("... when x=2, y=4" vs "... when x=24, y=15") share most n-grams but not their
    numbers; a surface-changed copy keeps its numbers (formatting is normalised away).
    """
    if not len(a) or not len(b):
        return 1.0
    ca, cb = Counter(a.tolist()), Counter(b.tolist())
    return sum((ca & cb).values()) / min(len(a), len(b))


def same_math(a: np.ndarray, b: np.ndarray, short: bool, min_overlap: float) -> bool:
    """Do two texts state the same numbers and operators? (`a`, `b`: their `Encoded.numbers`.)

    Long texts: `number_overlap` >= `min_overlap`. Short texts are mostly their maths, so the shorter
    one's numbers and operators must occur in the longer one in order and contiguously: a lead-in
    ("Problem 3: ...") or a cut tail keeps a copy, while "9 - 7" vs "9 + 7 - 3", or "3 + 4 - 0" vs
    "3 + 4 - 3" (which would chain whole families of short problems together), are different problems.
    Known limit: a short problem that *extends* another ("9 + 7" -> "9 + 7 - 3") looks exactly like a
    truncated copy of it and is treated as one (truncation recall matters more for decontamination).
    """
    if not short:
        return number_overlap(a, b) >= min_overlap
    s, l = (a.tolist(), b.tolist()) if len(a) <= len(b) else (b.tolist(), a.tolist())
    n = len(s)
    return any(l[i:i + n] == s for i in range(len(l) - n + 1))
