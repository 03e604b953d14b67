"""Skip a stage whose inputs and config have not changed since it last finished.

A stage's *key* is the sha256 of its resolved config and the content hashes of its input files. When a
stage finishes, `mark_done` writes the key (and any info: counts, inputs) into its stamp file, by default
`<out_dir>/.limo-stage-<name>.json` (`limo run`); `limo curate run` keeps one per stage folder,
`NN_<stage>/stage.json`. `is_current` is true only if the stamp holds the same key and every declared
output still exists. A stage killed half-way writes no stamp, so it runs again (and its own
resumability decides what is redone). This is the one stage-skipping mechanism in limo.
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


def stamp_path(out_dir: str | Path, name: str) -> Path:
    return Path(out_dir) / f".limo-stage-{name}.json"


def read_stamp(stamp: str | Path) -> dict[str, Any] | None:
    """The stamp's record, or None when absent or cut short by a crash (= not done)."""
    stamp = Path(stamp)
    if not stamp.exists():
        return None
    try:
        record = json.loads(stamp.read_text())
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def is_current(out_dir: str | Path, name: str, key: str, outputs: list[str | Path], *,
               stamp: str | Path | None = None) -> bool:
    record = read_stamp(stamp or stamp_path(out_dir, name))
    return record is not None and record.get("key") == key and all(Path(p).exists() for p in outputs)


def mark_done(out_dir: str | Path, name: str, key: str, *, stamp: str | Path | None = None, **info: Any) -> None:
    path = Path(stamp or stamp_path(out_dir, name))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"key": key, **info}, indent=2, default=str) + "\n")
    tmp.replace(path)
