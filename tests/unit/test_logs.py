import os
import subprocess
import sys

from limo.logs import count_lines, quiet, watch


def test_quiet_sends_prints_and_child_processes_to_the_log(tmp_path, capfd):
    log = tmp_path / "logs" / "stage.log"
    with quiet(log) as term:
        print("python print")
        print("python stderr", file=sys.stderr)
        subprocess.run([sys.executable, "-c", "import os; os.write(1, b'child fd 1\\n'); os.write(2, b'child fd 2\\n')"],
                       check=True)
        os.write(1, b"raw fd write\n")
        term.write("for the user\n")
    print("after")
    seen = capfd.readouterr()
    text = log.read_text()
    for s in ("python print", "python stderr", "child fd 1", "child fd 2", "raw fd write"):
        assert s in text and s not in seen.out + seen.err
    assert "for the user" in seen.out and "after" in seen.out and "for the user" not in text


def test_quiet_restores_the_terminal_when_the_block_fails(tmp_path, capfd):
    try:
        with quiet(tmp_path / "x.log"):
            raise ValueError("boom")
    except ValueError:
        pass
    print("visible again")
    assert "visible again" in capfd.readouterr().out


def test_verbose_redirects_nothing(tmp_path, capfd):
    with quiet(tmp_path / "v.log", verbose=True):
        print("shown")
    assert "shown" in capfd.readouterr().out and not (tmp_path / "v.log").exists()


def test_count_lines_counts_complete_rows_only_and_watch_reports_the_end(tmp_path):
    f = tmp_path / "s.jsonl"
    f.write_text('{"a": 1}\n{"a": 2}\n{"a"')
    assert count_lines([f, tmp_path / "missing.jsonl"]) == 2
    seen = []
    with watch(lambda: count_lines([f]), seen.append, every=0.01):
        f.write_text('{"a": 1}\n{"a": 2}\n{"a": 3}\n')
    assert seen[-1] == 3
