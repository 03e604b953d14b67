"""Shared fixtures and test tiers.

Tiers: plain tests are fast and hermetic; `integration` tests use ../shared data or start real engines
and skip with a reason when what they need is absent; `gpu` tests skip without CUDA.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LIMO_SHARED", ROOT.parent / "shared"))


def _has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any("gpu" in item.keywords for item in items) and not _has_cuda():
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (or $LIMO_SHARED); skips the test when it is absent."""
    if not (SHARED / "benchmarks").is_dir():
        pytest.skip(f"shared data not found at {SHARED} (set LIMO_SHARED to point at it)")
    return SHARED


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen2 model + tokenizer, built once per test session."""
    from limo.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")
