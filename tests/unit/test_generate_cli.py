"""`limo generate` end to end with the hf backend on the tiny model (in-process, a few seconds)."""

from __future__ import annotations

import json

from limo.cli import main
from limo.records import Problem, Sample, read_records, write_records


def test_limo_generate_hf_writes_samples_provenance_and_resumes(tiny_model, tmp_path, capsys):
    inp, out = tmp_path / "problems.jsonl", tmp_path / "samples.jsonl"
    write_records(inp, [Problem(id=f"q{i}", problem=f"What is {i} + 1?", answer=i + 1) for i in range(3)])
    argv = ["generate", "--model", str(tiny_model), "--input", str(inp), "--output", str(out), "--backend", "hf",
            "--n", "2", "--max-tokens", "8", "--temperature", "0.7", "--system-prompt", "null", "--no-progress"]
    assert main(argv) == 0
    rows = read_records(out, Sample)
    assert sorted(r.key for r in rows) == [(f"q{i}", k) for i in range(3) for k in range(2)]
    assert all(r.completion_tokens and r.completion_tokens <= 8 and r.finish_reason in ("stop", "length")
               for r in rows)
    prov = json.loads((tmp_path / "samples.jsonl.provenance.json").read_text())  # <output>.provenance.json
    assert prov["config"]["system_prompt"] is None and prov["config"]["n"] == 2
    assert main(argv) == 0 and len(read_records(out, Sample)) == 6  # resumed: nothing new, no duplicates
    assert "6 samples for 3 problems" in capsys.readouterr().out
    assert json.loads((tmp_path / "samples.jsonl.settings.json").read_text())["temperature"] == 0.7
    assert not (tmp_path / "samples.jsonl.lock").exists()

    # Resuming with other sampling settings would mix two distributions in one file: refused, named.
    for flag, value in (("--temperature", "0.2"), ("--seed", "5"), ("--max-tokens", "16")):
        other = argv[:argv.index(flag) + 1] + [value] + argv[argv.index(flag) + 2:] if flag in argv \
            else argv + [flag, value]
        assert main(other) == 2
        err = capsys.readouterr().err
        assert flag[2:].replace("-", "_") in err and "use another --output" in err
    assert len(read_records(out, Sample)) == 6


def test_limo_generate_refuses_a_folder_output_and_duplicate_problem_ids(tmp_path, capsys):
    inp = tmp_path / "p.jsonl"
    inp.write_text('{"id": "a", "problem": "x", "answer": 1}\n{"id": "b", "problem": "y", "answer": 2}\n'
                   '{"id": "a", "problem": "z", "answer": 3}\n')
    assert main(["generate", "--model", "m", "--input", str(inp), "--output", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["generate", "--model", "m", "--input", str(inp), "--output", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"{inp}:3: duplicate problem id 'a' (first at {inp}:1)" in err
    assert not list(tmp_path.glob(".*tmp*"))


def test_limo_generate_reports_every_bad_flag_at_once(tmp_path, capsys):
    inp = tmp_path / "p.jsonl"
    write_records(inp, [Problem(id="a", problem="x", answer=1)])
    assert main(["generate", "--input", str(inp), "--output", str(tmp_path / "o.jsonl"), "--n", "0",
                 "--top-p", "2"]) == 2
    err = capsys.readouterr().err
    assert "model" in err and "n:" in err and "top_p" in err and "3 problem(s)" in err
