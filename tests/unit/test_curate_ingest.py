"""Ingest of hub-shaped pools: NuminaMath-CoT's columns (source, problem, solution, messages; no answer
column) keep their rows, with the answer taken from the solution's last \\boxed{} and marked as derived;
hub rows are named after the dataset and their row index. No hub access: local files and a fake loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from limo.curate.ingest import IngestConfig, ingest
from limo.curate.pipeline import CurateRecipe, run_recipe
from limo.config import validate

NUMINA_ROWS = [
    {"source": "olympiads", "problem": "Find x if 2x = 10.",
     "solution": "Divide by 2: x = 5. Check: 2*5 = 10.\n\nThus $\\boxed{5}$.",
     "messages": [{"role": "user", "content": "Find x if 2x = 10."}, {"role": "assistant", "content": "..."}]},
    {"source": "cn_k12", "problem": "Compute 3 + 4, then double it.",
     "solution": "First $\\boxed{7}$ is wrong to stop at; doubling gives $\\boxed{14}$.", "messages": []},
    {"source": "synthetic_math", "problem": "Explain why the sky is blue.",
     "solution": "Rayleigh scattering.", "messages": []},
]


def write_pool(path: Path, rows: list[dict]) -> Path:
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_numina_cot_columns_keep_their_rows_with_derived_answers(tmp_path, suffix):
    pool = write_pool(tmp_path / f"numina{suffix}", NUMINA_ROWS)
    r = ingest(validate(IngestConfig, {"inputs": [{"path": str(pool)}]}, "test"))
    assert [(p.id, p.answer, p.source) for p in r.kept] == [("olympiads:1", "5", "olympiads"),
                                                           ("cn_k12:2", "14", "cn_k12")]  # the LAST box
    assert all(p.meta["answer_derived"] == "last_boxed_in_solution" for p in r.kept)
    assert [x["reason"] for x in r.removed] == ["no_answer"]  # no box: nothing to derive
    assert r.stats["answer_derived"] == 2 and r.stats["per_input"][str(pool)]["answer_derived"] == 2


def test_an_answer_column_wins_and_is_not_marked_derived(tmp_path):
    pool = write_pool(tmp_path / "p.jsonl", [{**NUMINA_ROWS[0], "answer": "5"}])
    p = ingest(validate(IngestConfig, {"inputs": [{"path": str(pool)}]}, "test")).kept[0]
    assert p.answer == "5" and "answer_derived" not in p.meta


def test_datacard_counts_derived_answers(tmp_path):
    pool = write_pool(tmp_path / "numina.jsonl", NUMINA_ROWS)
    recipe = validate(CurateRecipe, {"output_dir": str(tmp_path / "run"), "ingest": {"inputs": [{"path": str(pool)}]},
                                     "dedup": None, "decontaminate": None, "chains": {"use_solutions": True},
                                     "select": {"top_n": 2}}, "test")
    run_recipe(recipe)
    card = (tmp_path / "run" / "DATACARD.md").read_text()
    assert "Answers derived from the last `\\boxed{}` of the solution" in card and f"`{pool}` 2" in card


def test_hub_rows_are_named_after_the_dataset_and_row_index(monkeypatch):
    import datasets

    calls = []

    def fake_load(name, config=None, split=None, revision=None):
        calls.append((name, config, split, revision))
        return [NUMINA_ROWS[0], {k: v for k, v in NUMINA_ROWS[1].items() if k != "source"}]

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    cfg = validate(IngestConfig, {"inputs": [{"path": "hf:AI-MO/NuminaMath-CoT", "revision": "abc123"}]}, "t")
    r = ingest(cfg)
    assert calls == [("AI-MO/NuminaMath-CoT", None, "train", "abc123")]
    assert [(p.id, p.source, p.meta["ingested_from"]) for p in r.kept] == [
        ("olympiads:0", "olympiads", "NuminaMath-CoT:0"),  # the row's own source column, its hub index
        ("NuminaMath-CoT:1", "NuminaMath-CoT", "NuminaMath-CoT:1")]  # no source column: the dataset's name
