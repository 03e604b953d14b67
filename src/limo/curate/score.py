"""The LIMO v3 rule-based chain quality score (paper §3.1.2).

    score = 0.30 * z(length) + 0.20 * z(verification) + 0.25 * z(exploration) + 0.25 * z(granularity)

- Elaborated Reasoning: the chain's length (paper). Unit: whitespace-separated words (limo's choice; the
  paper does not say; `chars` is the other option).
- Self-Verification / Exploratory Approach / Adaptive Granularity: keyword counts divided by the length
  (paper: "normalized by text length"). The paper names two examples each ("check", "verify";
  "perhaps", "might"; "therefore", "since"); the rest of each default list is limo's choice.
  Whole-word, case-insensitive matching ("checking" is its own entry, not a substring of "check").
- Each feature is standardised across the scored set before weighting (z-score with population std,
  std 0 -> 0; the RSR reimplementation's choice, since the paper does not say). `minmax` and `none` are
  the alternatives.

Speed: one C-level byte translation and one `Counter` per chain (see ChainScorer); standardisation is
numpy. benchmarks/score_speed.py times it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from limo.config import StrictModel
from limo.records import Sample

FEATURES = ("elaborated", "verification", "exploration", "granularity")

DEFAULT_WEIGHTS = {"elaborated": 0.30, "verification": 0.20, "exploration": 0.25, "granularity": 0.25}

# Paper's examples first in each list; the rest are limo's choice. Single words keep scoring fast.
DEFAULT_KEYWORDS: dict[str, list[str]] = {
    "verification": ["check", "verify", "checks", "checking", "checked", "recheck", "verifies", "verified",
                     "verifying", "verification", "confirm", "confirms", "confirmed", "validate", "wait"],
    "exploration": ["perhaps", "might", "maybe", "possibly", "alternatively", "suppose", "try", "trying",
                    "consider", "could", "instead"],
    "granularity": ["therefore", "since", "thus", "hence", "because", "consequently", "implies", "so"],
}


class ScoreConfig(StrictModel):
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    keywords: dict[str, list[str]] = Field(default_factory=lambda: {k: list(v) for k, v in
                                                                    DEFAULT_KEYWORDS.items()})
    length_unit: Literal["words", "chars"] = "words"
    per_length: bool = True  # keyword counts divided by the length (paper)
    normalize: Literal["zscore", "minmax", "none"] = "zscore"

    @model_validator(mode="after")
    def _known(self) -> "ScoreConfig":
        bad = sorted(set(self.weights) - set(FEATURES)) + sorted(set(self.keywords) - set(FEATURES[1:]))
        if bad:
            raise ValueError(f"unknown feature(s) {bad}; features are {list(FEATURES)} "
                             f"(keywords for {list(FEATURES[1:])})")
        return self


# bytes -> lower-case ASCII letters and digits, everything else a space (one C-level `translate`).
_TABLE = bytes((c + 32 if 65 <= c <= 90 else c) if (65 <= c <= 90 or 97 <= c <= 122 or 48 <= c <= 57)
               else 32 for c in range(256))


class ChainScorer:
    """Compiled keyword matcher for one config; `features` on many texts, `score` on the set.

    Words are the runs of ASCII letters/digits of the lower-cased text (RSR's `\\b\\w+\\b` on
    ASCII). Single-word keywords are counted from one `Counter` over the words (10,000 R1-length chains
    in ~5 s on one core); multi-word phrases need a regex pass over the text and are ~2x slower, so
    the default lists are single words (hyphens split: "double-check" counts as "check").
    """

    def __init__(self, cfg: ScoreConfig):
        self.cfg = cfg
        self.dims = [d for d in FEATURES[1:] if cfg.keywords.get(d)]
        self.words: dict[bytes, int] = {}
        phrases: dict[bytes, int] = {}
        for d in self.dims:
            col = FEATURES.index(d)
            for kw in cfg.keywords[d]:
                key = " ".join(kw.encode().translate(_TABLE).decode().split()).encode()
                if b" " in key:
                    phrases[key.replace(b" ", b"  ")] = col  # matched against double-spaced words
                else:
                    self.words[key] = col
        self.phrases = phrases
        alts = sorted(phrases, key=len, reverse=True)
        self.pattern = re.compile(rb" (" + rb"|".join(re.escape(k) for k in alts) + rb") ") if alts else None

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Raw features per text: (n, 4) = length, then keyword counts (per length if configured)."""
        out = np.zeros((len(texts), len(FEATURES)))
        words, phrases, pattern = self.words, self.phrases, self.pattern
        chars = self.cfg.length_unit == "chars"
        for i, text in enumerate(texts):
            buf = text.encode("utf-8", "replace").translate(_TABLE)
            ws = buf.split()
            out[i, 0] = len(text) if chars else len(ws)
            counts = Counter(ws)
            row = out[i]
            for w, col in words.items():
                row[col] += counts.get(w, 0)
            if pattern is not None:  # doubled spaces: adjacent matches each keep their own delimiter
                for m in pattern.findall(b" " + b"  ".join(ws) + b" "):
                    row[phrases[m]] += 1
        if self.cfg.per_length:
            out[:, 1:] /= np.maximum(out[:, :1], 1)
        return out

    def score(self, feats: np.ndarray) -> np.ndarray:
        """Weighted sum of the standardised features."""
        z = standardize(feats, self.cfg.normalize)
        w = np.array([self.cfg.weights.get(f, 0.0) for f in FEATURES])
        return z @ w


def standardize(x: np.ndarray, how: str) -> np.ndarray:
    if how == "none" or not len(x):
        return x
    if how == "minmax":
        span = x.max(axis=0) - x.min(axis=0)
        return np.where(span > 0, (x - x.min(axis=0)) / np.where(span > 0, span, 1), 0.0)
    std = x.std(axis=0)
    return np.where(std > 0, (x - x.mean(axis=0)) / np.where(std > 0, std, 1), 0.0)


def score_chains(chains: list[Sample], cfg: ScoreConfig) -> list[Sample]:
    """The chains with `meta.score` and `meta.features` (raw values, for auditing every ranking)."""
    scorer = ChainScorer(cfg)
    feats = scorer.features([c.response for c in chains])
    scores = scorer.score(feats)
    for c, f, s in zip(chains, feats.tolist(), scores.tolist()):
        c.meta = {**c.meta, "score": round(s, 6), "features": dict(zip(FEATURES, (round(v, 6) for v in f)))}
    return chains
