"""`limo view`'s JSON API on small real runs (tests/view/conftest.py): filters, pagination, answer
highlighting, compare flips, curate removals, and reading a run while it is still being written."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from limo.errors import LimoError
from limo.view.runs import open_run, open_runs

pytest.importorskip("starlette")
pytest.importorskip("httpx")


@pytest.fixture
def client(eval_runs, curate_run):
    from starlette.testclient import TestClient

    from limo.view.app import create_app

    return TestClient(create_app(open_runs([*map(str, eval_runs), str(curate_run)])))


def keys(page):
    return {(s["problem_id"], s["sample_index"]) for s in page["samples"]}


def test_runs_are_recognised_and_other_paths_refused(client, tmp_path):
    runs = client.get("/api/runs").json()
    assert [(r["label"], r["kind"]) for r in runs] == [("before", "eval"), ("after", "eval"), ("curate", "curate")]
    assert runs[0]["benches"] == ["math500", "aime24", "kaoyan"]
    with pytest.raises(LimoError, match="not a run limo can show"):
        open_run(tmp_path)


def test_overview_shows_results_json(client, eval_runs):
    o = client.get("/api/runs/0/overview").json()
    results = json.loads((eval_runs[0] / "results.json").read_text())
    assert o["finished"] and o["overall"]["mean_avg_at_n"] == results["overall"]["mean_avg_at_n"]
    m = o["benchmarks"]["math500"]
    assert m["metrics"]["ci95"] == results["benchmarks"]["math500"]["metrics"]["ci95"]
    assert m["metrics"]["truncation_rate"] == 0.125 and m["grader_reasons"]["no_answer"] == 1
    assert o["benchmarks"]["kaoyan"]["judge_disagreements"] == 1
    assert "plots/accuracy.png" in o["plots"]
    assert client.get("/api/runs/0/file", params={"path": "plots/accuracy.png"}).status_code == 200
    assert client.get("/api/runs/0/file", params={"path": "../../etc/passwd"}).status_code == 404


def test_filters(client):
    wrong = client.get("/api/runs/0/samples", params={"correct": "no", "size": 50}).json()
    # the judge's WRONG on kaoyan p6#0 overrides the rules' "equal", as in results.json
    assert keys(wrong) == {("p1", 1), ("p2", 0), ("p2", 1), ("p4", 0), ("p4", 1), ("p5", 0), ("p6", 0), ("p6", 1)}
    assert all(s["correct"] is False for s in wrong["samples"])
    cut = client.get("/api/runs/0/samples", params={"truncated": "yes"}).json()
    assert keys(cut) == {("p4", 0)} and cut["samples"][0]["reason"] == "no_answer"
    assert cut["samples"][0]["finish_reason"] == "length" and cut["samples"][0]["answer_span"] is None
    judge = client.get("/api/runs/0/samples", params={"judge": "disagree"}).json()
    assert keys(judge) == {("p6", 0)} and judge["samples"][0]["rule_correct"] is True
    paper = client.get("/api/runs/1/samples", params={"paper": "disagree"}).json()
    assert keys(paper) == {("p2", 0), ("p2", 1), ("p3", 1)}
    reason = client.get("/api/runs/0/samples", params={"reason": "not_equal", "bench": "math500"}).json()
    assert keys(reason) == {("p1", 1), ("p2", 0), ("p2", 1), ("p4", 1)}


def test_text_search_matches_response_and_problem(client):
    boxed = client.get("/api/runs/0/samples", params={"q": r"\boxed{0.8"}).json()  # JSON-escaped in the file
    assert keys(boxed) == {("p2", 0), ("p2", 1)}
    problem = client.get("/api/runs/0/samples", params={"q": "DIVISORS"}).json()
    assert keys(problem) == {("p5", 0), ("p5", 1)}


def test_answer_is_highlighted_where_it_stands(client):
    s = client.get("/api/runs/1/samples", params={"bench": "math500", "size": 1}).json()["samples"][0]
    a, b = s["answer_span"]
    assert s["response"][a:b] == s["extracted"] == "4"
    assert s["response"][:a].endswith(r"\boxed{") and a > s["response"].index("value is $4$")


def test_pagination(client):
    first = client.get("/api/runs/0/samples", params={"size": 5, "page": 0}).json()
    second = client.get("/api/runs/0/samples", params={"size": 5, "page": 1}).json()
    assert first["total"] == 12 and first["pages"] == 3
    assert len(first["samples"]) == 5 and not keys(first) & keys(second)
    assert [s["problem_id"] for s in first["samples"]] == ["p1", "p1", "p2", "p2", "p3"]  # problem order
    pages = [client.get("/api/runs/0/samples", params={"size": 5, "page": p}).json() for p in range(3)]
    seen = [(s["bench"], s["problem_id"], s["sample_index"]) for p in pages for s in p["samples"]]
    assert len(seen) == len(set(seen)) == 12  # pages run across benchmarks without gaps or repeats
    assert seen[7:9] == [("math500", "p4", 1), ("aime24", "p5", 0)]
    assert client.get("/api/runs/0/samples", params={"size": 5, "page": 99}).json()["page"] == 2


def test_compare_flips_first(client):
    c = client.get("/api/compare", params={"a": 0, "b": 1}).json()
    assert c["flips"] == {"gained": 4, "lost": 1} and c["total"] == 6
    flips = [(p["problem_id"], p["flip"]) for p in c["problems"][:5]]
    assert sorted(flips) == [("p1", "gained"), ("p2", "gained"), ("p3", "lost"), ("p4", "gained"), ("p6", "gained")]
    assert c["problems"][5]["problem_id"] == "p5" and c["problems"][5]["flip"] == ""
    only = client.get("/api/compare", params={"a": 0, "b": 1, "only": "flips", "bench": "math500"}).json()
    assert {p["problem_id"] for p in only["problems"]} == {"p1", "p2", "p3", "p4"}
    pair = client.get("/api/compare/problem", params={"a": 0, "b": 1, "bench": "math500", "id": "p2"}).json()
    assert [s["extracted"] for s in pair["a"]] == ["0.8", "0.8"]
    assert [s["correct"] for s in pair["b"]] == [True, True]


def test_curate_funnel_and_removed_rows_side_by_side(client):
    f = client.get("/api/runs/2/curate").json()
    assert [(s["stage"], s["in"], s["kept"], s["removed"]) for s in f["stages"]] == [
        ("ingest", 4, 4, 0), ("dedup", 4, 3, 1), ("decontaminate", 3, 2, 1)]
    dup = client.get("/api/runs/2/curate/removed", params={"stage": "02_dedup"}).json()["rows"][0]
    assert dup["row"]["reason"] == "exact_duplicate" and dup["right_label"] == "kept duplicate pool:a"
    assert dup["left"].startswith("Find the number of ordered pairs $(x,y)$") and "$(x, y)$" in dup["right"]
    con = client.get("/api/runs/2/curate/removed", params={"stage": "03_decontaminate"}).json()["rows"][0]
    assert con["right_label"] == "aime24 item aime-7" and con["left"].startswith("Let $f(x)")


def test_bad_parameters_are_400_with_the_reason(client):
    r = client.get("/api/runs/0/samples", params={"correct": "maybe"})
    assert r.status_code == 400 and "correct='maybe'" in r.json()["error"]
    assert "no benchmark 'gsm8k'" in client.get("/api/runs/0/samples", params={"bench": "gsm8k"}).json()["error"]
    assert client.get("/api/runs/9/overview").status_code == 400


def test_page_and_katex_are_served(client):
    page = client.get("/").text
    assert "/static/katex/katex.min.js" in page and "cdn" not in page.lower()
    assert client.get("/static/katex/katex.min.js").status_code == 200
    css = client.get("/static/katex/katex.min.css").text
    font = css.split("url(fonts/")[1].split(")")[0]
    assert font.endswith(".woff2") and client.get(f"/static/katex/fonts/{font}").status_code == 200


def test_a_run_in_progress_is_read_as_it_grows(eval_runs, tmp_path):
    from limo.view.overview import overview
    from limo.view.query import Filters, samples_page

    run_dir = tmp_path / "live"
    shutil.copytree(eval_runs[1], run_dir)
    (run_dir / "results.json").unlink()
    path = run_dir / "math500" / "samples.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + lines[3][:40])  # 3 whole lines and a torn one being written
    run = open_run(run_dir)
    assert samples_page(run, Filters(bench="math500"), 0, 50)["total"] == 3
    live = overview(run)["benchmarks"]["math500"]
    assert live["live"] and live["samples_done"] == 3 and live["metrics"]["n_problems"] == 1  # p2 is half done
    with path.open("ab") as f:
        f.write(lines[3][40:] + b"".join(lines[4:]))
    run.refresh()
    assert samples_page(run, Filters(bench="math500"), 0, 50)["total"] == 8
    path.write_bytes(b"".join(lines[:2]))  # rewritten (rescore): read again, nothing doubled
    run.refresh()
    assert samples_page(run, Filters(bench="math500"), 0, 50)["total"] == 2


def test_generate_output_with_its_input_problems(tmp_path):
    """A `limo generate` output: ungraded samples; problems found through <output>.provenance.json."""
    from limo.provenance import write_provenance
    from limo.records import Problem, Sample, write_records
    from limo.view.overview import overview
    from limo.view.query import Filters, samples_page

    inp = tmp_path / "problems.jsonl"
    write_records(inp, [Problem(id="g1", problem=r"What is $1+1$?", answer="2")])
    out = tmp_path / "gen" / "samples.jsonl"
    write_records(out, [Sample(problem_id="g1", sample_index=k, response=r"$\boxed{2}$", finish_reason="stop")
                        for k in range(3)])
    write_provenance(out.parent, {"model": "m"}, [inp], name="samples.jsonl.provenance.json")
    run = open_run(out)
    assert run.kind == "generate" and list(run.benches) == ["samples"]
    page = samples_page(run, Filters(reason="ungraded"), 0, 20)
    assert page["total"] == 3 and page["samples"][0]["problem"] == "What is $1+1$?"
    assert page["samples"][0]["correct"] is None and page["samples"][0]["gold"] == "2"
    o = overview(run)
    assert o["kind"] == "generate" and o["benchmarks"]["samples"]["live"] and o["plots"] == []
    assert o["benchmarks"]["samples"]["metrics"]["avg_at_n"] is None  # ungraded: no accuracy, not 0%


def test_judge_replies_read_with_limos_outcome(eval_runs, tmp_path):
    """A judge reply cut off by its token cap is a judge_error: judged, never correct (as in results.json)."""
    from limo.records import Sample, write_records
    from limo.view.query import Filters, samples_page

    run_dir = tmp_path / "judged"
    shutil.copytree(eval_runs[1], run_dir)
    write_records(run_dir / "kaoyan" / "judge.jsonl", [
        Sample(problem_id="p6#0", sample_index=0, response="## Correctness\nCORR", finish_reason="length"),
        Sample(problem_id="p6#1", sample_index=0, response="## Correctness\nCORRECT", finish_reason="stop")])
    page = samples_page(open_run(run_dir), Filters(bench="kaoyan"), 0, 20)
    first, second = page["samples"]
    assert first["judged"] and first["judge"] is None and first["correct"] is False and first["rule_correct"]
    assert second["judge"] is True and second["correct"] is True


def test_cli_refuses_what_is_not_a_run_and_a_busy_port(tmp_path, capsys):
    from limo.cli import main
    from limo.view.cli import bind

    assert main(["view", str(tmp_path)]) == 2
    assert "not a run limo can show" in capsys.readouterr().err
    busy = bind("127.0.0.1", 0)
    try:
        with pytest.raises(LimoError, match="cannot listen on 127.0.0.1:"):
            bind("127.0.0.1", busy.getsockname()[1])
    finally:
        busy.close()


def test_limo_view_serves_on_a_free_local_port(eval_runs):
    """The command as a user starts it: the printed address answers, bound to 127.0.0.1."""
    import urllib.request

    from view_browser import serve

    with serve(list(eval_runs)) as url:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
        with urllib.request.urlopen(url + "api/runs", timeout=30) as r:
            assert [run["label"] for run in json.loads(r.read())] == ["before", "after"]


def test_two_generate_outputs_compare_by_problem(tmp_path):
    """before.jsonl vs after.jsonl: one benchmark each under different names, paired for Compare."""
    from limo.records import Sample, Verdict, write_records
    from limo.view.query import compare, compare_problem

    for name, ok in (("before", [False, True]), ("after", [True, True])):
        write_records(tmp_path / f"{name}.jsonl", [
            Sample(problem_id=f"q{i}", sample_index=0, response="$\\boxed{1}$",
                   verdict=Verdict(correct=c, reason="equal" if c else "not_equal", extracted="1"))
            for i, c in enumerate(ok)])
    a, b = open_run(tmp_path / "before.jsonl"), open_run(tmp_path / "after.jsonl")
    c = compare(a, b)
    assert c["benches"] == ["before"] and c["flips"] == {"gained": 1, "lost": 0}
    assert c["problems"][0]["problem_id"] == "q0" and c["problems"][0]["flip"] == "gained"
    pair = compare_problem(a, b, "before", "q0")
    assert [s["correct"] for s in pair["a"] + pair["b"]] == [False, True]


def test_overview_names_the_process_writing_the_run(eval_runs, tmp_path):
    from limo.eval.rundir import RunDir
    from limo.view.overview import overview

    run_dir = tmp_path / "locked"
    shutil.copytree(eval_runs[0], run_dir)
    run = open_run(run_dir)
    assert overview(run)["writer"] is None
    with RunDir(run_dir).lock():  # what `limo eval` holds while it writes
        assert overview(run)["writer"].startswith(f"pid {os.getpid()} since ")
    assert overview(run)["writer"] is None


def test_answer_span_prefers_the_box_the_grader_read():
    from limo.view.query import answer_span

    r = r"Guess 3 first. So $\boxed{3}$. Check: 3 + 0 = 3."
    a, b = answer_span(r, "3", "boxed")
    assert r[a - len(r"\boxed{"):b + 1] == r"\boxed{3}"  # not the last "3" of the check after the box
    r = r"Final: $\boxed{\text{ 7 } \mathrm{cm}}$"  # the grader normalised it: the whole box is marked
    a, b = answer_span(r, "7", "boxed")
    assert r[a:b] == "7"
    a, b = answer_span(r, "7cm", "boxed")
    assert r[a:b] == r"\text{ 7 } \mathrm{cm}"
    r = "The answer is 12. (12 is even.)"  # other rules: the last occurrence (limo.grade reports no position)
    assert answer_span(r, "12", "answer_is") == [r.rfind("12"), r.rfind("12") + 2]
    assert answer_span("no answer here", "5", "boxed") is None
