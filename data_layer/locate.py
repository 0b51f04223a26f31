"""Which store the app opens: ATLAS_STORE (a local path), else the demo store, built into a
cache folder on first start. (Issue: Hub-hosted stores are resolved here too.)"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from data_layer.schema import SCHEMA_VERSION


@dataclass(frozen=True)
class StoreLocation:
    path: Path
    origin: str  # "ATLAS_STORE" | "demo"
    note: str = ""


def cache_dir() -> Path:
    root = os.environ.get("ATLAS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "disagreement-atlas")
    return Path(root)


def demo_store_path() -> Path:
    return cache_dir() / f"demo-schema{SCHEMA_VERSION}-seed0.duckdb"


def ensure_demo_store() -> Path:
    """Build the demo store on first use (a few seconds); later starts reuse it."""
    path = demo_store_path()
    if not path.exists():
        from precompute.build import build_store  # the read side only builds the demo, lazily
        from precompute.demo import demo_study
        build_store(demo_study(0), path, show_progress=False)
    return path


def resolve_store() -> StoreLocation:
    local = os.environ.get("ATLAS_STORE")
    if local:
        return StoreLocation(Path(local), "ATLAS_STORE")
    return StoreLocation(ensure_demo_store(), "demo",
                         "No store configured (ATLAS_STORE unset): showing the simulated demo store.")
