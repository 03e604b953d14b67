import json
import os
import subprocess
import sys

import pytest

from limo.errors import RecordError
from limo.jsonl import JsonlAppender, iter_jsonl, read_jsonl, write_jsonl
from limo.records import Problem, Sample, Verdict, read_records, write_records


def test_reader_names_file_and_line(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"a": 1}\n\n{"a": 2\n{"a": 3}\n')
    with pytest.raises(RecordError, match=r"x\.jsonl:3: invalid JSON"):
        read_jsonl(p)


def test_reader_rejects_non_objects(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(RecordError, match=r":2: expected a JSON object, got list"):
        read_jsonl(p)


def test_reader_missing_file(tmp_path):
    with pytest.raises(RecordError, match="no such file"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_write_is_atomic_and_roundtrips_unicode(tmp_path):
    p = tmp_path / "out.jsonl"
    rows = [{"q": "求 x", "a": [1, 2.5, {"k": None}]}, {"q": "\\boxed{7}"}]
    assert write_jsonl(p, rows) == 2
    assert read_jsonl(p) == rows
    assert not list(tmp_path.glob(".*tmp*"))


def test_appender_repairs_torn_tail(tmp_path, capsys):
    p = tmp_path / "s.jsonl"
    p.write_bytes(b'{"i": 0}\n{"i": 1}\n{"i": 2, "resp')  # a crash mid-line
    with JsonlAppender(p) as w:
        w.append({"i": 2})
    assert [r["i"] for r in read_jsonl(p)] == [0, 1, 2]
    assert "torn last line" in capsys.readouterr().err


def test_appender_survives_sigkill(tmp_path):
    # A child appends rows in a tight loop and is SIGKILLed; every line left must parse.
    p = tmp_path / "k.jsonl"
    code = (
        "import sys; from limo.jsonl import JsonlAppender\n"
        f"w = JsonlAppender({str(p)!r})\n"
        "i = 0\n"
        "while True:\n"
        "    w.append({'i': i, 'pad': 'x' * 5000}); i += 1\n"
        "    if i == 50: print('ready', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    proc.kill()
    proc.wait()
    with JsonlAppender(p):
        pass
    rows = read_jsonl(p)
    assert len(rows) >= 50
    assert [r["i"] for r in rows] == list(range(len(rows)))


def test_records_roundtrip_and_validate(tmp_path):
    probs = [Problem(id="1", problem="1+1?", answer=2), Problem(id="2", problem="p", answer=[1, "x"])]
    samples = [Sample(problem_id="1", sample_index=0, response="\\boxed{2}",
                      verdict=Verdict(correct=True, reason="equal", extracted="2", rule="boxed"))]
    write_records(tmp_path / "p.jsonl", probs)
    write_records(tmp_path / "s.jsonl", samples)
    assert read_records(tmp_path / "p.jsonl", Problem) == probs
    back = read_records(tmp_path / "s.jsonl", Sample)
    assert back == samples and isinstance(back[0].verdict, Verdict)


@pytest.mark.parametrize("row, msg", [
    ({"id": "1", "problem": "p"}, "missing required field"),
    ({"id": "1", "problem": "p", "answer": 1, "soluton": "typo"}, "has no field"),
    ({"id": 1, "problem": "p", "answer": 1}, "Problem.id should be str"),
])
def test_record_errors_name_the_line(tmp_path, row, msg):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"id": "0", "problem": "ok", "answer": 0}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(RecordError, match=rf"bad\.jsonl:2: .*{msg}"):
        read_records(p, Problem)


def test_verdict_reason_is_checked():
    with pytest.raises(RecordError, match="not one of"):
        Verdict(correct=False, reason="maybe")
