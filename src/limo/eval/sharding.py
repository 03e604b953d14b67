"""Data parallelism without Ray: N independent engines, each owning a deterministic shard of samples.

A sample (problem id, sample index) belongs to shard sha256(id, index) mod N: the same key always
lands on the same shard, whatever the benchmark order, the other problems, or how often a shard
restarted. Each shard appends to its own `samples.shard-I-of-N.jsonl`; results read every samples
file of a benchmark and key samples by (problem id, index), so merging is order-free.

`launch()` starts N `limo eval ... --shard I/N` processes, each with `CUDA_VISIBLE_DEVICES` set to
its own group of `tensor_parallel_size` GPUs, waits for all, then the caller writes the results.
Multi-node: run the shard commands on each node over a shared filesystem, then `limo eval --rescore`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from limo.errors import LimoError


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N" (0-based I) -> (I, N)."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise LimoError(f"--shard {text!r}: expected I/N, e.g. 0/4") from None
    if not (n >= 1 and 0 <= i < n):
        raise LimoError(f"--shard {text!r}: need 0 <= I < N")
    return i, n


def shard_of(problem_id: str, index: int, num_shards: int) -> int:
    digest = hashlib.sha256(f"limo-shard\0{problem_id}\0{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % num_shards


def in_shard(problem_id: str, index: int, shard: tuple[int, int] | None) -> bool:
    return shard is None or shard_of(problem_id, index, shard[1]) == shard[0]


def samples_name(shard: tuple[int, int] | None, stem: str = "samples") -> str:
    return f"{stem}.jsonl" if shard is None else f"{stem}.shard-{shard[0]}-of-{shard[1]}.jsonl"


def device_groups(num_shards: int, tensor_parallel_size: int, visible: str | None = None) -> list[str]:
    """CUDA_VISIBLE_DEVICES per shard: consecutive groups of `tensor_parallel_size` devices."""
    devices = (visible if visible is not None else os.environ.get("CUDA_VISIBLE_DEVICES", "")).split(",")
    devices = [d.strip() for d in devices if d.strip()]
    if not devices:
        devices = [str(i) for i in range(num_shards * tensor_parallel_size)]
    need = num_shards * tensor_parallel_size
    if len(devices) < need:
        raise LimoError(f"{num_shards} shards x tensor parallel {tensor_parallel_size} need {need} devices, "
                        f"only {len(devices)} visible ({','.join(devices)})")
    return [",".join(devices[i * tensor_parallel_size:(i + 1) * tensor_parallel_size]) for i in range(num_shards)]


def launch(argv: list[str], num_shards: int, tensor_parallel_size: int, log_dir: Path) -> None:
    """Run `limo eval <argv> --shard i/N` for every shard in parallel; raise if any fails."""
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    for i, devices in enumerate(device_groups(num_shards, tensor_parallel_size)):
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": devices}
        log = (log_dir / f"shard-{i}-of-{num_shards}.log").open("ab")
        cmd = [sys.executable, "-m", "limo.cli", "eval", *argv, "--shard", f"{i}/{num_shards}"]
        procs.append((i, subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT), log))
    failed = []
    for i, proc, log in procs:
        if proc.wait() != 0:
            failed.append(i)
        log.close()
    if failed:
        raise LimoError(f"data-parallel shard(s) {failed} failed; see {log_dir}/shard-*.log "
                        f"(rerun the same command to resume)")
