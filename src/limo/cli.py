"""`limo` command line: one subcommand per stage.

Each subcommand lives in a module exposing `add_arguments(parser)` and `run(args) -> int`. Only the
chosen subcommand's module is imported, and those modules import torch/vllm/transformers inside `run`,
so `limo --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any, NoReturn

# name -> (module, one-line help). Add a stage here and nowhere else.
COMMANDS: dict[str, tuple[str, str]] = {
    "curate": ("limo.curate.cli", "the LIMO data pipeline: ingest, dedup, decontaminate, difficulty, chains, score, select"),
    "grade": ("limo.grade.cli", "grade model responses against gold answers"),
    "train": ("limo.train.cli", "fine-tune a model on reasoning chains (LIMO SFT recipe on TRL)"),
    "generate": ("limo.generate.cli", "sample n responses per problem (vllm | hf | openai backends)"),
    "eval": ("limo.eval.cli", "evaluate a model on LIMO's benchmarks with the paper's protocol (resumable)"),
    "view": ("limo.view.cli", "read eval, generate and curate runs in the browser (local page, KaTeX maths)"),
    "run": ("limo.run", "chain curate -> train -> eval from one recipe, skipping current stages"),
    "demo": ("limo.demo.cli", "the whole LIMO loop on a tiny CPU model, with a report (no network)"),
    "tiny-model": ("limo.tiny", "write a tiny random Qwen2 model + tokenizer for tests and demos"),
}


class LimoParser(argparse.ArgumentParser):
    """Every limo parser (subcommands and their subparsers inherit the class): no prefix matching.

    argparse's default `allow_abbrev=True` silently turned `--api-key SECRET` into `--api-key-env
    SECRET`, so the key was recorded in every output file and never sent. An unknown flag is an error,
    and error messages never echo a secret.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        from limo.redact import redact_text

        super().error(redact_text(message))


def refuse_secret_flags(argv: list[str]) -> str | None:
    """An error message when a secret is given as a flag (visible in `ps` and shell history)."""
    from limo.redact import is_secret_name

    for arg in argv:
        flag = arg.split("=", 1)[0]
        if flag.startswith("--") and is_secret_name(flag):
            return (f"{flag} is not a limo option: keys are never taken on the command line (every user "
                    f"sees it in `ps`, and it would be recorded with the outputs). Export the key in an "
                    f"environment variable and name it with --api-key-env VAR (default OPENAI_API_KEY)")
    return None


def _top_parser() -> argparse.ArgumentParser:
    p = LimoParser(
        prog="limo",
        description="LIMO (Less Is More for Reasoning) end to end: curate, train, generate, grade, eval.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {n:<12} {h}" for n, (_, h) in COMMANDS.items())
        + "\n\nRun `limo COMMAND --help` for a command's options.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("command", nargs="?", help="one of: " + ", ".join(COMMANDS))
    return p


def build_parser(name: str) -> tuple[Any, argparse.ArgumentParser]:
    """The module of command `name` and its parser."""
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = LimoParser(prog=f"limo {name}", description=help_text)
    module.add_arguments(parser)
    return module, parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Rust tokenizers' thread pool fights torch's OpenMP threads (runs varied 10x); off by default.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not argv or argv[0] not in COMMANDS:
        top = _top_parser()
        args = top.parse_args(argv[:1])
        if args.version:
            from limo import __version__
            print(__version__)
            return 0
        if args.command is None:
            top.print_help()
            return 0
        top.error(f"unknown command {args.command!r}; known: {', '.join(COMMANDS)}")
    name, rest = argv[0], argv[1:]
    module, parser = build_parser(name)
    refused = refuse_secret_flags(rest)
    if refused:
        parser.error(refused)
    args = parser.parse_args(rest)
    from limo.errors import LimoError

    try:
        return int(module.run(args) or 0)
    except LimoError as e:  # user-fixable: one clean line, no traceback
        print(f"limo {name}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"limo {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
