"""`limo grade` on real model responses from ../shared/traces (skips when the data is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from limo.cli import main
from limo.jsonl import read_jsonl, write_jsonl

pytestmark = pytest.mark.integration


def test_grade_real_short_traces(shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = shared_dir / "traces" / "skythought_evals" / "short" / "Qwen2.5-14B-Instruct.jsonl"
    rows = []
    with src.open() as f:
        for i, line in enumerate(f):
            if i >= 300:
                break
            row = json.loads(line)
            gold = row["answer"] if row.get("answer") is not None else row["gt"]
            rows.append({"i": i, "response": row["code"][0], "gold": gold, "flag": bool(row["score"][0])})
    write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    assert main(["grade", str(tmp_path / "in.jsonl"), "-o", str(out), "--workers", "2", "--no-progress"]) == 0
    graded = read_jsonl(out)
    assert [r["i"] for r in graded] == list(range(len(rows)))
    assert not [r for r in graded if r["reason"] in ("error", "timeout")]
    # The harness flags have known false positives (x100 rescaling, abs tolerance), so agreement is high
    # but not total; a broken grader would fall far below this.
    agree = sum(r["correct"] == r["flag"] for r in graded) / len(graded)
    assert agree >= 0.93, agree
    assert "300 rows, accuracy" in capsys.readouterr().out


def test_benchmark_golds_are_all_usable(shared_dir: Path) -> None:
    """Every gold of every benchmark normalises (no `invalid_gold`) and grades itself as equal."""
    from limo.grade import grade_many
    from limo.grade.gold import gold_text

    pairs = []
    for path in sorted((shared_dir / "benchmarks").glob("*/test.jsonl")):
        for row in read_jsonl(path):
            text = gold_text(row["answer"])
            assert text is not None, (path, row["answer"])
            pairs.append((f"The final answer is $\\boxed{{{text}}}$.", row["answer"]))
    verdicts = grade_many(pairs, workers=2, timeout=20)
    wrong = [(p[1], v.reason) for p, v in zip(pairs, verdicts) if not v.correct]
    assert not wrong, wrong[:10]
