"""A training output_dir is pinned to its recipe and data: another recipe (learning rate, data content)
into a used folder is refused naming the fields, before any model loads."""

from __future__ import annotations

import pytest

from limo.errors import LimoError
from limo.train.config import TrainConfig
from limo.train.run import check_recipe, pin_recipe


def test_another_recipe_or_data_into_a_used_output_dir_is_refused(tmp_path):
    data = tmp_path / "chains.jsonl"
    data.write_text('{"problem": "1+1?", "solution": "\\\\boxed{2}"}\n')
    out = tmp_path / "run"
    cfg = TrainConfig(data=str(data), output_dir=str(out))
    check_recipe(cfg, out)
    pin_recipe(cfg, out)
    check_recipe(cfg.model_copy(update={"logging_steps": 5, "resume": False}), out)  # reporting may change
    with pytest.raises(LimoError, match=r"learning_rate: 5e-06 -> 0\.001.*new output_dir"):
        check_recipe(cfg.model_copy(update={"learning_rate": 1e-3}), out)
    data.write_text('{"problem": "2+2?", "solution": "\\\\boxed{4}"}\n')  # same path, other content
    with pytest.raises(LimoError, match=r"data\b"):
        check_recipe(cfg, out)


def test_a_used_output_dir_without_a_recipe_record_is_refused(tmp_path):
    (tmp_path / "final").mkdir()
    with pytest.raises(LimoError, match="no recipe.settings.json"):
        check_recipe(TrainConfig(data="x.jsonl", output_dir=str(tmp_path)), tmp_path)
