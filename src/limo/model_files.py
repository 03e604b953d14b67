"""A model's config.json and chat template, read from a local folder or the HF cache, never downloaded.

`--check` uses this to compare context lengths and find missing chat templates without loading weights
or touching the network. A hub id that is not in the local cache gives None: "not checked: not local".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ModelFiles:
    where: str  # the folder the files were read from
    config: dict[str, Any]
    chat_template: bool

    @property
    def positions(self) -> int | None:
        """Positions the model supports: max_position_embeddings, times a rope-scaling factor if set."""
        base = self.config.get("max_position_embeddings")
        if base is None:
            return None
        scaling = self.config.get("rope_scaling") or {}
        factor = scaling.get("factor") if isinstance(scaling, dict) else None
        return int(base * factor) if factor and scaling.get("type", scaling.get("rope_type")) != "default" \
            else int(base)


def _cached(model: str, filename: str) -> Path | None:
    """`filename` of hub repo `model` if the HF cache holds it (offline lookup only)."""
    try:
        from huggingface_hub import try_to_load_from_cache
        from huggingface_hub.errors import HFValidationError
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        return None
    try:
        found = try_to_load_from_cache(model, filename)
    except HFValidationError:  # not a valid repo id (e.g. a missing local path)
        return None
    return Path(found) if isinstance(found, str) else None


def _file(model: str, filename: str) -> Path | None:
    local = Path(model) / filename
    if Path(model).is_dir():
        return local if local.exists() else None
    return _cached(model, filename)


def read_model_files(model: str) -> ModelFiles | None:
    """The model's config and whether it has a chat template; None when neither local nor cached."""
    config_path = _file(model, "config.json")
    if config_path is None:
        return None
    config = json.loads(config_path.read_text())
    template = _file(model, "chat_template.jinja") is not None
    tok_cfg = _file(model, "tokenizer_config.json")
    if not template and tok_cfg is not None:
        template = bool(json.loads(tok_cfg.read_text()).get("chat_template"))
    return ModelFiles(str(config_path.parent), config, template)


def is_local_path(model: str) -> bool:
    """True for strings that name a folder (absolute, ./, ../, or existing), as opposed to hub ids."""
    return Path(model).exists() or model.startswith((".", "/", "~"))
