"""Scale benchmark: dedup + decontaminate a synthetic 1,000,000-problem pool against LIMO's ten benchmarks.

The pool is built from real problem text (../shared/pool, decontaminated first): each synthetic problem
is a real problem's word sequence with every word replaced, with probability 1/2, by a word drawn from
the pool's word distribution, and every number re-drawn. Rows keep real lengths, vocabulary, LaTeX and
CJK text and share some phrasing (a template's rows share ~half their words), without being copies. Planted: 2% perturbed copies of earlier rows (duplicates) and 1,000
perturbed benchmark problems (contamination), using limo.curate.perturb. Prints time per stage, peak
RSS, and recall / false-removal on the planted rows.

    .venv/bin/python benchmarks/curate_scale.py [--rows 1000000] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import time
from pathlib import Path

from limo.curate.decontam import DEFAULT_BENCHMARKS, DecontamConfig, decontaminate, load_benchmark_items
import numpy as np

from limo.curate.dedup import DedupConfig, dedup, encode_chunks, gather
from limo.curate.text import Tokenizer
from limo.curate.ingest import IngestConfig, InputSpec, ingest
from limo.curate.perturb import perturb
from limo.records import Problem


def cpu_s() -> float:
    """User+system CPU seconds of this process and its finished children (the tokeniser workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def build_pool(shared: Path, rows: int, rng: random.Random) -> tuple[list[Problem], set[str], set[str]]:
    files = [str(f) for f in sorted((shared / "pool").glob("*/*.jsonl")) if "s1_msc" not in str(f)]
    real = ingest(IngestConfig(inputs=[InputSpec(path=f) for f in files])).kept
    items, _ = load_benchmark_items(list(DEFAULT_BENCHMARKS), str(shared / "benchmarks"))
    real = decontaminate(real, DecontamConfig(), items=items).kept  # contamination is planted separately
    templates = [t for t in (p.problem.split(" ") for p in real) if len(t) >= 6]  # CJK rows have few spaces
    vocab = [w for t in templates for w in t]
    num = re.compile(r"\d+")
    n_dup, n_contam = rows // 50, 1000
    out: list[Problem] = []
    for i in range(rows - n_dup - n_contam):
        words = rng.choice(templates)
        text = " ".join(w if rng.random() < 0.5 else rng.choice(vocab) for w in words)
        text = num.sub(lambda m: str(rng.randint(2, 9999)), text)
        out.append(Problem(id=f"syn:{i}", problem=text, answer="1", source="synthetic"))
    dups, contam = set(), set()
    for i in range(n_dup):
        src = out[rng.randrange(len(out))]
        out.append(Problem(id=f"dup:{i}", problem=perturb(src.problem, rng)[0], answer="1", source="planted"))
        dups.add(f"dup:{i}")
    for i, it in enumerate(rng.sample(items, n_contam)):
        out.append(Problem(id=f"contam:{i}", problem=perturb(it.problem, rng)[0], answer="1", source="planted"))
        contam.add(f"contam:{i}")
    tail = out[rows - n_dup - n_contam:]
    rng.shuffle(tail)  # planted rows come after the rows they copy
    return out[:rows - n_dup - n_contam] + tail, dups, contam


def main() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2, help="tokeniser processes (the machine has 2 cores)")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    args = ap.parse_args()
    rng = random.Random(0)
    t0 = time.perf_counter()
    pool, dups, contam = build_pool(Path(args.shared), args.rows, rng)
    print(f"built {len(pool):,} rows in {time.perf_counter() - t0:.1f} s (not timed below); "
          f"peak RSS {rss_gib():.2f} GiB")
    dcfg, ccfg = DedupConfig(chunk_rows=100_000), DecontamConfig()
    t1, c1 = time.perf_counter(), cpu_s()
    tok = Tokenizer()
    encs = encode_chunks(pool, tok, dcfg.chunk_rows, workers=args.workers)  # one tokenisation for both stages
    t_tok = time.perf_counter()
    d = dedup(pool, dcfg, encoded=encs)
    t2 = time.perf_counter()
    items, _ = load_benchmark_items(list(DEFAULT_BENCHMARKS), str(Path(args.shared) / "benchmarks"))
    index = {p.id: i for i, p in enumerate(pool)}
    kept_rows = np.array([index[p.id] for p in d.kept], dtype=np.int64)
    c = decontaminate(d.kept, ccfg, items=items, tokenizer=tok, encoded=gather(encs, kept_rows, dcfg.chunk_rows))
    t3 = time.perf_counter()
    gone_d = {r["id"] for r in d.removed}
    gone = gone_d | {r["id"] for r in c.removed}
    clean = [p.id for p in pool if p.id.startswith("syn:")]
    false = sum(1 for i in clean if i in gone)
    print(f"tokenise       {t_tok - t1:6.1f} s  (once, shared by both stages, {args.workers} processes)")
    print(f"dedup          {t2 - t_tok:6.1f} s  removed {len(d.removed):,} "
          f"(exact {d.stats['exact_duplicates']:,}, near {d.stats['near_duplicates']:,})")
    print(f"decontaminate  {t3 - t2:6.1f} s  removed {len(c.removed):,}")
    print(f"total          {t3 - t1:6.1f} s  (goal < 60 s)   CPU {cpu_s() - c1:.1f} s   "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores   peak RSS {rss_gib():.2f} GiB")
    print(f"duplicate recall {len(dups & gone_d) / len(dups):.4f}   contamination recall "
          f"{len(contam & gone) / len(contam):.4f}   synthetic rows removed {false:,} "
          f"({false / len(clean):.4%})")


if __name__ == "__main__":
    main()
