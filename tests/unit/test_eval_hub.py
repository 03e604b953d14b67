"""Hub benchmarks without hub access: a fake `datasets.load_dataset`. The pinned revision reaches the
loader (every shipped hub benchmark has one), an unpinned one is said out loud, a count that differs
from LIMO's set is reported, and scripts/pin_hub_revisions.py writes pins the loader reads."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from limo.config import load_config
from limo.eval.benchmarks import BENCHMARKS, Benchmark, load_benchmark
from limo.eval.benchmarks.loading import load_problems

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "src" / "limo" / "eval" / "benchmarks"


def olympiad_rows(n: int) -> list[dict]:
    return [{"id": i, "question": f"Olympiad problem {i}?", "final_answer": [str(i)], "subfield": "Algebra"}
            for i in range(n)]


@pytest.fixture()
def fake_hub(monkeypatch):
    import datasets

    calls: list[tuple] = []

    def load_dataset(path, config=None, split=None, revision=None):
        calls.append((path, config, split, revision))
        return olympiad_rows(674)  # the hub's split, one short of LIMO's 675 (issue 12)

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return calls


def test_hub_count_differing_from_limos_set_is_reported(fake_hub, capsys):
    problems = load_benchmark("olympiadbench", None)
    assert len(problems) == 674 and problems[0].answer == "0"
    err = capsys.readouterr().err
    assert "olympiadbench: 674 problems from hub dataset Hothan/OlympiadBench, LIMO's set has 675" in err
    assert "has no pinned revision" not in err  # the shipped YAML pins one


def test_a_missing_pin_is_reported(fake_hub, capsys):
    bench = BENCHMARKS["olympiadbench"].model_copy(deep=True)
    bench.hub.revision = None
    load_problems(bench, None)
    assert fake_hub[-1][3] is None
    assert "has no pinned revision" in capsys.readouterr().err


def test_a_pinned_revision_reaches_the_loader_and_is_not_warned_about(fake_hub, capsys):
    bench = BENCHMARKS["olympiadbench"].model_copy(deep=True)
    bench.hub.revision = "0123abc"
    load_problems(bench, None)
    assert fake_hub == [("Hothan/OlympiadBench", "OE_TO_maths_en_COMP", "train", "0123abc")]
    assert "pinned" not in capsys.readouterr().err


def test_a_local_subset_is_reported_and_the_full_set_is_not(tmp_path, capsys):
    d = tmp_path / "aime"
    d.mkdir()
    d.joinpath("test.jsonl").write_text("".join(f'{{"id": {i}, "problem": "P{i}", "answer": "{i}"}}\n'
                                                for i in range(3)))
    load_benchmark("aime24", tmp_path)
    assert "aime24: 3 problems from the data directory, LIMO's set has 30" in capsys.readouterr().err
    d.joinpath("test.jsonl").write_text("".join(f'{{"id": {i}, "problem": "P{i}", "answer": "{i}"}}\n'
                                                for i in range(30)))
    load_benchmark("aime24", tmp_path)
    assert capsys.readouterr().err == ""


def _pin_script():
    spec = importlib.util.spec_from_file_location("pin_hub_revisions", ROOT / "scripts" / "pin_hub_revisions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pin_script_pins_every_hub_benchmark_once(tmp_path, capsys):
    pins = _pin_script()
    bench_dir = tmp_path / "benchmarks"
    shutil.copytree(BENCH_DIR, bench_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for path in bench_dir.glob("*.yaml"):  # the shipped pins removed: the script must add them back
        path.write_text(re.sub(r"revision: [0-9a-f]{40},\s*", "", path.read_text()))
    api = SimpleNamespace(dataset_info=lambda path: SimpleNamespace(sha=f"sha-of-{path.replace('/', '-')}"))
    pinned = pins.pin_all(bench_dir, api)
    hub_names = {n for n, b in BENCHMARKS.items() if b.hub is not None}
    assert set(pinned) == hub_names and hub_names
    for path in bench_dir.glob("*.yaml"):
        bench = load_config(Benchmark, path)
        if bench.hub is not None:
            assert bench.hub.revision == f"sha-of-{bench.hub.path.replace('/', '-')}"
        assert bench.model_dump(exclude={"hub"}) == BENCHMARKS[bench.name].model_dump(exclude={"hub"})
    assert pins.pin_all(bench_dir, api) == {}  # already pinned: left alone


def test_every_hub_benchmark_pins_a_commit_sha():
    """Each pin was taken from public material tying the sha to that dataset id (comment in each YAML)."""
    hub = {n: b.hub for n, b in BENCHMARKS.items() if b.hub is not None}
    assert hub and {n for n, h in hub.items() if not re.fullmatch(r"[0-9a-f]{40}", h.revision or "")} == set()
    for name in hub:
        assert "# Hub revision:" in (BENCH_DIR / f"{name}.yaml").read_text(), f"{name}: pin without its source"


def test_eval_check_says_which_hub_revision_and_reports_counts(tmp_path, capsys):
    from limo.cli import main

    assert main(["eval", "--check", "--model", "m", "--benchmarks", "math500", "--preset", "none"]) == 0
    assert ("math500: hub dataset HuggingFaceH4/MATH-500, revision 6e4ed1a2a79af7d8630a6b768ec859cb5af4d3be"
            in capsys.readouterr().out)
    d = tmp_path / "math"
    d.mkdir()
    d.joinpath("test.jsonl").write_text('{"problem": "P", "answer": "1"}\n')
    assert main(["eval", "--check", "--model", "m", "--benchmarks", "math500", "--preset", "none",
                 "--data-dir", str(tmp_path)]) == 0
    assert "math500: 1 problems from the data directory, LIMO's set has 500" in capsys.readouterr().out
