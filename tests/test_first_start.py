"""First start without a store: the demo store is built while the page shows its steps and the
time left, with the real pipeline (no mock build)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.locate import demo_store_path
from tests.conftest import ROOT
from ui import first_start
from ui.first_start import DEMO_STEPS, DemoBuild, progress_text


def test_progress_text_names_the_step_and_extrapolates_the_time_left():
    build = DemoBuild(started=100.0)
    assert progress_text(build, 101.0) == "Starting (1 s so far)"
    build.update("simulating annotators and models", 0, 1)
    build.update("simulating annotators and models", 1, 1)
    build.update("human distributions", 4, 4)
    build.update("model runs and item metrics", 10, 20)
    assert build.fraction == pytest.approx(0.13 + 0.045)
    assert progress_text(build, 107.0) == "Step 3 of 7: model runs and item metrics (18%, about 33 s left)"
    build.update("aggregate metrics per run x task x band filter", 0, 1)
    build.update("per run", 10, 20)  # an inner step: half of the aggregate step
    assert build.step == "aggregate metrics per run x task x band filter"
    assert build.fraction == pytest.approx(0.25 + 0.20)
    build.update("per run", 1, 20)
    assert build.fraction == pytest.approx(0.45)  # never moves back


@pytest.fixture
def fresh_start(tmp_path, monkeypatch):
    """No store configured and an empty cache: what a first `atlas app` meets."""
    for name in ("ATLAS_STORE", "ATLAS_STORE_REPO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(first_start, "_demo_seen", False)  # another test's cache folder had one
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_first_start_builds_the_demo_store_step_by_step_then_shows_the_overview(fresh_start):
    assert first_start.demo_store_needed()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception, [e.message for e in at.exception]
    build = first_start._the_build()
    assert build.done and build.error is None
    assert build.seen == list(DEMO_STEPS), "precompute.build renamed or added a step: update DEMO_STEPS"
    assert build.fraction == pytest.approx(1.0)
    assert demo_store_path().exists() and not first_start.demo_store_needed()
    assert "reasoning models" in at.title[0].value  # the Overview, once the store is there
    assert not at.get("progress")  # the progress bar is gone
