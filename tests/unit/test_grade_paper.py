"""The `paper` grader: LIMO's own evaluation rules as a second opinion (issue 9), never the default.

Each case pins one documented rule of GAIR-NLP/LIMO eval/utils (parser.py extract_answer, strip_string;
grader.py math_equal) where it differs from limo's strict grader; docs/grade.md lists the same rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from limo.cli import main
from limo.errors import LimoError
from limo.grade import grade, grade_many
from limo.grade.judge import judge
from limo.grade.paper import paper_extract
from limo.jsonl import read_jsonl, write_jsonl

# (response, gold, paper verdict, limo verdict): where the two graders part ways, and where they agree.
CASES = [
    ("so \\boxed{50}", "0.5", "equal", "not_equal"),  # percent rescaling: gold/100, gold, gold*100
    ("\\boxed{5000}", "50", "equal", "not_equal"),
    ("\\boxed{0.33333}", "\\frac{1}{3}", "equal", "not_equal"),  # absolute tolerance 1e-4
    ("\\boxed{3.1416}", "\\pi", "equal", "not_equal"),
    ("\\boxed{2, 1}", "1, 2", "equal", "equal"),  # comma lists are sorted before comparing
    ("The answer is 5.", "5", "no_answer", "equal"),  # boxed-only extraction, no fallback
    ("<think>\\boxed{7}</think> Final answer: 8", "7", "equal", "not_equal"),  # last box anywhere
    ("\\boxed{12 \\text{ cm}}", "12", "equal", "equal"),
    ("\\boxed{x^2-1}", "(x-1)(x+1)", "equal", "equal"),
    ("\\boxed{(1,2)}", "[1,2]", "equal", "not_equal"),  # bracket kind ignored element-wise
    ("\\boxed{6}", "7", "not_equal", "not_equal"),
    ("\\boxed{1}", None, "invalid_gold", "invalid_gold"),
]


@pytest.mark.parametrize("response,gold,paper,limo", CASES)
def test_paper_rules_and_where_limo_differs(response: str, gold: object, paper: str, limo: str) -> None:
    assert judge(response, gold, grader="paper").reason == paper
    assert judge(response, gold).reason == limo  # the default stays limo's grader


def test_extraction_is_the_last_boxed_substring() -> None:
    assert paper_extract("\\boxed{3} then \\boxed{\\frac{1}{2}}.") == "\\frac{1}{2}"
    assert paper_extract("so \\boxed 5$ done") == "5"
    assert paper_extract("no box here") == ""


def test_public_api_and_cli_take_the_grader(tmp_path: Path) -> None:
    assert grade("\\boxed{50}", "0.5", grader="paper").correct
    assert not grade("\\boxed{50}", "0.5").correct
    assert [v.correct for v in grade_many([("\\boxed{50}", "0.5")], grader="paper")] == [True]
    with pytest.raises(LimoError, match="unknown grader 'papr'"):
        grade("\\boxed{1}", "1", grader="papr")
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, [{"response": "\\boxed{50}", "gold": "0.5"}, {"response": "5", "gold": "5"}])
    assert main(["grade", str(src), "-o", str(out), "--grader", "paper", "--no-progress"]) == 0
    assert [r["reason"] for r in read_jsonl(out)] == ["equal", "no_answer"]
