"""Model text never stops an eval (grader exceptions become `error` verdicts), RUN/config.json pins every
field that decides a sample, and --rescore refuses samples of unknown problems cleanly."""

from __future__ import annotations

import json

import pytest

from limo.errors import LimoError
from limo.eval.config import EvalConfig
from limo.eval.metrics import Outcome, summarize
from limo.eval.rundir import RunDir
from limo.eval.runner import config_record, grade_sample, rescore
from limo.records import Problem, Sample, Verdict, write_records


def _boom(*args, **kwargs):
    raise ValueError("grader bug on 7 - 0 \\cdot \\infty")


def test_a_grader_exception_is_an_error_verdict_not_a_crash(monkeypatch):
    monkeypatch.setattr("limo.grade.grade", _boom)
    p = Problem(id="1", problem="q", answer="7")
    s = grade_sample(p, Sample(problem_id="1", sample_index=0, response="\\boxed{7 - 0 \\cdot \\infty}"), 1.0)
    assert s.verdict is not None and s.verdict.reason == "error" and s.verdict.correct is False
    assert "ValueError" in s.verdict.rule


def test_maj_at_k_survives_a_raising_comparison():
    def eq(a, b):
        raise RuntimeError("sympy blew up")

    outs = [Outcome("1", [True, False, True], ["1", "2", "1"]), Outcome("2", [False, False, False], ["3", "4", "5"])]
    m = summarize(outs, equivalent=eq, bootstrap_iters=20)
    assert m["vote_errors"] > 0 and m["maj_at_k"]["1"] is not None


def _run(tmp_path, **generation):
    cfg = EvalConfig(output_dir=str(tmp_path), benchmarks=["gaokao"], generation={"model": "m", **generation},
                     bootstrap_iters=20)
    RunDir(tmp_path).pin_config(config_record(cfg))
    RunDir(tmp_path).freeze_problems("gaokao", [Problem(id="0", problem="q", answer="7")])
    return cfg


def test_rescore_with_a_raising_grader_finishes_and_counts_errors(tmp_path, monkeypatch):
    _run(tmp_path)
    write_records(tmp_path / "gaokao" / "samples.jsonl",
                  [Sample(problem_id="0", sample_index=0, response="\\boxed{7}", finish_reason="stop",
                          completion_tokens=3, verdict=Verdict(correct=True, reason="equal", extracted="7"))])
    monkeypatch.setattr("limo.grade.grade_many", _boom)
    monkeypatch.setattr("limo.grade.grade", _boom)
    monkeypatch.setattr("limo.grade.answers_equivalent", _boom)
    results = json.loads(rescore(tmp_path, progress=False).read_text())
    b = results["benchmarks"]["gaokao"]
    assert b["grader_reasons"] == {"error": 1} and b["metrics"]["avg_at_n"] == 0.0
    assert "1 samples graded `error`" in (tmp_path / "report.md").read_text()


def test_rescore_of_a_sample_with_an_unknown_problem_is_a_clean_error(tmp_path):
    _run(tmp_path)
    write_records(tmp_path / "gaokao" / "samples.jsonl", [Sample(problem_id="zz", sample_index=0, response="x")])
    with pytest.raises(LimoError, match="belongs to no problem"):
        rescore(tmp_path, progress=False)


@pytest.mark.parametrize("field,value", [("final_answer_string", "\n\nANSWER: "), ("answer_tokens", 9),
                                         ("wait_string", "Hmm"), ("max_waits", 1), ("max_model_len", 2048),
                                         ("tokenizer", "/tok"), ("openai_mode", "completions"),
                                         ("backend", "hf"), ("model", "other")])
def test_a_resume_with_another_sampling_field_is_refused_naming_it(tmp_path, field, value):
    _run(tmp_path)
    other = EvalConfig(output_dir=str(tmp_path), benchmarks=["gaokao"], generation={"model": "m", field: value})
    with pytest.raises(LimoError, match=rf"gaokao\.{field}.*new --output-dir"):
        RunDir(tmp_path).pin_config(config_record(other))


def test_a_resume_may_change_engine_and_timeout_settings(tmp_path):
    _run(tmp_path)
    other = EvalConfig(output_dir=str(tmp_path), benchmarks=["gaokao"], grade_timeout=30,
                       generation={"model": "m", "tensor_parallel_size": 2, "concurrency": 3})
    RunDir(tmp_path).pin_config(config_record(other))  # no error
