"""Scenario parameters for routes: one editable YAML file, every value with its `source`.

The file is ``routes/data/scenario.yaml``.  Each parameter is written as
``{value: ..., source: ...}`` so a planner can see what the report said and
what was assumed.  ``value(path)`` returns the bare value; ``load()`` the whole
tree.  Pass another file with ``load(path)`` or the ``CHECKPOST_SCENARIO``
environment variable.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SCENARIO = DATA_DIR / "scenario.yaml"


def scenario_path() -> Path:
    return Path(os.environ.get("CHECKPOST_SCENARIO", DEFAULT_SCENARIO))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        tree = yaml.safe_load(handle)
    if not isinstance(tree, dict):
        raise ValueError(f"{path}: scenario file must hold a mapping at top level")
    return tree


def load(path: str | Path | None = None) -> dict:
    """The scenario tree of ``path`` (default: the shipped scenario file)."""
    path = Path(path) if path is not None else scenario_path()
    if not path.exists():
        raise FileNotFoundError(f"scenario parameter file not found: {path}")
    return _load_cached(str(path), path.stat().st_mtime)


def value(dotted: str, tree: dict | None = None) -> Any:
    """Bare value of the parameter at ``dotted`` (e.g. ``"route_choice.k"``)."""
    node: Any = tree if tree is not None else load()
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"scenario parameter {dotted!r} missing (no {part!r})")
        node = node[part]
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node


def source_of(dotted: str, tree: dict | None = None) -> str:
    node: Any = tree if tree is not None else load()
    for part in dotted.split("."):
        node = node[part]
    if not isinstance(node, dict) or "source" not in node:
        raise KeyError(f"scenario parameter {dotted!r} has no source")
    return node["source"]
