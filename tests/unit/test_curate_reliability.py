"""Curate never pairs a problem with another's chain (duplicate ids refused, naming both rows), never
relabels one model's samples with another's name (caches keyed by sampling settings), and a grader
exception on one sample is an `error` verdict, not a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from limo.cli import main
from limo.curate.chains import ChainsConfig, chains
from limo.curate.difficulty import DifficultyConfig, difficulty
from limo.curate.ingest import IngestConfig, InputSpec, ingest
from limo.curate.model_stage import Engines
from limo.errors import LimoError
from limo.generate.backends import Completion
from limo.records import Problem


def test_ingest_refuses_a_repeated_id_naming_both_rows_unless_told_to_rename(tmp_path: Path) -> None:
    f = tmp_path / "pool.jsonl"
    f.write_text("".join(json.dumps({"id": i, "problem": f"Q{n}?", "answer": str(n)}) + "\n"
                         for n, i in enumerate([1, 2, 1])))
    with pytest.raises(LimoError, match=r"pool:3\): duplicate problem id 'p:1' \(first at .*pool:1\)"):
        ingest(IngestConfig(inputs=[InputSpec(path=str(f), source="p")]))
    r = ingest(IngestConfig(inputs=[InputSpec(path=str(f), source="p", duplicate_ids="rename")]))
    assert [p.id for p in r.kept] == ["p:1", "p:2", "p:1#2"]
    # A chain imported by the raw id 1 could belong to either problem: matched to neither.
    imp = tmp_path / "chains.jsonl"
    imp.write_text(json.dumps({"problem_id": "1", "sample_index": 0, "response": "\\boxed{0}"}) + "\n")
    out = chains(r.kept, ChainsConfig(import_paths=[str(imp)], require_correct=False), tmp_path / "w")
    assert out.stats["imported_unknown_problem"] == 1 and out.kept == []


def test_select_refuses_problems_with_duplicate_ids(tmp_path: Path, capsys) -> None:
    probs = tmp_path / "problems.jsonl"
    probs.write_text('{"id": "a", "problem": "x", "answer": 64}\n{"id": "a", "problem": "y", "answer": 36}\n')
    scored = tmp_path / "scored.jsonl"
    scored.write_text(json.dumps({"problem_id": "a", "sample_index": 0, "response": "\\boxed{36}",
                                  "meta": {"score": 1.0}}) + "\n")
    rc = main(["curate", "select", str(scored), "--problems", str(probs), "-o", str(tmp_path / "out.jsonl")])
    assert rc == 2
    assert f"{probs}:2: duplicate problem id 'a' (first at {probs}:1)" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


class FakeBackend:
    """Answers every request with `\\boxed{<answer>}`; records how many requests it got."""

    name, tokenizer, max_model_len = "fake", None, None

    def __init__(self, model: str, answer: str):
        self.model, self.answer, self.calls = model, answer, 0

    def complete(self, requests):
        for i, _ in enumerate(requests):
            self.calls += 1
            yield i, Completion(text=f"so \\boxed{{{self.answer}}}", finish_reason="stop", completion_tokens=3)

    def close(self) -> None:
        pass


class FakeEngines(Engines):
    def __init__(self, answers: dict[str, str]):
        super().__init__()
        self.backends = {m: FakeBackend(m, a) for m, a in answers.items()}

    def get(self, cfg):  # noqa: ANN001
        return self.backends[cfg.model]


def _cfg(model: str) -> DifficultyConfig:
    return DifficultyConfig.model_validate({"stages": [{"name": "s", "min_correct": 0, "max_correct": 0,
                                                        "generate": {"model": model, "backend": "hf", "n": 2}}]})


def test_difficulty_after_switching_model_samples_anew_and_back_reuses(tmp_path: Path) -> None:
    problems = [Problem(id=f"q{i}", problem=f"{i}+1?", answer=str(i + 1)) for i in range(3)]
    engines = FakeEngines({"right": "1", "wrong": "999"})  # "right" solves q0 only
    first = difficulty([Problem(**vars(p)) for p in problems], _cfg("wrong"), tmp_path, engines)
    assert len(first.kept) == 3 and engines.backends["wrong"].calls == 6
    second = difficulty([Problem(**vars(p)) for p in problems], _cfg("right"), tmp_path, engines)
    assert engines.backends["right"].calls == 6  # not the wrong model's cached samples
    assert [x["id"] for x in second.removed] == ["q0"] and second.removed[0]["model"] == "right"
    difficulty([Problem(**vars(p)) for p in problems], _cfg("wrong"), tmp_path, engines)
    assert engines.backends["wrong"].calls == 6  # its own cache is still there: nothing generated
    assert len(list(tmp_path.glob("s.*.samples.jsonl"))) == 2


def test_difficulty_survives_a_raising_grader(tmp_path: Path, monkeypatch) -> None:
    def boom(*a, **k):
        raise ZeroDivisionError("7 - 0 \\cdot \\infty")

    monkeypatch.setattr("limo.grade.grade", boom)
    problems = [Problem(id="q0", problem="0+1?", answer="1")]
    r = difficulty(problems, _cfg("right"), tmp_path, FakeEngines({"right": "1"}))
    assert r.stats["stages"]["s"]["grader_errors"] == 2 and len(r.kept) == 1
    rows = [json.loads(line) for line in next(tmp_path.glob("s.*.samples.jsonl")).read_text().splitlines()]
    assert [row["verdict"]["reason"] for row in rows] == ["error", "error"]


def test_curate_ingest_cli_refuses_or_renames_repeated_ids(tmp_path: Path, capsys) -> None:
    f = tmp_path / "pool.jsonl"
    f.write_text("".join(json.dumps({"id": 0, "problem": f"Q{n}?", "answer": str(n)}) + "\n" for n in range(2)))
    out = tmp_path / "out.jsonl"
    assert main(["curate", "ingest", str(f), "-o", str(out), "--source", "p"]) == 2
    assert "duplicate problem id 'p:0'" in capsys.readouterr().err and not out.exists()
    assert main(["curate", "ingest", str(f), "-o", str(out), "--source", "p", "--duplicate-ids", "rename"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["p:0", "p:0#2"]
