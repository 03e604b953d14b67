"""`limo grade` end to end: order, fields, summary line, and errors naming file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from limo.cli import main
from limo.jsonl import read_jsonl, write_jsonl

ROWS = [
    {"id": 0, "response": "so \\boxed{5}... wait, \\boxed{7}", "gold": 7},
    {"id": 1, "response": "I am not sure.", "gold": "3"},
    {"id": 2, "response": "The answer is $\\frac{1}{2}$.", "gold": 0.5},
    {"id": 3, "response": "\\boxed{50}", "gold": "0.5"},
    {"id": 4, "response": "\\boxed{1}", "gold": ""},
]


def test_cli_writes_rows_in_order_with_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, ROWS)
    assert main(["grade", str(src), "-o", str(out), "--workers", "2", "--no-progress"]) == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["correct"] for r in rows] == [True, False, True, False, False]
    assert [r["reason"] for r in rows] == ["equal", "no_answer", "equal", "not_equal", "invalid_gold"]
    assert rows[0]["extracted"] == "7" and rows[0]["rule"] == "boxed"
    assert rows[2]["rule"] == "answer_is"
    summary = capsys.readouterr().out
    assert "5 rows, accuracy 0.4000 (2/5)" in summary and "no_answer 1" in summary
    assert json.loads((tmp_path / "out.jsonl.provenance.json").read_text())["counts"]["equal"] == 2


def test_cli_custom_fields(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, [{"code": "\\boxed{C}", "answer": "C. 1-\\mathrm{i}"}])
    assert main(["grade", str(src), "-o", str(out), "--response-field", "code", "--gold-field", "answer",
                 "--no-progress"]) == 0
    assert read_jsonl(out)[0]["correct"] is True


def test_cli_missing_field_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"response": "\\\\boxed{1}", "gold": 1}\n{"response": "x"}\n')
    assert main(["grade", str(src), "-o", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"{src}:2" in err and "'gold'" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_bad_json_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"response": "a", "gold": 1}\n{"response": \n')
    assert main(["grade", str(src), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert f"{src}:2" in capsys.readouterr().err
