"""The grading corpus: every hand-checked case in tests/data/grade_cases.jsonl must be graded as labelled.

Cases come from the answer formats of all ten benchmarks (`format/`), hand-built edge cases (`edge/`)
and real model responses from ../shared/traces with re-checked labels (`trace/`). A grader mistake found
anywhere becomes a new case here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from limo.grade import grade_many
from limo.jsonl import read_jsonl

CASES = Path(__file__).resolve().parents[1] / "data" / "grade_cases.jsonl"


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return read_jsonl(CASES)


def test_corpus_is_well_formed_and_large_enough(cases: list[dict]) -> None:
    assert len(cases) >= 400
    for c in cases:
        assert set(c) == {"gold", "response", "expected", "note"}, c
        assert isinstance(c["expected"], bool) and isinstance(c["response"], str) and c["note"]
    groups = Counter(c["note"].split("/", 1)[0] for c in cases)
    assert groups["edge"] >= 53 and groups["trace"] >= 150 and groups["format"] >= 100, groups
    benchmarks = {c["note"].split("/", 1)[1].split(":", 1)[0] for c in cases if c["note"].startswith("format/")}
    assert benchmarks >= {"aime", "amc", "cn_math_2024", "gaokao", "gpqa", "grade_school_math", "kaoyan",
                          "math", "minerva", "olympiadbench"}
    labels = Counter(c["expected"] for c in cases)
    assert labels[True] >= 100 and labels[False] >= 100  # both kinds of mistake are tested


def test_every_case_is_graded_as_labelled(cases: list[dict]) -> None:
    verdicts = grade_many([(c["response"], c["gold"]) for c in cases], workers=2, timeout=30.0)
    wrong = [f"{c['note'][:90]} | gold={c['gold']!r:.40} | got {v.reason} {v.extracted!r:.50}"
             for c, v in zip(cases, verdicts) if v.correct != c["expected"]]
    assert not wrong, f"{len(wrong)} of {len(cases)} cases graded wrong:\n" + "\n".join(wrong)
    assert not [v for v in verdicts if v.reason in ("error", "timeout")]
