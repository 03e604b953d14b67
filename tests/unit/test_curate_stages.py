"""ingest, decontaminate, score, select, pipeline on small hand-made fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from limo.cli import main as limo_main
from limo.curate.decontam import DecontamConfig, decontaminate
from limo.curate.ingest import IngestConfig, InputSpec, ingest
from limo.curate.score import ChainScorer, ScoreConfig, score_chains
from limo.curate.select import SelectConfig, select
from limo.records import Problem, Sample

BENCH = [
    Problem(id="m1", source="math500", answer="5", problem=(
        r"The graph of $y=\dfrac{x^2-4}{x-2}$ has a hole at some point. Find the sum of the coordinates "
        r"of that hole, and give the answer as an integer between 1 and 1,000.")),
    Problem(id="a1", source="aime24", answer="3", problem=r"Compute $\dbinom{31}{28}$."),
]


def P(i: str, text: str) -> Problem:
    return Problem(id=i, problem=text, answer="1")


def test_decontaminate_finds_surface_changed_copies() -> None:
    rows = [
        P("copy", "problem 7: THE GRAPH OF y = \\frac{x^2-4}{x-2} has a hole at some point. find the sum of "
                  "the coordinates of that hole, and give the answer as an integer between 1 and 1000."),
        P("trunc", r"The graph of $y=\frac{x^2-4}{x-2}$ has a hole at some point. Find the sum of the"),
        P("short", r"compute \binom{31}{28}"),
        P("variant", r"The graph of $y=\dfrac{x^2-9}{x-3}$ has a hole at some point. Find the sum of the "
                     r"coordinates of that hole, and give the answer as an integer between 5 and 7,000."),
        P("clean", "A train leaves at noon travelling at 60 miles per hour; when does it arrive 150 miles away?"),
    ]
    r = decontaminate(rows, DecontamConfig(), items=BENCH)
    removed = {x["id"]: x for x in r.removed}
    assert set(removed) == {"copy", "trunc", "short"}
    assert (removed["copy"]["benchmark"], removed["copy"]["item"]) == ("math500", "m1")
    assert removed["short"]["benchmark"] == "aime24" and removed["short"]["reason"] == "benchmark_fuzzy"
    assert [p.id for p in r.kept] == ["variant", "clean"]
    assert r.stats["removed_per_benchmark"] == {"math500": 2, "aime24": 1}


def test_ingest_field_mapping_and_rows_without_answer(tmp_path: Path) -> None:
    f = tmp_path / "pool.jsonl"
    rows = [{"question": "Q1?", "final_answer": "7", "answer": "worked... #### 7"},
            {"question": "Q2?", "answer": None, "label": None},
            {"question": "  ", "answer": "1"},
            {"question": "Q4?", "label": "B", "other": {"solution": "because"}, "id": 9}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = ingest(IngestConfig(inputs=[InputSpec(path=str(f), source="gsm")]))
    assert [(p.id, p.answer, p.solution) for p in r.kept] == [("gsm:1", "7", None), ("gsm:9", "B", "because")]
    assert [x["reason"] for x in r.removed] == ["no_answer", "no_problem"]


def chain(pid: str, i: int, text: str) -> Sample:
    return Sample(problem_id=pid, sample_index=i, response=text)


def test_score_features_count_known_keywords() -> None:
    text = "Let me check this. Wait, perhaps we might verify it; therefore since x=2, Check again."
    f = ChainScorer(ScoreConfig(per_length=False)).features([text])[0]
    words = len("Let me check this Wait perhaps we might verify it therefore since x 2 Check again".split())
    assert f.tolist() == [words, 4, 2, 2]  # check, wait, verify, Check / perhaps, might / therefore, since
    g = ChainScorer(ScoreConfig()).features([text])[0]
    assert g[1] == pytest.approx(4 / words)


def test_score_weights_and_zscore() -> None:
    feats = np.array([[100, 0.0, 0.0, 0.0], [300, 0.02, 0.01, 0.03]])
    s = ChainScorer(ScoreConfig()).score(feats)
    assert s[0] == pytest.approx(-1.0) and s[1] == pytest.approx(1.0)  # every feature z = -1 / +1
    only_len = ChainScorer(ScoreConfig(weights={"elaborated": 1.0})).score(feats)
    assert only_len.tolist() == pytest.approx([-1.0, 1.0])
    with pytest.raises(ValueError):
        ScoreConfig(weights={"brevity": 1.0})


def test_phrase_keywords_and_select_best_per_problem_then_top_n() -> None:
    cfg = ScoreConfig(keywords={"verification": ["make sure", "check"], "exploration": ["perhaps"],
                                "granularity": ["therefore"]}, per_length=False)
    assert ChainScorer(cfg).features(["make sure make sure, check"])[0][1] == 3
    long = "First step. " * 40 + "Let me check: verify again, perhaps another way. Therefore the answer is 1."
    chains = [chain("p1", 0, "Short answer 1."), chain("p1", 1, long), chain("p2", 0, long[:200]),
              chain("p3", 0, "Answer 1.")]
    score_chains(chains, ScoreConfig())
    problems = [Problem(id=f"p{i}", problem=f"q{i}", answer="1", domain="alg" if i < 3 else "geo")
                for i in (1, 2, 3, 4)]
    r = select(problems, chains, SelectConfig(top_n=2))
    assert [(p.id, p.solution) for p in r.kept] == [("p1", long), ("p2", long[:200])]
    assert {x["id"]: x["reason"] for x in r.removed} == {"p3": "below_top_n", "p4": "no_correct_chain"}
    bal = select(problems, chains, SelectConfig(top_n=2, balance_domains=True))
    assert sorted(p.domain for p in bal.kept) == ["alg", "geo"]


def test_cli_run_recipe_skips_unchanged_stages(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bench = tmp_path / "bench" / "aime"
    bench.mkdir(parents=True)
    bench.joinpath("test.jsonl").write_text(json.dumps(
        {"id": 1, "problem": BENCH[0].problem, "answer": "5", "url": "u", "solution": "s"}) + "\n")
    pool = tmp_path / "pool.jsonl"
    rows = [{"problem": f"How many apples does person {i} hold if each of {i} baskets has {i + 3} apples?",
             "answer": str(i * (i + 3)), "solution": f"Each basket has {i + 3}; let me check: "
             f"{i} times {i + 3} is {i * (i + 3)}. Therefore \\boxed{{{i * (i + 3)}}}"} for i in range(1, 7)]
    rows.append(dict(rows[0]))  # a duplicate
    rows.append({"problem": BENCH[0].problem, "answer": "5", "solution": "\\boxed{5}"})  # contamination
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = tmp_path / "curate.yaml"
    recipe.write_text(f"""
output_dir: {tmp_path / 'run'}
ingest: {{inputs: [{{path: {pool}, source: toy}}]}}
decontaminate: {{benchmarks: [aime24], data_dir: {tmp_path / 'bench'}}}
chains: {{use_solutions: true}}
select: {{top_n: 3}}
""")
    assert limo_main(["curate", "run", str(recipe)]) == 0
    out = tmp_path / "run" / "07_select" / "selected.jsonl"
    sel = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(sel) == 3 and all("boxed" in s["solution"] for s in sel)
    card = (tmp_path / "run" / "DATACARD.md").read_text()
    assert "exact_duplicate 1" in card and "benchmark_ngram 1" in card and "score.png" in card
    assert (tmp_path / "run" / "score.png").stat().st_size > 0
    capsys.readouterr()
    assert limo_main(["curate", "run", str(recipe), "select.top_n=2"]) == 0
    log = capsys.readouterr().out
    assert log.count("up to date, skipped") == 5 and "select: 6 in, 2 kept" in log


@pytest.mark.parametrize("recipe", ["recipes/limo/curate.yaml", "recipes/tiny-curate.yaml"])
def test_shipped_recipes_validate(recipe: str) -> None:
    from limo.config import load_config
    from limo.curate.pipeline import CurateRecipe

    root = Path(__file__).resolve().parents[2]
    cfg = load_config(CurateRecipe, root / recipe)
    assert cfg.select.top_n in (800, 50) and cfg.difficulty is not None and len(cfg.difficulty.stages) == 2


def test_stage_subcommands_chain_by_files(tmp_path: Path) -> None:
    """ingest -> dedup -> decontaminate -> chains --import -> score -> select, one file to the next."""
    bench = tmp_path / "bench" / "math"
    bench.mkdir(parents=True)
    bench.joinpath("test.jsonl").write_text(json.dumps(
        {"problem": BENCH[0].problem, "answer": "5", "solution": "s", "subject": "x", "unique_id": "u1",
         "level": 1}) + "\n")
    raw = tmp_path / "raw.jsonl"
    rows = [{"question": f"Find {i} plus {i}, then check the sum twice.", "final_answer": str(2 * i),
             "solution": f"{i}+{i}={2 * i}; verify: {2 * i}-{i}={i}. Therefore \\boxed{{{2 * i}}}"}
            for i in range(1, 5)]
    rows += [{"question": rows[0]["question"].upper(), "final_answer": "2"},  # duplicate
             {"question": BENCH[0].problem, "final_answer": "5"},          # contamination
             {"question": "no answer here"}]
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows))
    t = tmp_path
    steps = [["ingest", str(raw), "-o", f"{t}/a.jsonl", "--removed", f"{t}/a.rm", "--source", "toy"],
             ["dedup", f"{t}/a.jsonl", "-o", f"{t}/b.jsonl", "--removed", f"{t}/b.rm"],
             ["decontaminate", f"{t}/b.jsonl", "-o", f"{t}/c.jsonl", "--removed", f"{t}/c.rm",
              "--benchmarks", "math500", "--data-dir", f"{t}/bench"],
             ["chains", f"{t}/c.jsonl", "-o", f"{t}/d.jsonl", "--import", f"{t}/c.jsonl"],
             ["score", f"{t}/d.jsonl", "-o", f"{t}/e.jsonl"],
             ["select", f"{t}/e.jsonl", "--problems", f"{t}/c.jsonl", "-o", f"{t}/f.jsonl", "--top-n", "3"]]
    for step in steps:
        assert limo_main(["curate", *step]) == 0, step
    removed = {s: [json.loads(x)["reason"] for x in (t / f"{s}.rm").read_text().splitlines()] for s in "abc"}
    assert removed == {"a": ["no_answer"], "b": ["exact_duplicate"], "c": ["benchmark_ngram"]}
    final = [json.loads(x) for x in (t / "f.jsonl").read_text().splitlines()]
    assert len(final) == 3 and all(p["solution"].endswith("}") and "score" in p["meta"] for p in final)
    assert limo_main(["curate", "decontaminate", f"{t}/b.jsonl", "-o", f"{t}/x.jsonl",
                      "--benchmarks", "nope", "--data-dir", f"{t}/bench"]) == 2  # unknown name: clean error


def test_imported_chains_find_their_ingested_problems(tmp_path) -> None:
    # Found by `limo demo`: ingest names rows `<source>:<id>`, so chains written against the pool's own
    # ids matched nothing and every problem lost its chain.
    from limo.curate.chains import ChainsConfig, chains
    from limo.records import Problem, Sample, write_records

    problems = [Problem(id="pool:a", problem="1+1?", answer="2"), Problem(id="pool:b", problem="2+2?", answer="4"),
                Problem(id="other:b", problem="3+3?", answer="6")]
    write_records(tmp_path / "c.jsonl", [Sample(problem_id="a", sample_index=0, response="\\boxed{2}"),
                                         Sample(problem_id="b", sample_index=0, response="\\boxed{4}"),
                                         Sample(problem_id="pool:b", sample_index=1, response="\\boxed{4}")])
    r = chains(problems, ChainsConfig(import_paths=[str(tmp_path / "c.jsonl")]), tmp_path)
    assert sorted((s.problem_id, s.sample_index) for s in r.kept) == [("pool:a", 0), ("pool:b", 1)]
    assert r.stats["imported_unknown_problem"] == 1  # raw "b" is ambiguous (pool:b and other:b)
