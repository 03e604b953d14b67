"""`limo generate --model M --input problems.jsonl --output samples.jsonl [--backend vllm] [--n 4] ...`

Every GenerateConfig field is a `--flag` (values parsed as YAML: `--system-prompt null` drops the
system turn, `--enforce-eager true`); `--config recipe.yaml` supplies defaults. Rerunning the same
command resumes: samples already in --output are kept and not generated again; a rerun with other
sampling settings, or while another run writes the same --output, is refused (limo.generate.outputs).
"""

from __future__ import annotations

import argparse
import typing
from pathlib import Path
from typing import Any

import yaml

from limo.config import StrictModel, apply_overrides, load_yaml, validate


def add_config_flags(p: argparse.ArgumentParser, cls: type[StrictModel], skip: tuple[str, ...] = (),
                     group: str | None = None) -> None:
    """One `--field-name` per config field, default None (= keep the config/recipe value)."""
    g = p.add_argument_group(group) if group else p
    for name, info in cls.model_fields.items():
        if name in skip:
            continue
        default = "required" if info.is_required() else f"default: {info.default!r}"
        g.add_argument("--" + name.replace("_", "-"), dest=name, default=None, metavar=_metavar(name, info.annotation),
                       help=f"{_type_name(info.annotation)} ({default})")


def _type_name(hint: Any) -> str:
    """`int | None` -> "int | null", Literal["a", "b"] -> "a | b": what a user may type."""
    if hint is type(None):
        return "null"
    if typing.get_origin(hint) is typing.Literal:
        return " | ".join(str(a) for a in typing.get_args(hint))
    args = typing.get_args(hint)
    if args:
        return " | ".join(_type_name(a) for a in args)
    return getattr(hint, "__name__", None) or str(hint)


def _metavar(name: str, hint: Any) -> str:
    """The value placeholder: {a,b} for choices, INT/FLOAT/BOOL for those types, else the field's name."""
    if typing.get_origin(hint) is typing.Literal:
        return "{" + ",".join(str(a) for a in typing.get_args(hint)) + "}"
    types = [a for a in (typing.get_args(hint) or (hint,)) if a is not type(None)]
    if len(types) == 1 and types[0] in (int, float, bool):
        return types[0].__name__.upper()
    return name.upper()


def flag_values(args: argparse.Namespace, cls: type[StrictModel]) -> dict[str, Any]:
    """Flags the user gave, parsed as YAML scalars (`0.7`, `true`, `null`)."""
    out = {}
    for name in cls.model_fields:
        raw = getattr(args, name, None)
        if raw is not None:
            out[name] = yaml.safe_load(raw) if raw != "" else ""
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    from limo.generate.config import GenerateConfig

    p.add_argument("--input", required=True, help="JSONL of Problem records (id, problem, answer, ...)")
    p.add_argument("--output", required=True, help="JSONL of Sample records; appended, resumable")
    p.add_argument("--config", metavar="FILE", help="YAML with GenerateConfig fields (flags override it)")
    p.add_argument("overrides", nargs="*", metavar="key=value",
                   help="GenerateConfig fields as key=value (applied after --config, before flags)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    from limo.check import add_check_arguments

    add_check_arguments(p)
    add_config_flags(p, GenerateConfig, group="generation (GenerateConfig fields)")


def run(args: argparse.Namespace) -> int:
    from limo.generate.config import GenerateConfig
    from limo.generate.outputs import guarded_output, sidecar
    from limo.jsonl import check_output_path
    from limo.generate.runner import generate
    from limo.provenance import write_provenance
    from limo.records import read_problems

    data = apply_overrides(load_yaml(args.config) if args.config else {}, args.overrides)
    data.update(flag_values(args, GenerateConfig))
    if args.check:
        return _check(args, data)
    cfg = validate(GenerateConfig, data, args.config or "flags")
    out = check_output_path(args.output)
    problems = read_problems(args.input)
    fresh = f"use another --output (or delete {out} and {sidecar(out, 'settings.json').name})"
    with guarded_output(out, cfg, "limo generate", fresh):
        samples = generate(problems, cfg, out, progress=not args.no_progress, pinned=True)
        write_provenance(out.parent, cfg.model_dump(), [args.input], name=sidecar(out, "provenance.json").name)
    stops = sum(s.finish_reason == "stop" for s in samples)
    print(f"{len(samples)} samples for {len(problems)} problems in {out} "
          f"({stops} stopped, {len(samples) - stops} hit the token limit or other)")
    return 0


def _check(args: argparse.Namespace, data: dict[str, Any]) -> int:
    """`--check`: the settings validated, the input counted, the engine checked; nothing generated."""
    from limo.check import finish, new_report
    from limo.generate.check import check_engine
    from limo.generate.config import GenerateConfig

    source = args.config or "limo generate flags"
    report = new_report(f"limo generate --input {args.input}", args)
    cfg = report.validate(GenerateConfig, data, source)
    plan = report.stage("generate")
    rows = None
    if not Path(args.input).exists():
        report.problem(source, f"--input: {args.input}: no such file")
    else:
        with open(args.input, "rb") as f:
            rows = sum(1 for line in f if line.strip())
    if cfg is not None:
        check_engine(cfg, report, source, plan)
        if rows is not None:
            plan.add_generation(rows * cfg.n, cfg.max_tokens, cfg.tensor_parallel_size)
            plan.line(f"{rows:,} problems x n={cfg.n} -> {args.output}")
    return finish(report)
