"""`--check`: find every problem in a run's configuration and print its plan, before any GPU time is spent.

A `CheckReport` collects three things while the stage checkers (train/check.py, eval/check.py,
curate/check.py, run.py) walk a configuration:

- *problems*: anything that would fail later (typo, missing data, model context too short). All of
  them are listed at once and the command exits non-zero;
- *notes*: what could not be checked from here ("not checked: not local", "not checkable here: no
  GPU"), so a passing check never claims more than it verified;
- the *plan*: one `StagePlan` per stage, saying whether it runs or is skipped as current, with its
  generations, tokens and an estimate of GPU-hours at user-set throughputs.

Checkers never load model weights or start an engine: they read config.json / tokenizer files only.
Other stages add their own lines with `report.stage(name).line(...)` (e.g. GPUs per engine).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from limo.config import error_message

M = TypeVar("M", bound=BaseModel)

# Throughput assumptions for the GPU-hour estimate (tokens per second per GPU). They are *inputs*, not
# measurements: set them from your own hardware with --gen-tokens-per-second / --train-tokens-per-second.
DEFAULT_GEN_TPS = 1000.0
DEFAULT_TRAIN_TPS = 500.0


@dataclass
class StagePlan:
    """What one stage will do. `status` is "runs", "skipped (current)" or "not run (...)"."""

    name: str
    status: str = "runs"
    lines: list[str] = field(default_factory=list)
    generations: int = 0  # samples to generate (upper bound where the input is not known yet)
    gen_tokens: int = 0  # upper bound: generations x max new tokens
    gen_gpus: int = 1  # GPUs the generation engine holds (tensor parallel)
    train_tokens: int = 0  # tokens seen in training (rows' tokens x epochs)
    train_gpus: int = 1
    estimate_exact: bool = True  # False: counts are upper bounds (inputs not produced yet)

    def line(self, text: str) -> "StagePlan":
        self.lines.append(text)
        return self

    def add_generation(self, generations: int, max_tokens: int, gpus: int = 1) -> None:
        self.generations += generations
        self.gen_tokens += generations * max_tokens
        self.gen_gpus = max(self.gen_gpus, gpus)


@dataclass
class CheckReport:
    """Problems, notes and the per-stage plan of one `--check`."""

    title: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stages: list[StagePlan] = field(default_factory=list)
    gen_tps: float = DEFAULT_GEN_TPS
    train_tps: float = DEFAULT_TRAIN_TPS

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{where}: {message}")

    def stage(self, name: str) -> StagePlan:
        """The plan of stage `name`, created on first use (stages print in creation order)."""
        for s in self.stages:
            if s.name == name:
                return s
        self.stages.append(StagePlan(name))
        return self.stages[-1]

    def validate(self, cls: type[M], data: Any, source: str) -> M | None:
        """`cls(**data)`, or None with every validation error recorded as a problem naming key and file."""
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            for err in e.errors():
                key = ".".join(str(p) for p in err["loc"]) or "<root>"
                self.problem(source, f"{key}: {error_message(err)}")
            return None

    def gpu_hours(self, s: StagePlan) -> float:
        return (s.gen_tokens / self.gen_tps + s.train_tokens / self.train_tps) / 3600

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        out = [f"limo check: {self.title}", "", "plan (GPU-hours at "
               f"{self.gen_tps:,.0f} generated / {self.train_tps:,.0f} trained tokens per GPU-second; "
               "set --gen-tokens-per-second / --train-tokens-per-second):"]
        total = 0.0
        for s in self.stages:
            hours = self.gpu_hours(s) if s.status == "runs" else 0.0
            total += hours
            bound = "" if s.estimate_exact else "at most "
            out.append(f"  {s.name:<12} {s.status}" + (f", {bound}{hours:,.1f} GPU-h" if hours else ""))
            out += [f"      {line}" for line in s.lines]
            if s.status == "runs" and s.generations:
                out.append(f"      generations: {bound}{s.generations:,}, tokens to generate: at most "
                           f"{s.gen_tokens:,} (x max_tokens; {s.gen_gpus} GPU(s) per engine)")
            if s.status == "runs" and s.train_tokens:
                out.append(f"      tokens to train: {s.train_tokens:,}")
        out.append(f"  {'total':<12} {total:,.1f} GPU-h")
        if self.notes:
            out += ["", f"not checked here ({len(self.notes)}):"] + [f"  - {n}" for n in self.notes]
        out.append("")
        if self.problems:
            out += [f"{len(self.problems)} problem(s):"] + [f"  - {p}" for p in self.problems]
        else:
            out.append("check passed: no problems found")
        return "\n".join(out)


def visible_gpus() -> int | None:
    """CUDA devices this process can use; None when torch is missing (cannot tell)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a core dependency
        return None
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def check_gpus(report: CheckReport, where: str, needed: int, what: str) -> None:
    """`what` needs `needed` GPUs: a problem if fewer are visible, a note on a machine with none."""
    have = visible_gpus()
    if not have:
        report.note(where, f"{what}: needs {needed} GPU(s): not checkable here (no GPU visible)")
    elif needed > have:
        report.problem(where, f"{what}: needs {needed} GPU(s) but {have} are visible")


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    """The `--check` flags, the same in every stage."""
    g = p.add_argument_group("check (validate everything and print the plan; loads no model)")
    g.add_argument("--check", action="store_true", help="check the configuration and print the plan, then exit")
    g.add_argument("--gen-tokens-per-second", type=float, default=DEFAULT_GEN_TPS, metavar="TPS",
                   help=f"generation throughput per GPU for the GPU-hour estimate (default {DEFAULT_GEN_TPS:g})")
    g.add_argument("--train-tokens-per-second", type=float, default=DEFAULT_TRAIN_TPS, metavar="TPS",
                   help=f"training throughput per GPU for the GPU-hour estimate (default {DEFAULT_TRAIN_TPS:g})")


def new_report(title: str, args: argparse.Namespace) -> CheckReport:
    return CheckReport(title, gen_tps=args.gen_tokens_per_second, train_tps=args.train_tokens_per_second)


def finish(report: CheckReport) -> int:
    """Print the report; the exit status of a `--check` command (1 when any problem was found)."""
    print(report.render())
    return 0 if report.ok else 1
