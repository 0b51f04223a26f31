"""The store picker: the app offers the configured store, the simulated demo, the real study
where it has been built and ATLAS_STORES; the URL (`store=KEY`) carries the choice, and every page
says which store it shows and whether it is simulated or real."""
from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.locate import REAL_STUDY_FILENAME, StoreLocation, known_stores, user_stores
from precompute.__main__ import main
from tests.conftest import open_page, point_app_at, shown
from tests.study_fixture import write_study


@pytest.fixture(scope="module")
def tiny_real_store(tmp_path_factory):
    """A store of (fixture) human ratings and baselines, built by the real pipeline: not simulated."""
    folder = tmp_path_factory.mktemp("tiny")
    cfg = write_study(folder, "")
    out = folder / "tiny.duckdb"
    assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    return out


def _store_line(at) -> str:
    return next(shown(c.value) for c in at.caption if shown(c.value).startswith("Store: "))


def test_user_stores_parse_names_and_bare_paths(tmp_path):
    assert user_stores("Mine = /a/b.duckdb; /c/d.duckdb ;") == [("Mine", Path("/a/b.duckdb")),
                                                              ("d", Path("/c/d.duckdb"))]
    assert user_stores(None) == [] and user_stores("") == []


def test_known_stores_lists_each_file_once(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path))
    (tmp_path / REAL_STUDY_FILENAME).write_bytes(b"")
    mine = tmp_path / "mine.duckdb"
    mine.write_bytes(b"")
    monkeypatch.setenv("ATLAS_STORES", f"Mine={mine};Again={mine}")
    found = known_stores(StoreLocation(mine, "ATLAS_STORE"))
    assert [s.key for s in found] == ["mine", "demo", "real-study"]  # "Again" is the same file


def test_every_page_names_the_store_and_its_kind(demo_store_path, monkeypatch, tmp_path):
    point_app_at(demo_store_path, monkeypatch, tmp_path)
    at = open_page()
    assert _store_line(at).startswith("Store: Disagreement Atlas demo")
    assert "simulated data" in _store_line(at)


def test_a_link_picks_the_store_and_carries_it(demo_store_path, tiny_real_store, monkeypatch, tmp_path):
    point_app_at(demo_store_path, monkeypatch, tmp_path)
    monkeypatch.setenv("ATLAS_STORES", f"Tiny={tiny_real_store}")
    at = open_page("views/data.py", {"store": "tiny"})
    assert _store_line(at).startswith("Store: elicit fixture · real data")
    assert at.query_params["store"] == "tiny"
    picker = at.sidebar.selectbox(key="w_store")
    assert picker.value == "tiny" and "elicit fixture · real data" in picker.options
    at = open_page("views/data.py")  # without store= the configured store opens, and the URL says so
    configured = demo_store_path.stem.lower()
    assert "simulated data" in _store_line(at) and at.query_params["store"] == configured


def test_switching_in_the_sidebar_changes_the_data(demo_store_path, tiny_real_store, monkeypatch, tmp_path):
    point_app_at(demo_store_path, monkeypatch, tmp_path)
    monkeypatch.setenv("ATLAS_STORES", f"Tiny={tiny_real_store}")
    at = open_page("views/data.py")
    at.sidebar.selectbox(key="w_store").set_value("tiny").run()
    assert not at.exception
    assert _store_line(at).startswith("Store: elicit fixture · real data")
    assert at.query_params["store"] == "tiny"


def test_an_unknown_store_in_a_link_is_said_not_guessed(demo_store_path, monkeypatch, tmp_path):
    point_app_at(demo_store_path, monkeypatch, tmp_path)
    at = open_page(query={"store": "elsewhere"})
    warning = " ".join(shown(w.value) for w in at.warning)
    assert "names the store “elsewhere”, which this app does not have" in warning
    assert "simulated data" in _store_line(at)
