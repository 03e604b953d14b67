"""`limo curate {ingest,dedup,decontaminate,difficulty,chains,score,select,run}`.

Every stage reads and writes JSONL (Problems; chains/score: Samples), so stages can be run one by one
or chained by `limo curate run RECIPE.yaml`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from limo.check import add_check_arguments
from limo.config import add_config_arguments
from limo.errors import ConfigError

STAGES = ("ingest", "dedup", "decontaminate", "difficulty", "chains", "score", "select", "run")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="stage", required=True, metavar="STAGE")
    s = sub.add_parser("ingest", help="JSONL/JSON/Parquet/hf:<id> -> Problem JSONL")
    s.add_argument("inputs", nargs="+")
    s.add_argument("--source", help="source tag for every row (default: the row's own, else file stem)")
    s.add_argument("--field", action="append", default=[], metavar="NAME=COL[,COL]",
                   help="field mapping, e.g. --field problem=question --field answer=final_answer")
    s.add_argument("--split", default="train", help="hub datasets: split")
    s.add_argument("--duplicate-ids", choices=["error", "rename"], default="error",
                   help="a repeated row id: refuse naming both rows (default), or number the repeats id#2, ...")
    for name in ("dedup", "decontaminate", "difficulty", "chains", "score"):
        s = sub.add_parser(name)
        s.add_argument("input")
    for name in ("ingest", "dedup", "decontaminate", "difficulty", "chains", "score"):
        s = sub.choices[name]
        s.add_argument("-o", "--output", required=True)
        if name != "score":
            s.add_argument("--removed", help="write removed rows (with the reason) here")
        s.add_argument("--recipe", "--config", dest="recipe", metavar="FILE",
                       help="take this stage's settings from a curate recipe YAML")
    d = sub.choices["dedup"]
    d.add_argument("--threshold", type=float, help="estimated Jaccard for near-duplicates (default 0.5)")
    d.add_argument("--exact-only", action="store_true")
    c = sub.choices["decontaminate"]
    c.add_argument("--benchmarks", nargs="+", metavar="NAME",
                   help="registry names, comma- or space-separated, or `all` (default: LIMO's ten)")
    c.add_argument("--data-dir", help="benchmarks in LIMO's layout <dir>/<name>/test.jsonl")
    for name in ("difficulty", "chains"):
        sub.choices[name].add_argument("--workdir", help="samples / pass-rate files (default: next to -o)")
    sub.choices["chains"].add_argument("--import", dest="imports", nargs="+", default=[],
                                       help="existing chains: Sample JSONL or Problem JSONL with solution")
    s = sub.add_parser("select", help="best chain per problem, top N -> training Problems")
    s.add_argument("scored", help="scored chains (output of `score`)")
    s.add_argument("--problems", required=True, help="the problems the chains belong to")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--removed")
    s.add_argument("--top-n", type=int)
    s.add_argument("--balance-domains", action="store_true")
    s.add_argument("--recipe", "--config", dest="recipe", metavar="FILE",
                   help="take select's settings from a curate recipe YAML")
    s = sub.add_parser("run", help="run a whole curate recipe (stages skipped when up to date)")
    add_config_arguments(s, "a curate recipe YAML (e.g. recipes/limo/curate.yaml)",
                         "key=value overrides, e.g. select.top_n=400")
    add_check_arguments(s)


def _section(args: argparse.Namespace, name: str, cls: type, **flags: object):
    """A stage config from --recipe's section (if given) with CLI flags applied on top."""
    from limo.config import load_yaml, validate

    data = {}
    if getattr(args, "recipe", None):
        data = load_yaml(args.recipe).get(name) or {}
    data.update({k: v for k, v in flags.items() if v is not None})
    return validate(cls, data, f"{args.recipe or 'flags'} [{name}]")


def _fields(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--field {item!r} is not NAME=COL[,COL]")
        k, v = item.split("=", 1)
        out[k] = v.split(",")
    return out


def run(args: argparse.Namespace) -> int:
    from limo.config import split_names
    from limo.curate import pipeline as pl
    from limo.curate.stage import read_problems, write_result
    from limo.records import Sample, read_records, write_records

    st = args.stage
    if st == "run":
        from limo.config import config_source, load_config

        path, overrides = config_source(args, required=True)
        if args.check:
            return _check(args, path, overrides)
        final = pl.run_recipe(load_config(pl.CurateRecipe, path, overrides))
        print(f"curate: selected data in {final}; datacard in {Path(final).parent.parent / 'DATACARD.md'}")
        return 0
    from limo.jsonl import check_output_path

    check_output_path(args.output, "-o")
    if getattr(args, "removed", None):
        check_output_path(args.removed, "--removed")
    work = Path(getattr(args, "workdir", None) or Path(args.output).with_suffix(".work"))
    if st == "ingest":
        specs = [{"path": p, "source": args.source, "split": args.split, "fields": _fields(args.field),
                  "duplicate_ids": args.duplicate_ids} for p in args.inputs]
        result = pl.ingest(pl.validate_ingest(specs))
    elif st == "dedup":
        cfg = _section(args, "dedup", pl.DedupConfig, threshold=args.threshold,
                       near=False if args.exact_only else None)
        result = pl.dedup(read_problems(args.input), cfg, progress=True)
    elif st == "decontaminate":
        cfg = _section(args, "decontaminate", pl.DecontamConfig, benchmarks=split_names(args.benchmarks) or None,
                       data_dir=args.data_dir)
        result = pl.decontaminate(read_problems(args.input), cfg, progress=True)
    elif st == "difficulty":
        result = pl.difficulty(read_problems(args.input), _section(args, "difficulty", pl.DifficultyConfig), work)
    elif st == "chains":
        cfg = _section(args, "chains", pl.ChainsConfig, import_paths=args.imports or None)
        result = pl.chains(read_problems(args.input), cfg, work)
    elif st == "score":
        chains = pl.score_chains(read_records(args.input, Sample), _section(args, "score", pl.ScoreConfig))
        write_records(args.output, chains)
        print(f"curate: scored {len(chains)} chains -> {args.output}")
        return 0
    else:
        cfg = _section(args, "select", pl.SelectConfig, top_n=args.top_n,
                       balance_domains=True if args.balance_domains else None)
        result = pl.select(read_problems(args.problems), read_records(args.scored, Sample), cfg)
    write_result(result, args.output, getattr(args, "removed", None))
    print(f"curate: {result.summary(st)} -> {args.output}")
    return 0


def _check(args: argparse.Namespace, path: Path, overrides: list[str]) -> int:
    from limo.check import finish, new_report
    from limo.config import apply_overrides, load_yaml
    from limo.curate.check import check_curate
    from limo.curate.pipeline import CurateRecipe

    report = new_report(f"limo curate run {path}", args)
    recipe = report.validate(CurateRecipe, apply_overrides(load_yaml(path), overrides), str(path))
    if recipe is not None:
        check_curate(recipe, report, str(path))
    return finish(report)
