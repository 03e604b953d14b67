"""Pin every hub benchmark to a commit: writes `revision: <sha>` into each src/limo/eval/benchmarks/*.yaml
whose hub block has none, using the hub's current commit of that dataset. Needs hub access.

    python scripts/pin_hub_revisions.py            # edit the YAMLs; review `git diff`, then commit
    python scripts/pin_hub_revisions.py --dry-run  # print what it would pin
    python scripts/pin_hub_revisions.py --count    # also load each pinned dataset and compare its rows
                                                   # with the YAML's expected_count (LIMO's file)

limo itself never resolves revisions at run time: an unpinned hub benchmark loads the newest data and
says so. Bump the benchmark's `version` when a re-pin changes its data.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parents[1] / "src" / "limo" / "eval" / "benchmarks"


def pin_text(text: str, sha: str) -> str:
    """The YAML text with `revision: sha` added to its `hub: {path: ..., ...}` flow mapping."""
    new, n = re.subn(r"(hub:\s*\{\s*path:\s*[^,}]+,)", rf"\1 revision: {sha},", text, count=1)
    if n != 1:
        raise SystemExit("no `hub: {path: ...,` mapping found to pin")
    return new


def pin_all(bench_dir: Path, api: Any, dry_run: bool = False) -> dict[str, str]:
    """{benchmark: sha} for every hub benchmark pinned now (those already pinned are left alone)."""
    from limo.config import load_config
    from limo.eval.benchmarks import Benchmark

    pinned: dict[str, str] = {}
    for path in sorted(bench_dir.glob("*.yaml")):
        bench = load_config(Benchmark, path)
        if bench.hub is None or bench.hub.revision is not None:
            continue
        sha = api.dataset_info(bench.hub.path).sha
        pinned[bench.name] = sha
        print(f"{bench.name}: {bench.hub.path} @ {sha}")
        if not dry_run:
            path.write_text(pin_text(path.read_text(), sha))
            assert load_config(Benchmark, path).hub.revision == sha  # the edit is what the loader reads
    return pinned


def count_rows(bench_dir: Path) -> None:
    from limo.eval.benchmarks.loading import load_problems
    from limo.config import load_config
    from limo.eval.benchmarks import Benchmark

    for path in sorted(bench_dir.glob("*.yaml")):
        bench = load_config(Benchmark, path)
        if bench.hub is not None:
            n = len(load_problems(bench, None))
            print(f"{bench.name}: {n} rows at {bench.hub.revision} (LIMO's file: {bench.expected_count})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--count", action="store_true")
    args = p.parse_args(argv)
    from huggingface_hub import HfApi

    pin_all(BENCH_DIR, HfApi(), dry_run=args.dry_run)
    if args.count:
        count_rows(BENCH_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
