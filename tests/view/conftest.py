"""Fixtures: the small real runs of view_runs.py, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from view_runs import make_curate_run, make_eval_runs


@pytest.fixture(scope="session")
def eval_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_eval_runs(tmp_path_factory.mktemp("view_runs"))


@pytest.fixture(scope="session")
def curate_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_curate_run(tmp_path_factory.mktemp("view_curate"))
