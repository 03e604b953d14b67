"""Typed configs from YAML recipes plus `key=value` overrides.

Recipes say *what* to do (a stage's pydantic model); accelerate/DeepSpeed YAML says *how* to run it and is
never mixed in. Unknown keys are errors, and every problem in a recipe is reported at once.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from limo.errors import ConfigError

C = TypeVar("C", bound="StrictModel")


class StrictModel(BaseModel):
    """Base for every config: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def apply_overrides(data: dict[str, Any], overrides: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Apply `a.b.c=value` overrides; values are parsed as YAML (`lr=1e-5`, `flag=true`, `xs=[1,2]`)."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not of the form key=value")
        key, raw = item.split("=", 1)
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {item!r}: {part!r} is not a mapping")
            node = child
        node[parts[-1]] = yaml.safe_load(raw) if raw != "" else ""
    return data


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def error_message(err: Any) -> str:
    """A pydantic error's message without the "Value error, " prefix our own validators would get."""
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def validate(cls: type[C], data: dict[str, Any], source: str = "config") -> C:
    """Validate a dict into `cls`, turning pydantic's errors into one ConfigError listing them all."""
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        lines = [f"  - {'.'.join(str(p) for p in err['loc']) or '<root>'}: {error_message(err)}"
                 for err in e.errors()]
        raise ConfigError(f"{source}: {len(lines)} problem(s):\n" + "\n".join(lines)) from None


def load_config(cls: type[C], path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> C:
    """Load a recipe YAML into `cls`, applying `key=value` overrides first."""
    data = apply_overrides(load_yaml(path), list(overrides))
    return validate(cls, data, str(path))


def add_config_arguments(p: argparse.ArgumentParser, recipe_help: str,
                         overrides_help: str = "key=value overrides (values parsed as YAML), e.g. a.b=3") -> None:
    """The one way every stage takes a config: `[RECIPE.yaml | --config RECIPE.yaml] [key=value ...]`."""
    p.add_argument("items", nargs="*", metavar="[RECIPE.yaml] [key=value ...]",
                   help=f"{recipe_help}; then {overrides_help}")
    p.add_argument("--config", metavar="FILE", help="the recipe YAML, as an option (same as the positional)")


def config_source(args: argparse.Namespace, required: bool = False) -> tuple[Path | None, list[str]]:
    """(recipe path or None, key=value overrides) from `add_config_arguments`' arguments."""
    items = list(getattr(args, "items", None) or [])
    path = getattr(args, "config", None)
    if items and "=" not in items[0]:
        if path:
            raise ConfigError(f"two recipes given: {path!r} (--config) and {items[0]!r}; give one")
        path = items.pop(0)
    bad = [i for i in items if "=" not in i]
    if bad:
        raise ConfigError(f"{bad[0]!r} is not a key=value override (only one recipe file may be given)")
    if required and not path:
        raise ConfigError("no recipe given: pass RECIPE.yaml (or --config RECIPE.yaml)")
    return (Path(path) if path else None), items


def split_names(values: list[str] | str | None) -> list[str]:
    """`--benchmarks a,b c` -> [a, b, c]: comma- and space-separated lists are the same everywhere."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else values
    return [name for item in items for name in item.replace(",", " ").split()]
