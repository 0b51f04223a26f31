"""Shared fixtures: a real demo store built once per session with the real pipeline."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ATLAS_SHARED_DIR") or ROOT.parent / "shared")  # override for worktrees
DATASETS = SHARED / "datasets"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory) -> Path:
    from precompute.build import build_store
    from precompute.demo import demo_study
    path = tmp_path_factory.mktemp("store") / "demo.duckdb"
    build_store(demo_study(0), path, show_progress=False)
    return path


@pytest.fixture(scope="session")
def demo_store(demo_store_path):
    from data_layer.store import Store
    store = Store(demo_store_path)
    yield store
    store.close()


def point_app_at(store_path: Path, monkeypatch, review_dir: Path | None = None) -> Path:
    """Point the app at this store (AppTest runs in this process), with empty caches, and its
    review store at a fresh file of the test's own, never at a user's reviews."""
    monkeypatch.setenv("ATLAS_STORE", str(store_path))
    review_dir = Path(review_dir or tempfile.mkdtemp(prefix="atlas-reviews-"))
    monkeypatch.setenv("ATLAS_REVIEW_STORE", str(review_dir / "reviews" / "reviews.sqlite"))
    # the store picker also offers the real study built into the cache folder and ATLAS_STORES:
    # neither of a developer's machine may leak into a test
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(review_dir / "cache"))
    monkeypatch.delenv("ATLAS_STORES", raising=False)
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    return store_path


@pytest.fixture
def app_env(demo_store_path, monkeypatch, tmp_path):
    """Point the app at the session's demo store, and its review store at the test's own folder."""
    return point_app_at(demo_store_path, monkeypatch, tmp_path)


def datasets_or_skip() -> Path:
    if not DATASETS.is_dir():
        pytest.skip("../shared/datasets is absent (it is not redistributed with the project)")
    return DATASETS


def open_page(page: str | None = None, query: dict | None = None, timeout: float = 60):
    """The app run through AppTest with these URL parameters, on `page` ("views/x.py") or the
    default page; fails on any exception the run raised."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """What a reader sees of markdown the app escaped with ui.text.plain_md (AppTest reports the
    markdown source): backslash escapes and the invisible word joiners removed."""
    import re
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")
