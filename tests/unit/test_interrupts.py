"""Ctrl-C and bad output paths leave nothing behind: no hidden `.tmpPID` files, no worker tracebacks, and
an output that is a folder is refused before any grading time is spent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from limo.cli import main
from limo.jsonl import write_jsonl


def test_write_jsonl_leaves_no_temp_file_when_its_rows_fail(tmp_path):
    def rows():
        yield {"a": 1}
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_jsonl(tmp_path / "out.jsonl", rows())
    assert list(tmp_path.iterdir()) == []


def test_grade_refuses_a_folder_output_before_grading(tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"response": "\\boxed{1}", "gold": "1"}) + "\n")
    (tmp_path / "out").mkdir()
    start = time.monotonic()
    assert main(["grade", str(inp), "-o", str(tmp_path / "out"), "--no-progress"]) == 2
    assert time.monotonic() - start < 5  # no worker was started
    assert "is a folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out"]


def _default_sigint() -> None:
    """Ctrl-C's default action in the child: a test run started in the background (`cmd &` in a script,
    as a CI harness may) ignores SIGINT, children inherit that, and Python then installs no
    KeyboardInterrupt handler, so the interrupt would never arrive (seen: exit code 0 after the signal)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_grade_is_one_line_and_leaves_no_temp_file(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    # Distinct rows (about 40 s of grading): identical ones would be decided once and then remembered
    # (limo.grade.memo), which could finish before the interrupt below.
    rows = (json.dumps({"response": f"so \\boxed{{\\frac{{1}}{{{i}}} + \\sqrt{{2}}}}", "gold": f"\\frac{{1}}{{{i}}}+\\sqrt{{2}}"})
            for i in range(1, 200_001))
    inp.write_text("\n".join(rows) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "limo.cli", "grade", str(inp), "-o", str(out), "--workers", "2",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_sigint)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.jsonl.tmp*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(3.0)  # well into grading (rows needing no Math-Verify are graded in the parent)
    assert proc.poll() is None, "grading finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-2000:]
    assert "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
