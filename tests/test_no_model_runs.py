"""A store built from ratings alone (the baselines, no model runs): every page says so and names
the two ways to add runs, instead of looking broken."""
from __future__ import annotations

import pytest

from precompute.build import build_store
from precompute.config import load_study
from tests.conftest import open_page, point_app_at
from tests.study_fixture import write_study
from ui.no_runs import NO_MODEL_RUNS

PAGES = [None, "views/models.py", "views/items.py", "views/item.py", "views/bands.py", "views/data.py",
         "views/published.py"]


@pytest.fixture(scope="module")
def ratings_only_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ratings-only")
    out = folder / "ratings.duckdb"
    build_store(load_study(write_study(folder, "")), out, show_progress=False)  # no [[run]] at all
    return out


@pytest.fixture
def ratings_only_app(ratings_only_store, monkeypatch):
    yield point_app_at(ratings_only_store, monkeypatch)
    import streamlit as st
    st.cache_resource.clear()


def test_the_store_really_holds_only_baselines(ratings_only_store):
    from data_layer.queries.store_contents import model_run_count
    from data_layer.store import Store
    store = Store(ratings_only_store)
    try:
        assert store.scalar("SELECT count(*) FROM runs") == 3  # uniform, prior, majority
        assert model_run_count(store) == 0
    finally:
        store.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_there_are_no_model_runs_and_how_to_add_them(ratings_only_app, page):
    at = open_page(page, {"task": "toy", "item": "t2"} if page == "views/item.py" else None)
    notes = [i.value for i in at.info if i.value == NO_MODEL_RUNS]
    assert len(notes) == 1, [i.value for i in at.info]
    assert "add model types" not in " ".join(m.value for m in at.markdown)


def test_the_notice_names_both_ways_and_the_example():
    for words in ('source = "import"', 'source = "elicited"', "atlas elicit", "atlas build", "examples/",
                  "pair_id"):
        assert words in NO_MODEL_RUNS


def test_a_store_with_model_runs_shows_no_notice(app_env):
    at = open_page()
    assert not [i for i in at.info if i.value == NO_MODEL_RUNS]
