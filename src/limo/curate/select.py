"""Select: the best-scoring chain per problem, then the top N problems (paper: 800), optionally balanced
across domains. Output: Problem JSONL whose `solution` is the chosen chain — what `limo train` reads.

Balance (limo's option; LIMO v3 ranks globally): each domain first gets up to ceil(N / domains) of its
best, then the remaining slots go by global score. Ties break by problem id, so runs are deterministic.
"""

from __future__ import annotations

import math

from pydantic import Field

from limo.config import StrictModel
from limo.curate.stage import StageResult
from limo.records import Problem, Sample


class SelectConfig(StrictModel):
    top_n: int = Field(800, ge=1)
    balance_domains: bool = False
    min_score: float | None = None


def best_chains(chains: list[Sample]) -> dict[str, Sample]:
    """Highest `meta.score` per problem (first seen wins a tie)."""
    best: dict[str, Sample] = {}
    for c in chains:
        if "score" not in c.meta:
            raise ValueError(f"chain {c.problem_id}#{c.sample_index} has no meta.score; run `score` first")
        cur = best.get(c.problem_id)
        if cur is None or c.meta["score"] > cur.meta["score"]:
            best[c.problem_id] = c
    return best


def select(problems: list[Problem], chains: list[Sample], cfg: SelectConfig) -> StageResult:
    best = best_chains(chains)
    ranked = sorted((p for p in problems if p.id in best), key=lambda p: (-best[p.id].meta["score"], p.id))
    removed = [{"id": p.id, "reason": "no_correct_chain"} for p in problems if p.id not in best]
    if cfg.min_score is not None:
        removed += [{"id": p.id, "reason": "below_min_score", "score": best[p.id].meta["score"]}
                    for p in ranked if best[p.id].meta["score"] < cfg.min_score]
        ranked = [p for p in ranked if best[p.id].meta["score"] >= cfg.min_score]
    chosen = _balanced(ranked, cfg.top_n) if cfg.balance_domains else ranked[:cfg.top_n]
    chosen_ids = {p.id for p in chosen}
    removed += [{"id": p.id, "reason": "below_top_n", "score": best[p.id].meta["score"]}
                for p in ranked if p.id not in chosen_ids]
    out = []
    for p in sorted(chosen, key=lambda p: (-best[p.id].meta["score"], p.id)):
        c = best[p.id]
        out.append(Problem(id=p.id, problem=p.problem, answer=p.answer, solution=c.response, source=p.source,
                           domain=p.domain, difficulty=p.difficulty,
                           meta={**p.meta, "chain_model": c.model, "chain_index": c.sample_index,
                                 "score": c.meta["score"], "features": c.meta.get("features")}))
    domains: dict[str, int] = {}
    for p in out:
        domains[p.domain or "unknown"] = domains.get(p.domain or "unknown", 0) + 1
    stats = {"in": len(problems), "kept": len(out), "removed": len(removed), "chains": len(chains),
             "domains": domains}
    return StageResult(out, removed, stats)


def _balanced(ranked: list[Problem], n: int) -> list[Problem]:
    groups: dict[str, list[Problem]] = {}
    for p in ranked:
        groups.setdefault(p.domain or "unknown", []).append(p)
    quota = math.ceil(n / max(len(groups), 1))
    first = [p for g in groups.values() for p in g[:quota]]
    first_ids = {p.id for p in first}
    rank = {p.id: i for i, p in enumerate(ranked)}
    picked = sorted(first, key=lambda p: rank[p.id])[:n]
    rest = [p for p in ranked if p.id not in first_ids]
    return picked + rest[: n - len(picked)]
