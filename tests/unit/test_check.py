"""`--check`: every problem listed at once, the plan printed, nothing loaded or started."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from limo.check import CheckReport
from limo.cli import main
from limo.config import split_names
from limo.eval.check import check_eval
from limo.eval.config import EvalConfig
from limo.train.check import check_train
from limo.train.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]


def _fake_model(tmp_path: Path, positions: int = 32768, template: bool = True) -> Path:
    """config.json + tokenizer_config.json only: what --check reads of a model (no weights)."""
    d = tmp_path / "model"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "qwen2", "max_position_embeddings": positions}))
    (d / "tokenizer_config.json").write_text(json.dumps({"chat_template": "{{x}}"} if template else {}))
    return d


def _bench(tmp_path: Path) -> Path:
    d = tmp_path / "bench" / "demo_arith"
    d.mkdir(parents=True)
    d.joinpath("test.jsonl").write_text("".join(json.dumps({"id": i, "problem": f"{i}+1", "answer": str(i + 1)})
                                                + "\n" for i in range(5)))
    return tmp_path / "bench"


def test_report_lists_every_validation_error_with_key_and_file():
    report = CheckReport("t")
    assert report.validate(TrainConfig, {"data": "x.jsonl", "learning_rat": 1, "epochs": -1}, "r.yaml") is None
    text = "\n".join(report.problems)
    assert "r.yaml: learning_rat" in text and "r.yaml: epochs" in text and "r.yaml: output_dir" in text
    assert not report.ok and "3 problem(s)" in report.render()


def test_eval_check_finds_max_model_len_beyond_positions_and_missing_judge(tmp_path):
    """Issue 11 items 2 and 3: 36000 > 32768 positions; kaoyan judged with no judge; file-only sets."""
    model = _fake_model(tmp_path)
    cfg = EvalConfig(benchmarks=["aime24", "kaoyan", "cn_math_2024"], output_dir="r",
                     generation={"model": str(model), "max_model_len": 36000})
    report = CheckReport("t")
    check_eval(cfg, report, "reproduce.yaml")
    text = "\n".join(report.problems)
    assert "max_model_len: 36000 exceeds" in text and "32768 positions" in text
    assert "judge: preset limo grades kaoyan" in text
    assert "cn_math_2024 exists only as a file" in text and "kaoyan exists only as a file" in text
    assert "aime24: hub dataset" in "\n".join(report.notes)


def test_eval_check_passes_and_counts_generations(tmp_path):
    model = _fake_model(tmp_path)
    cfg = EvalConfig(benchmarks=["demo_arith"], preset="none", data_dir=str(_bench(tmp_path)), output_dir="r",
                     generation={"model": str(model), "n": 4, "max_tokens": 100, "max_model_len": 32768})
    report = CheckReport("t")
    plan = check_eval(cfg, report, "e.yaml")
    assert report.ok, report.problems
    assert (plan.generations, plan.gen_tokens) == (20, 2000)
    assert any("tensor_parallel_size" in n and "not checkable here" in n for n in report.notes)


def test_eval_generation_settings_are_typed():
    with pytest.raises(Exception, match="tempurature"):
        EvalConfig(output_dir="r", generation={"model": "m", "tempurature": 0.7})
    with pytest.raises(Exception, match="n"):
        EvalConfig(output_dir="r", generation={"model": "m", "n": 0})
    with pytest.raises(Exception, match="tensor_paralel_size"):
        EvalConfig(output_dir="r", generation={"model": "m"}, judge={"model": "j", "engine": {"tensor_paralel_size": 2}})


def test_train_check_counts_rows_over_the_cutoff(tmp_path):
    rows = [{"problem": "1+1?", "solution": "Two. \\boxed{2}"},
            {"problem": "long?", "solution": "word " * 400 + "\\boxed{1}"}]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = TrainConfig(model="tiny", data=str(data), max_length=256, output_dir="o", epochs=2)
    report = CheckReport("t")
    plan = check_train(cfg, report, "t.yaml")
    assert "1 row(s) longer than max_length=256 with overflow=error" in "\n".join(report.problems)
    assert any("over max_length=256: 1" in line for line in plan.lines)
    missing = TrainConfig(model="tiny", data=str(tmp_path / "nope.jsonl"), output_dir="o")
    report = CheckReport("t")
    check_train(missing, report, "t.yaml")
    assert "nope.jsonl: no such file" in "\n".join(report.problems)


def test_train_check_model_positions(tmp_path):
    model = _fake_model(tmp_path, positions=8192)
    cfg = TrainConfig(model=str(model), data="GAIR/LIMO", max_length=16384, output_dir="o")
    report = CheckReport("t")
    check_train(cfg, report, "t.yaml")
    assert "max_length: 16384 exceeds" in "\n".join(report.problems)
    assert any("GAIR/LIMO" in n and "not local" in n for n in report.notes)


def test_eval_cli_check_exits_non_zero_listing_problems(tmp_path, capsys):
    rc = main(["eval", "--check", "--model", str(_fake_model(tmp_path)), "--benchmarks", "kaoyan,gaokao",
               "aime24", "--max-model-len", "36000"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "3 problem(s)" in out or "4 problem(s)" in out, out
    assert "kaoyan" in out and "gaokao" in out and "aime24" in out


def test_eval_takes_a_config_file_and_overrides(tmp_path, capsys):
    recipe = tmp_path / "eval.yaml"
    recipe.write_text(f"benchmarks: [demo_arith]\npreset: none\ndata_dir: {_bench(tmp_path)}\n"
                      f"generation: {{model: {_fake_model(tmp_path)}, max_model_len: 32768}}\n")
    assert main(["eval", "--config", str(recipe), "generation.n=3", "--check"]) == 0
    assert "demo_arith: 5 problems x n=3" in capsys.readouterr().out
    assert main(["eval", str(recipe), "generation.tempurature=3", "--check"]) == 1
    assert "tempurature" in capsys.readouterr().out


def test_benchmark_lists_accept_commas_and_spaces():
    assert split_names(["aime24,math500", "kaoyan", "a, b"]) == ["aime24", "math500", "kaoyan", "a", "b"]


def test_generation_flags_show_names_and_types():
    out = subprocess.run([sys.executable, "-m", "limo.cli", "generate", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60).stdout
    assert " V " not in out and "--temperature FLOAT" in out and "--n INT" in out


def test_curate_check_counts_the_pool_and_finds_missing_inputs(tmp_path, capsys):
    pool = tmp_path / "pool.jsonl"
    pool.write_text("".join(json.dumps({"id": i, "problem": f"p{i}", "answer": "1"}) + "\n" for i in range(7)))
    recipe = tmp_path / "c.yaml"
    recipe.write_text(f"output_dir: {tmp_path / 'out'}\ningest: {{inputs: [{{path: {pool}}}, "
                      f"{{path: {tmp_path / 'missing.jsonl'}}}]}}\n"
                      f"decontaminate: {{benchmarks: [demo_arith], data_dir: {tmp_path / 'nobench'}}}\n"
                      "difficulty: {stages: [{name: s1, generate: {model: m, n: 4, max_tokens: 10}}]}\n")
    assert main(["curate", "run", str(recipe), "--check"]) == 1
    out = capsys.readouterr().out
    assert "pool: 7 rows" in out and "missing.jsonl: no such file" in out
    assert "demo_arith" in out and "not found" in out
    assert "generations: at most 28" in out


def test_tensor_parallel_beyond_visible_gpus_is_a_problem(monkeypatch):
    """On a GPU machine the TP check is made (here with 2 GPUs faked); on CPU it is only noted."""
    import limo.check as check

    report = CheckReport("t")
    monkeypatch.setattr(check, "visible_gpus", lambda: 2)
    check.check_gpus(report, "r.yaml", 4, "model m (tensor_parallel_size)")
    assert report.problems == ["r.yaml: model m (tensor_parallel_size): needs 4 GPU(s) but 2 are visible"]
    monkeypatch.setattr(check, "visible_gpus", lambda: 0)
    check.check_gpus(report, "r.yaml", 4, "model m")
    assert "not checkable here (no GPU visible)" in report.notes[0] and len(report.problems) == 1


def test_rope_scaling_extends_the_positions_check(tmp_path):
    """max_model_len 65536 is fine for Qwen2.5 with YaRN factor 4 configured, refused without it."""
    from limo.model_files import read_model_files

    d = _fake_model(tmp_path)
    assert read_model_files(str(d)).positions == 32768
    cfg = json.loads((d / "config.json").read_text())
    cfg["rope_scaling"] = {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
    (d / "config.json").write_text(json.dumps(cfg))
    assert read_model_files(str(d)).positions == 131072
    assert read_model_files(str(tmp_path / "absent")) is None
