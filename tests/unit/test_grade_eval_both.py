"""`limo eval --grader both` / `--rescore --grader both`: both verdicts per sample, both scores in
results.json, and the report lists the problems where limo's grader and the paper grader disagree."""

from __future__ import annotations

import json
import re

import pytest

from limo.errors import LimoError
from limo.eval.config import EvalConfig
from limo.eval.rundir import RunDir
from limo.eval.runner import config_record, rescore
from limo.jsonl import read_jsonl
from limo.records import Problem, Sample, Verdict, write_records


def _cfg(path, grader: str = "limo") -> EvalConfig:
    return EvalConfig(output_dir=str(path), benchmarks=["math500"], generation={"model": "m", "n": 1},
                      bootstrap_iters=20, grader=grader)


@pytest.fixture
def run(tmp_path):
    RunDir(tmp_path).pin_config(config_record(_cfg(tmp_path)))
    ps = [Problem(id="0", problem="q", answer="0.5"), Problem(id="1", problem="q", answer="7"),
          Problem(id="2", problem="q", answer="12")]
    RunDir(tmp_path).freeze_problems("math500", ps)
    # 50 vs 0.5: the paper grader rescales percent (equal), limo does not; 7 boxed: both agree;
    # an unboxed "The answer is 12.": limo finds it, the paper grader only reads boxes.
    responses = ["so \\boxed{50}", "so \\boxed{7}", "The answer is 12."]
    write_records(tmp_path / "math500" / "samples.jsonl",
                  [Sample(problem_id=str(i), sample_index=0, response=r, finish_reason="stop", completion_tokens=5,
                          verdict=Verdict(correct=False, reason="not_equal")) for i, r in enumerate(responses)])
    return tmp_path


def test_both_graders_recorded_scored_and_disagreements_reported(run):
    results = json.loads(rescore(run, progress=False, grader="both").read_text())
    b = results["benchmarks"]["math500"]
    assert b["metrics"]["avg_at_n"] == pytest.approx(2 / 3)  # limo: 7 and 12
    assert b["paper_grader"]["avg_at_n"] == pytest.approx(2 / 3)  # paper: 50 (as 0.5) and 7
    assert b["paper_grader"]["problems_disagreeing"] == ["0", "2"]
    assert results["overall_paper_grader"]["mean_avg_at_n"] == pytest.approx(2 / 3)
    rows = read_jsonl(run / "math500" / "samples.jsonl")
    assert [r["verdict"]["correct"] for r in rows] == [False, True, True]
    assert [r["meta"]["paper_verdict"]["correct"] for r in rows] == [True, True, False]
    dis = read_jsonl(run / "math500" / "grader_disagreements.jsonl")
    assert [(d["problem_id"], d["limo"], d["paper"]) for d in dis] == [("0", False, True), ("2", True, False)]
    report = (run / "report.md").read_text()
    assert "limo's grader vs the paper's grader" in report and "| math500 | 66.7 | 66.7 | 2 | 0, 2 |" in report


def test_paper_alone_and_back_to_limo(run):
    results = json.loads(rescore(run, progress=False, grader="paper").read_text())
    assert results["benchmarks"]["math500"]["metrics"]["avg_at_n"] == pytest.approx(2 / 3)
    assert "paper_grader" not in results["benchmarks"]["math500"]
    rescore(run, progress=False, grader="both")
    results = json.loads(rescore(run, progress=False, grader="limo").read_text())  # drops stale paper verdicts
    assert "paper_grader" not in results["benchmarks"]["math500"]
    assert all("paper_verdict" not in r.get("meta", {}) for r in read_jsonl(run / "math500" / "samples.jsonl"))


def test_cli_flag(run):
    from limo.cli import main

    assert main(["eval", "--rescore", str(run), "--grader", "both", "--no-progress"]) == 0
    assert "paper_grader" in json.loads((run / "results.json").read_text())["benchmarks"]["math500"]


def _refused(run, grader: str, was: str):
    """The resume check of `limo eval --grader <grader>` into `run` (what run_eval does before anything loads)."""
    return pytest.raises(LimoError, match=rf"graded with --grader {was}, not {grader}.*"
                                          rf"`limo eval --rescore {re.escape(str(run))} --grader {grader}`")


@pytest.mark.parametrize("grader", ["paper", "both"])
def test_a_resume_with_another_grader_is_refused_naming_rescore(run, grader):
    with _refused(run, grader, was="limo"):
        RunDir(run).check_config(config_record(_cfg(run, grader)))
    with _refused(run, grader, was="limo"):
        RunDir(run).pin_config(config_record(_cfg(run, grader)))
    assert RunDir(run).check_config(config_record(_cfg(run, "limo")))  # the same grader resumes


def test_an_old_run_without_a_recorded_grader_counts_as_limo(run):
    path = RunDir(run).config_path
    old = {k: v for k, v in json.loads(path.read_text()).items() if k != "grader"}
    path.write_text(json.dumps(old))
    assert RunDir(run).check_config(config_record(_cfg(run)))
    with _refused(run, "paper", was="limo"):
        RunDir(run).check_config(config_record(_cfg(run, "paper")))


def test_rescore_with_another_grader_records_it_so_later_resumes_agree(run):
    rescore(run, progress=False, grader="paper")
    assert RunDir(run).read_config()["grader"] == "paper"
    assert RunDir(run).check_config(config_record(_cfg(run, "paper")))
    with _refused(run, "limo", was="paper"):
        RunDir(run).check_config(config_record(_cfg(run, "limo")))


def test_rescore_without_a_grader_keeps_the_recorded_one(run):
    rescore(run, progress=False, grader="both")
    results = json.loads(rescore(run, progress=False).read_text())
    assert "paper_grader" in results["benchmarks"]["math500"]
    assert RunDir(run).read_config()["grader"] == "both"
    assert RunDir(run).read_config()["config"]["grader"] == "both"  # the config's key agrees with the pin


def test_an_interrupted_rescore_refuses_resumes_until_rerun(run, monkeypatch):
    import limo.eval.runner as runner

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_rescore_file", crash)
    with pytest.raises(KeyboardInterrupt):
        rescore(run, progress=False, grader="paper")
    for grader in ("limo", "paper"):  # neither grader's resume may add verdicts to a half-regraded run
        with pytest.raises(LimoError, match=r"--rescore .* --grader paper` was interrupted"):
            RunDir(run).check_config(config_record(_cfg(run, grader)))
    monkeypatch.undo()
    rescore(run, progress=False)  # no --grader: finishes the interrupted one
    assert RunDir(run).read_config()["grader"] == "paper" and "rescoring_to" not in RunDir(run).read_config()
    assert RunDir(run).check_config(config_record(_cfg(run, "paper")))


def test_a_run_recipe_sets_the_grader(tmp_path):
    from limo.run import RunRecipe, eval_config

    recipe = RunRecipe.model_validate({"output_dir": str(tmp_path), "eval": {
        "benchmarks": ["math500"], "generation": {"model": "m"}, "grader": "both"}})
    cfg = eval_config(recipe, tmp_path / "eval", "m")
    assert cfg.grader == "both" and config_record(cfg)["grader"] == "both"
    with pytest.raises(Exception, match="grader"):
        RunRecipe.model_validate({"output_dir": str(tmp_path), "eval": {"generation": {}, "grader": "lenient"}})
