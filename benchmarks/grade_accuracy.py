"""Grader accuracy: limo vs plain Math-Verify on the checked grading corpus, side by side.

    .venv/bin/python benchmarks/grade_accuracy.py [--cases tests/data/grade_cases.jsonl]

Each case has a gold, a response and a label checked by hand (`expected`). The note's prefix says where
the case comes from: `edge/` hand-built edge cases, `trace/` real model responses from ../shared/traces
(their harness flags re-checked), `format/` benchmark answer formats. Prints accuracy, false positives
(graded right, labelled wrong) and false negatives for both graders per group, then the cases where
limo is wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grade_throughput import plain_math_verify  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    from limo.grade import grade_many
    from limo.jsonl import read_jsonl

    p = argparse.ArgumentParser(allow_abbrev=False, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=Path, default=ROOT / "tests" / "data" / "grade_cases.jsonl")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    cases = read_jsonl(args.cases)
    limo = [v.correct for v in grade_many([(c["response"], c["gold"]) for c in cases], workers=args.workers,
                                          timeout=10)]
    mv = [plain_math_verify(c["response"], c["gold"]) for c in cases]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        groups[c["note"].split("/", 1)[0]].append(i)
        groups["all"].append(i)
    print(f"{'group':<8} {'n':>5}  {'limo acc':>8} {'FP':>3} {'FN':>3}   {'MV acc':>8} {'FP':>3} {'FN':>3}")
    for name, idx in sorted(groups.items(), key=lambda kv: kv[0] == "all"):
        row = [name, len(idx)]
        for got in (limo, mv):
            right = sum(got[i] == cases[i]["expected"] for i in idx)
            fp = sum(got[i] and not cases[i]["expected"] for i in idx)
            fn = sum(not got[i] and cases[i]["expected"] for i in idx)
            row += [right / len(idx), fp, fn, right]
        print(f"{row[0]:<8} {row[1]:>5}  {row[2]:8.4f} {row[3]:>3} {row[4]:>3}   {row[6]:8.4f} {row[7]:>3} {row[8]:>3}"
              f"   (limo {row[5]}/{row[1]}, MV {row[9]}/{row[1]})")
    wrong = [i for i in range(len(cases)) if limo[i] != cases[i]["expected"]]
    for i in wrong:
        print(f"limo wrong: {cases[i]['note'][:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
