"""The files that sit beside a samples file and keep it honest, for `limo generate` and curate's caches:

    OUT                     the samples (JSONL, appended as they finish)
    OUT.settings.json       `GenerateConfig.sampling()` of the run that wrote them
    OUT.lock                held while a run appends to OUT (a second run refuses)
    OUT.provenance.json     config, versions, input hashes (written when a run finishes)

Resume rule: samples already in OUT are kept only when OUT.settings.json equals this run's sampling
settings; otherwise the run is refused, naming the differing fields. An OUT with no samples yet takes
the new settings (so a first start that failed, e.g. on a wrong model, never blocks the fixed command).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from limo.errors import LimoError
from limo.generate.config import GenerateConfig
from limo.jsonl import check_output_path
from limo.runlock import RunLock, check_settings, read_settings


def sidecar(output: str | Path, suffix: str) -> Path:
    output = Path(output)
    return output.with_name(f"{output.name}.{suffix}")


def _has_samples(output: Path) -> bool:
    if not output.exists():
        return False
    with output.open("rb") as f:
        return any(line.strip() for line in f)


def pin_sample_settings(output: Path, cfg: GenerateConfig, fresh: str) -> None:
    """Check (samples present) or record (none yet) the settings of the samples in `output`."""
    path = sidecar(output, "settings.json")
    settings = cfg.sampling()
    if _has_samples(output):
        if read_settings(path) is None:
            raise LimoError(f"{output} holds samples but no {path.name} saying how they were made (written by "
                            f"another tool or an older limo), so they cannot be resumed safely; {fresh}")
        check_settings(path, settings, fresh)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(settings, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)


@contextmanager
def guarded_output(output: str | Path, cfg: GenerateConfig, what: str, fresh: str) -> Iterator[Path]:
    """Hold OUT.lock and check/record OUT.settings.json for the duration of a run that appends to OUT."""
    output = check_output_path(output)
    with RunLock(sidecar(output, "lock"), what):
        pin_sample_settings(output, cfg, fresh)
        yield output
