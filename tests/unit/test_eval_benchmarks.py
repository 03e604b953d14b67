"""Benchmark registry, loading from LIMO's layout, GPQA option shuffling, presets."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from limo.errors import LimoError, RecordError
from limo.eval.benchmarks import BENCHMARKS, LIMO_BENCHMARKS, load_benchmark
from limo.eval.config import EvalConfig, protocol, resolve, uses_judge
from limo.eval.mc import gold_letter_histogram, permutation_for, shuffle_problem, split_options
from limo.records import Problem

REQUIRED = {"aime24", "amc23", "math500", "olympiadbench", "minerva", "gpqa_diamond", "cn_math_2024",
            "gaokao", "kaoyan", "gradeschool", "aime25", "gsm8k"}


def write_layout(root, name, rows):
    d = root / name
    d.mkdir(parents=True)
    (d / "test.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def gpqa_question(stem, options):
    body = "\n".join(f"{letter}. {o}" for letter, o in zip("ABCD", options))
    return f"{stem}\n\n{body}\n\nPlease reason step-by-step and put your choice letter in \\boxed{{}}."


def test_registry_has_every_benchmark_with_a_version_and_limo_protocol():
    assert REQUIRED <= set(BENCHMARKS) and set(LIMO_BENCHMARKS) <= set(BENCHMARKS)
    assert all(b.version >= 1 for b in BENCHMARKS.values())
    sampled = {n for n, b in BENCHMARKS.items() if b.protocol.n > 1 and n != "aime25"}
    assert sampled == {"aime24", "amc23", "cn_math_2024"}
    for n in sampled:
        p = BENCHMARKS[n].protocol
        assert (p.n, p.temperature, p.top_p) == (16, 0.7, 0.95)
    assert {n for n, b in BENCHMARKS.items() if b.protocol.judge} == {"gradeschool", "kaoyan"}
    assert BENCHMARKS["math500"].limo_dir == "math" and BENCHMARKS["gradeschool"].limo_dir == "grade_school_math"


def test_unknown_benchmark_lists_the_known_ones():
    with pytest.raises(LimoError, match="unknown benchmark 'aime2024'; known: .*aime24.*math500"):
        load_benchmark("aime2024")


def test_local_layout_fields_ids_and_sources(tmp_path):
    write_layout(tmp_path, "amc", [{"id": 0, "problem": "P0", "question": "P0", "answer": 27.0, "url": "u"}])
    write_layout(tmp_path, "minerva", [{"question": "Q0", "answer": "4.5e33"}, {"question": "Q1", "answer": "1"}])
    write_layout(tmp_path, "gaokao", [{"idx": 3, "question": "G", "answer": "C. x", "choice_answer": "C"}])
    write_layout(tmp_path, "gsm8k", [{"question": "How many?", "answer": "3 + 4 = 7\n#### 1,007"}])
    amc = load_benchmark("amc23", tmp_path)[0]
    assert (amc.id, amc.problem, amc.answer, amc.source, amc.meta) == ("0", "P0", 27.0, "amc23", {"url": "u"})
    assert [p.id for p in load_benchmark("minerva", tmp_path)] == ["0", "1"]  # line index when no id
    gk = load_benchmark("gaokao", tmp_path)[0]
    assert gk.id == "3" and gk.answer == "C. x" and gk.meta["alt_answers"] == ["C"]
    assert load_benchmark("gsm8k", tmp_path)[0].answer == "1007"


def test_loading_errors_name_the_file_and_line(tmp_path):
    write_layout(tmp_path, "aime", [{"id": 1, "problem": "ok", "answer": "1"}, {"id": 2, "answer": "3"}])
    with pytest.raises(RecordError, match=r"aime/test.jsonl:2: no problem text"):
        load_benchmark("aime24", tmp_path)
    with pytest.raises(LimoError, match="cn_math_2024/test.jsonl not found"):
        load_benchmark("cn_math_2024", tmp_path)
    with pytest.raises(LimoError, match="no hub dataset"):
        load_benchmark("kaoyan", None)


def test_gpqa_shuffle_moves_the_gold_with_its_option_and_is_seeded(tmp_path):
    rows = [{"id": i, "question": gpqa_question(f"Q{i}?", [f"right{i}", f"w1_{i}", f"w2_{i}", f"w3_{i}"]),
             "answer": "A"} for i in range(40)]
    write_layout(tmp_path, "gpqa", rows)
    shuffled = load_benchmark("gpqa_diamond", tmp_path, shuffle_seed=7)
    published = load_benchmark("gpqa_diamond_published", tmp_path)
    assert gold_letter_histogram(published) == {"A": 40, "B": 0, "C": 0, "D": 0}
    hist = gold_letter_histogram(shuffled)
    assert max(hist.values()) < 25 and min(hist.values()) > 0
    for p in shuffled:
        stem, options, tail = split_options(p.problem)
        assert options["ABCD".index(p.answer)] == f"right{p.id}"  # the gold letter points at the right text
        assert sorted(options) == sorted([f"right{p.id}", f"w1_{p.id}", f"w2_{p.id}", f"w3_{p.id}"])
        assert p.meta["permutation"] == permutation_for(p.id, 7) and p.meta["published_answer"] == "A"
        assert tail.startswith("\n\nPlease reason")
    again = load_benchmark("gpqa_diamond", tmp_path, shuffle_seed=7)
    assert [p.problem for p in again] == [p.problem for p in shuffled]
    other = load_benchmark("gpqa_diamond", tmp_path, shuffle_seed=8)
    assert [p.answer for p in other] != [p.answer for p in shuffled]
    # Not one permutation for every question (the evalchemy#155 bug).
    assert len(Counter(tuple(p.meta["permutation"]) for p in shuffled)) > 5


def test_shuffle_refuses_a_non_letter_gold():
    p = Problem(id="1", problem=gpqa_question("Q", ["a", "b", "c", "d"]), answer="42")
    with pytest.raises(RecordError, match="not A-D"):
        shuffle_problem(p, 0)


def test_limo_preset_resolution_and_user_overrides(tmp_path):
    cfg = EvalConfig(output_dir=str(tmp_path), generation={"model": "m"})
    aime, math = resolve(cfg, "aime24"), resolve(cfg, "math500")
    assert (aime.n, aime.temperature, aime.top_p, aime.max_tokens) == (16, 0.7, 0.95, 32768)
    assert (math.n, math.temperature, math.top_p) == (1, 0.0, 1.0)
    assert aime.system_prompt.startswith("Please reason step by step")
    assert "gpqa_diamond_published" in cfg.benchmark_names() and len(cfg.benchmark_names()) == 11
    over = EvalConfig(output_dir=str(tmp_path), generation={"model": "m", "n": 2, "max_tokens": 64})
    assert (resolve(over, "aime24").n, resolve(over, "aime24").temperature, resolve(over, "math500").n) == (2, 0.7, 2)
    none = EvalConfig(output_dir=str(tmp_path), preset="none", generation={"model": "m"})
    assert resolve(none, "aime24").n == 1
    judged = EvalConfig(output_dir=str(tmp_path), generation={"model": "m"}, judge={"model": "j"})
    assert uses_judge(judged, "kaoyan") and not uses_judge(judged, "math500") and not uses_judge(cfg, "kaoyan")
    assert protocol(cfg, "kaoyan")["judge_wanted_by_preset"] is True
    with pytest.raises(LimoError, match="unknown benchmark"):
        EvalConfig(output_dir=str(tmp_path), benchmarks=["nope"], generation={"model": "m"}).benchmark_names()


def test_limo_v3_preset_differs_from_limo_only_where_the_later_paper_does(tmp_path):
    """arXiv v3 §5: 4 samples at T=0.6 on AIME24, AMC23 and CHMath; greedy and the rest as v1."""
    v1 = EvalConfig(output_dir=str(tmp_path), generation={"model": "m"}, judge={"model": "j"})
    v3 = EvalConfig(output_dir=str(tmp_path), preset="limo-v3", generation={"model": "m"}, judge={"model": "j"})
    assert v3.benchmark_names() == v1.benchmark_names()
    differ = {name for name in BENCHMARKS if resolve(v1, name) != resolve(v3, name)}
    assert differ == {"aime24", "amc23", "cn_math_2024"}
    for name in differ:
        got = resolve(v3, name)
        assert (got.n, got.temperature, got.top_p) == (4, 0.6, resolve(v1, name).top_p)
    assert all(uses_judge(v3, n) == uses_judge(v1, n) for n in BENCHMARKS)
    user = EvalConfig(output_dir=str(tmp_path), preset="limo-v3", generation={"model": "m", "n": 8})
    assert resolve(user, "aime24").n == 8  # the user's flags still win


@pytest.mark.integration
def test_limo_data_loads_with_expected_counts_and_gpqa_is_debiased(shared_dir):
    for name, bench in BENCHMARKS.items():
        if not (shared_dir / "benchmarks" / bench.limo_dir).is_dir():
            continue
        problems = load_benchmark(name, shared_dir / "benchmarks")
        assert len(problems) == bench.expected_count, name
        assert len({p.id for p in problems}) == len(problems)
    hist = gold_letter_histogram(load_benchmark("gpqa_diamond", shared_dir / "benchmarks"))
    assert sum(hist.values()) == 198 and max(hist.values()) < 0.4 * 198
