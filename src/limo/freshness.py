"""Skip a stage whose inputs and config have not changed since it last finished.

A stage's *key* is the sha256 of its resolved config and the content hashes of its input files. When a
stage finishes, `mark_done` writes the key into `<out_dir>/.limo-stage-<name>.json`; `is_current` is true
only if that stamp holds the same key and every declared output still exists. A stage killed half-way
writes no stamp, so it runs again (and its own resumability decides what is redone).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from limo.provenance import input_hashes


def stage_key(config: Any, inputs: list[str | Path]) -> str:
    """Content key of a stage run: config (JSON, keys sorted) + sha256 of every input file."""
    payload = json.dumps({"config": config, "inputs": sorted(input_hashes(list(inputs)).values())},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _stamp(out_dir: str | Path, name: str) -> Path:
    return Path(out_dir) / f".limo-stage-{name}.json"


def is_current(out_dir: str | Path, name: str, key: str, outputs: list[str | Path]) -> bool:
    stamp = _stamp(out_dir, name)
    if not stamp.exists() or not all(Path(p).exists() for p in outputs):
        return False
    try:
        return json.loads(stamp.read_text()).get("key") == key
    except json.JSONDecodeError:  # a stamp cut short by a crash: treat as not done
        return False


def mark_done(out_dir: str | Path, name: str, key: str, **info: Any) -> None:
    stamp = _stamp(out_dir, name)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, **info}, indent=2, default=str) + "\n")
    tmp.replace(stamp)
