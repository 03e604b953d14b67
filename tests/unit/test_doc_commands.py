"""Every `limo` command in README.md and docs/*.md works: the ones that need a GPU or the hub pass
`--check` here, the synopses name only real options, and (slow tier) the CPU ones run as written.

Commands are collected from ```bash blocks (continuation lines joined, `&&` chains split, comments
dropped), whether typed as `limo ...` or launched by `accelerate launch` / `torchrun` / `python` with
`-m limo`. Classes:

- synopsis: holds placeholders (`IN.jsonl`, `RUN`, `[--flag X]`, `...`): only its options are checked;
- gpu: needs a GPU, the model hub or a server (paper recipes, hub model ids, vllm/openai backends,
  multi-node launchers): must pass `--check`, except for problems naming a `runs/...` file that an
  earlier documented stage writes (the check is right to say it does not exist yet);
- cpu: everything else, run as written from a scratch folder beside a `../shared` link (slow tier).
"""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CHECKABLE = {"run", "train", "eval", "generate"}  # + `curate run`
PLACEHOLDER = re.compile(r"^([A-Z][A-Z0-9_]*(\.[a-z]+)?|\S*(\.\.\.|…)\S*|<.*>)$")  # RUN, IN.jsonl, X..., <id>
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass
class DocCommand:
    where: str  # file:line
    text: str
    argv: list[str]  # the limo arguments (after `limo` / `-m limo`)
    launcher: list[str]  # what ran `-m limo` (accelerate launch ..., torchrun ...), or []

    @property
    def kind(self) -> str:
        optional = any(a.startswith("[") or (a.endswith("]") and "=" not in a) for a in self.argv)  # [--flag X]
        if optional or any(PLACEHOLDER.match(a.split("=", 1)[-1]) for a in self.argv):
            return "synopsis"
        return "gpu" if _needs_gpu_or_hub(self) else "cpu"


def _needs_gpu_or_hub(cmd: DocCommand) -> bool:
    args = cmd.argv
    if any(a in ("--nnodes", "--num_machines", "--num_processes") for a in cmd.launcher):
        return True
    if any(a.startswith("recipes/limo/") for a in args):
        return True
    for flag in ("--model", "--judge-model"):
        if flag in args:
            model = args[args.index(flag) + 1]
            if HUB_ID.match(model) and not model.startswith(("runs/", "/")):
                return True
    return "openai" in args  # a server


def _commands(path: Path) -> list[DocCommand]:
    out: list[DocCommand] = []
    lines = path.read_text().splitlines()
    in_bash, buf, start = False, "", 0
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_bash = not in_bash and stripped in ("```bash", "```sh", "```console")
            continue
        if not in_bash:
            continue
        if not buf:
            start = i
        buf += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if stripped.endswith("\\"):
            continue
        for part in buf.split("&&"):
            cmd = _parse(f"{path.name}:{start}", part.strip())
            if cmd:
                out.append(cmd)
        buf = ""
    return out


def _parse(where: str, text: str) -> DocCommand | None:
    try:
        argv = shlex.split(text, comments=True)
    except ValueError:
        return None
    if argv[:1] == ["limo"]:
        return DocCommand(where, text, argv[1:], [])
    for i in range(len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == "limo":
            return DocCommand(where, text, argv[i + 2:], argv[:i])
    return None


ALL = [c for p in DOCS for c in _commands(p)]


def _parser(argv: list[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    """The argparse parser of `limo <command> [curate stage]` and the remaining arguments."""
    from limo.cli import COMMANDS

    assert argv and argv[0] in COMMANDS, f"unknown limo command {argv[:1]}"
    p = argparse.ArgumentParser(prog="limo", allow_abbrev=False)
    importlib.import_module(COMMANDS[argv[0]][0]).add_arguments(p)
    rest = argv[1:]
    sub = next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)
    if sub is not None and rest and rest[0] in sub.choices:
        return sub.choices[rest[0]], rest[1:]
    return p, rest


def test_commands_are_collected():
    kinds = {c.kind for c in ALL}
    assert len(ALL) >= 15 and kinds == {"synopsis", "gpu", "cpu"}, [(c.where, c.kind) for c in ALL]
    assert any("reproduce.yaml" in c.text for c in ALL if c.kind == "gpu")


@pytest.mark.parametrize("cmd", [c for c in ALL if c.kind == "synopsis"], ids=lambda c: c.where)
def test_synopses_name_only_real_options(cmd):
    parser, rest = _parser(cmd.argv)
    known = {s for a in parser._actions for s in a.option_strings}
    flags = [a.split("=")[0].strip("[]") for a in rest if a.lstrip("[").startswith("-")]
    unknown = [f for f in flags if f not in known]
    assert not unknown, f"{cmd.where}: {cmd.text!r} names options limo does not have: {unknown}"


@pytest.mark.parametrize("cmd", [c for c in ALL if c.kind == "gpu"], ids=lambda c: c.where)
def test_gpu_and_hub_commands_pass_check(cmd, shared_dir, monkeypatch, capsys):
    from limo.cli import main

    argv = list(cmd.argv)
    checkable = argv[0] in CHECKABLE or argv[:2] == ["curate", "run"]
    assert checkable, f"{cmd.where}: {cmd.text!r} needs a GPU/hub but `limo {argv[0]}` has no --check"
    monkeypatch.chdir(ROOT)
    rc = main(argv + ([] if "--check" in argv else ["--check"]))
    captured = capsys.readouterr()
    out = captured.out + captured.err
    section = out.split("problem(s):\n", 1)[1] if "problem(s):\n" in out else ""
    problems = [line for line in section.splitlines() if line.startswith("  - ")]
    # An earlier documented stage writes runs/...: the check rightly says it is not there yet.
    others = [p for p in problems if "runs/" not in p]
    assert rc == 0 or (rc == 1 and not others), f"{cmd.where}: {cmd.text}\n{out}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, shared_dir) -> Path:
    """A scratch folder laid out like the repository: recipes/ beside, ../shared above."""
    root = tmp_path_factory.mktemp("doc_commands")
    (root / "work").mkdir()
    (root / "work" / "recipes").symlink_to(ROOT / "recipes")
    (root / "shared").symlink_to(shared_dir)
    return root / "work"


@pytest.mark.slow
@pytest.mark.parametrize("cmd", [c for c in ALL if c.kind == "cpu"], ids=lambda c: c.where)
def test_cpu_commands_run_as_written(cmd, workdir):
    """Each documented CPU command, in document order (a later one may read an earlier one's output)."""
    bin_dir = Path(sys.executable).parent
    if cmd.launcher:
        full = [str(bin_dir / cmd.launcher[0]), *cmd.launcher[1:], "-m", "limo", *cmd.argv]
    else:
        full = [sys.executable, "-m", "limo.cli", *cmd.argv]
    res = subprocess.run(full, cwd=workdir, capture_output=True, text=True, timeout=3600)
    assert res.returncode == 0, f"{cmd.where}: {cmd.text}\n{res.stdout[-1000:]}\n{res.stderr[-2000:]}"
