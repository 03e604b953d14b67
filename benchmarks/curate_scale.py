"""Scale benchmark: dedup + decontaminate a synthetic 1,000,000-problem pool against LIMO's ten benchmarks.

The pool is built from real problem text (../shared/pool): each synthetic problem joins 2-4 sentences
drawn from the pool's sentence bank with every number re-drawn, so rows read like problems and share
phrasing the way real pools do. Planted: 2% perturbed copies of earlier rows (duplicates) and 1,000
perturbed benchmark problems (contamination), using limo.curate.perturb. Prints time per stage, peak
RSS, and recall / false-removal on the planted rows.

    .venv/bin/python benchmarks/curate_scale.py [--rows 1000000] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import time
from pathlib import Path

from limo.curate.decontam import DEFAULT_BENCHMARKS, DecontamConfig, decontaminate, load_benchmark_items
from limo.curate.dedup import DedupConfig, dedup
from limo.curate.ingest import IngestConfig, InputSpec, ingest
from limo.curate.perturb import perturb
from limo.records import Problem


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def build_pool(shared: Path, rows: int, rng: random.Random) -> tuple[list[Problem], set[str], set[str]]:
    files = [str(f) for f in sorted((shared / "pool").glob("*/*.jsonl")) if "s1_msc" not in str(f)]
    real = ingest(IngestConfig(inputs=[InputSpec(path=f) for f in files])).kept
    bank = [s for p in real for s in re.split(r"(?<=[.?!])\s+", p.problem) if len(s.split()) >= 4]
    num = re.compile(r"\d+")
    n_dup, n_contam = rows // 50, 1000
    out: list[Problem] = []
    for i in range(rows - n_dup - n_contam):
        text = " ".join(rng.choice(bank) for _ in range(rng.randint(2, 4)))
        text = num.sub(lambda m: str(rng.randint(2, 9999)), text)
        out.append(Problem(id=f"syn:{i}", problem=text, answer="1", source="synthetic"))
    dups, contam = set(), set()
    for i in range(n_dup):
        src = out[rng.randrange(len(out))]
        out.append(Problem(id=f"dup:{i}", problem=perturb(src.problem, rng)[0], answer="1", source="planted"))
        dups.add(f"dup:{i}")
    items, _ = load_benchmark_items(list(DEFAULT_BENCHMARKS), str(shared / "benchmarks"))
    for i, it in enumerate(rng.sample(items, n_contam)):
        out.append(Problem(id=f"contam:{i}", problem=perturb(it.problem, rng)[0], answer="1", source="planted"))
        contam.add(f"contam:{i}")
    tail = out[rows - n_dup - n_contam:]
    rng.shuffle(tail)  # planted rows come after the rows they copy
    return out[:rows - n_dup - n_contam] + tail, dups, contam


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    args = ap.parse_args()
    rng = random.Random(0)
    t0 = time.perf_counter()
    pool, dups, contam = build_pool(Path(args.shared), args.rows, rng)
    print(f"built {len(pool):,} rows in {time.perf_counter() - t0:.1f} s (not timed below); "
          f"peak RSS {rss_gib():.2f} GiB")
    t1 = time.perf_counter()
    d = dedup(pool, DedupConfig())
    t2 = time.perf_counter()
    items, _ = load_benchmark_items(list(DEFAULT_BENCHMARKS), str(Path(args.shared) / "benchmarks"))
    c = decontaminate(d.kept, DecontamConfig(), items=items)
    t3 = time.perf_counter()
    gone_d = {r["id"] for r in d.removed}
    gone = gone_d | {r["id"] for r in c.removed}
    clean = [p.id for p in pool if p.id.startswith("syn:")]
    false = sum(1 for i in clean if i in gone)
    print(f"dedup          {t2 - t1:6.1f} s  removed {len(d.removed):,} "
          f"(exact {d.stats['exact_duplicates']:,}, near {d.stats['near_duplicates']:,})")
    print(f"decontaminate  {t3 - t2:6.1f} s  removed {len(c.removed):,}")
    print(f"total          {t3 - t1:6.1f} s  (goal < 60 s)   peak RSS {rss_gib():.2f} GiB")
    print(f"duplicate recall {len(dups & gone_d) / len(dups):.4f}   contamination recall "
          f"{len(contam & gone) / len(contam):.4f}   synthetic rows removed {false:,} "
          f"({false / len(clean):.4%}; these are mostly genuine near-duplicates the sentence mixing makes)")


if __name__ == "__main__":
    main()
