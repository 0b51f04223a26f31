"""A run that predicts only some items says so where its numbers are shown (the Models leaderboard,
the Overview), and is compared with the baselines on the items it predicts. The store is built by
the real pipeline from a study whose RLHF import run covers 3 of the task's 6 items."""
from __future__ import annotations

import pandas as pd
import pytest

from data_layer import aggregates
from data_layer.queries.coverage import coverage_text, partial_runs, run_coverage
from data_layer.queries.leaderboard import leaderboard
from data_layer.queries.same_items import baselines_on_run_items
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.build import build_store
from precompute.config import load_study
from tests.conftest import open_page, point_app_at
from tests.study_fixture import write_study

RUNS = """
[[run]]
source = "import"
name = "reasoner"
model_id = "reasoner"
display_name = "Reasoner"
training = "rlvr"
pair_id = "p"
path = "reasoner.csv"

[[run]]
source = "import"
name = "chat"
model_id = "chat"
display_name = "Chat"
training = "rlhf"
pair_id = "p"
path = "chat.csv"

[[run]]
source = "import"
name = "tuned"
model_id = "tuned"
display_name = "Tuned"
training = "sft"
path = "tuned.csv"
"""
ALL = ["t1", "t2", "t3", "t4", "t5", "t6"]  # t7 has one rating: dropped by the build
CHAT = ["t2", "t3", "t6"]  # the partial run's items: easier for the uniform baseline than all six
TUNED = ["t1", "t4"]  # a second partial run, to choose on the page


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial")
    pd.DataFrame({"item_id": ALL, "pos_share": [0.1, 0.8, 0.5, 0.7, 0.2, 0.6]}).to_csv(
        folder / "reasoner.csv", index=False)
    pd.DataFrame({"item_id": CHAT, "pos_share": [0.75, 0.35, 0.05]}).to_csv(folder / "chat.csv", index=False)
    pd.DataFrame({"item_id": TUNED, "pos_share": [0.3, 0.6]}).to_csv(folder / "tuned.csv", index=False)
    out = folder / "partial.duckdb"
    build_store(load_study(write_study(folder, RUNS)), out, show_progress=False)
    return out


@pytest.fixture
def store(store_path):
    s = Store(store_path)
    yield s
    s.close()


def test_each_run_says_how_many_of_the_slice_items_it_predicts(store):
    cov = run_coverage(store, Slice()).set_index("run_id")
    assert cov.loc["chat", ["items", "items_in_slice", "coverage"]].tolist() == [3, 6, "3 of 6"]
    assert cov.loc["reasoner", "coverage"] == "all 6"
    assert set(cov.loc[cov["training"] == "baseline", "coverage"]) == {"all 6"}
    board = leaderboard(store, Slice()).frame.set_index("run_id")
    assert board.loc["chat", "coverage"] == "3 of 6" and board.loc["chat", "n"] == 3


def test_coverage_follows_the_slice_bands(store):
    """Within one band: the band's items, and the partial run's items among them, counted by hand."""
    human = store.df("SELECT item_id, band_fixed AS band FROM human_dist")
    band = human.loc[human["item_id"] == "t3", "band"].iloc[0]
    in_band = set(human.loc[human["band"] == band, "item_id"])
    cov = run_coverage(store, Slice(bands=(band,))).set_index("run_id")
    assert cov.loc["chat", "items_in_slice"] == len(in_band)
    assert cov.loc["chat", "items"] == len(in_band & set(CHAT))
    assert cov.loc["reasoner", "coverage"] == f"all {len(in_band)}"


def test_partial_runs_are_named_with_their_counts(store):
    res = partial_runs(store, Slice())
    assert res.frame["run_id"].tolist() == ["chat", "tuned"]
    assert "Chat: predictions for 3 of 6 items" in res.message and "Tuned: predictions for 2 of 6" in res.message
    assert not partial_runs(store, Slice(models=("reasoner",))).ok  # the full run alone: nothing to say


def _by_hand(store, metric: str) -> dict[str, tuple[float, int]]:
    """Each baseline's value on the partial run's items, from item_scores with pandas."""
    rows = store.df("SELECT * FROM item_scores WHERE training = 'baseline' OR run_id = 'chat'")
    rows = rows[rows["item_id"].isin(CHAT)]
    return {run: aggregates.value(metric, part) for run, part in rows.groupby("run_id")}


def test_baselines_on_the_run_items_equal_the_hand_computed_means(store):
    res = baselines_on_run_items(store, Slice(), "chat")
    got = res.frame.set_index("run_id")
    assert res.frame["run_id"].iloc[0] == "chat"  # the run first, then the baselines
    rows = store.df("SELECT run_id, item_id, tvd FROM item_scores WHERE training = 'baseline'")
    on_chat = rows[rows["item_id"].isin(CHAT)]
    for run in ("baseline:uniform", "baseline:prior", "baseline:majority"):
        expected = on_chat.loc[on_chat["run_id"] == run, "tvd"]
        assert got.loc[run, "mean"] == pytest.approx(expected.mean())
        assert got.loc[run, "n"] == len(expected) == 3
    board = leaderboard(store, Slice()).frame.set_index("run_id")
    assert got.loc["chat", "mean"] == pytest.approx(board.loc["chat", "tvd"])  # the run's own items
    # the leaderboard's baselines are over all six items: a different number, which is the point
    assert got.loc["baseline:uniform", "mean"] != pytest.approx(board.loc["baseline:uniform", "tvd"])


def test_an_aggregate_metric_on_the_run_items_uses_the_one_definition(store):
    got = baselines_on_run_items(store, Slice(metric="f1"), "chat").frame.set_index("run_id")
    expected = _by_hand(store, "f1")
    assert sum(v is not None for v, _ in expected.values()) >= 2  # not a comparison of blanks
    for run, (value, n) in expected.items():
        if value is None:  # uniform: every prediction is 0.5, dropped by F1's rule: undefined, not 0
            assert pd.isna(got.loc[run, "mean"]) and got.loc[run, "n"] == 0
        else:
            assert (got.loc[run, "mean"], got.loc[run, "n"]) == (pytest.approx(value), n)


def test_a_run_outside_the_slice_gives_a_message_not_zero(store):
    res = baselines_on_run_items(store, Slice(training=("rlvr",)), "chat")
    assert not res.ok and "'chat' has no scored items" in res.message


def test_coverage_text():
    assert coverage_text(1599, 1599) == "all 1,599" and coverage_text(50, 1599) == "50 of 1,599"


@pytest.fixture
def partial_app(store_path, monkeypatch, tmp_path):
    yield point_app_at(store_path, monkeypatch, tmp_path)
    import streamlit as st
    st.cache_resource.clear()


def test_models_page_shows_coverage_and_the_baselines_on_the_same_items(partial_app, store_path):
    at = open_page("views/models.py")
    board = at.dataframe[0].value.set_index("run_id")
    assert board.loc["chat", "coverage"] == "3 of 6" and board.loc["reasoner", "coverage"] == "all 6"
    same = next(d.value for d in at.dataframe if "mean" in d.value and len(d.value) == 4)
    store = Store(store_path)
    try:
        expected = baselines_on_run_items(store, Slice(), "chat").frame
    finally:
        store.close()
    assert same["mean"].tolist() == pytest.approx(expected["mean"].tolist())
    assert same["n"].tolist() == [3, 3, 3, 3]
    assert any("items Chat predicts" in m.value for m in at.markdown)


def test_overview_says_which_run_covers_fewer_items(partial_app):
    at = open_page()
    notes = [i.value for i in at.info if "predictions for 3 of 6 items" in i.value]
    assert len(notes) == 1 and "Baselines on the same items" in notes[0]


def test_the_chosen_run_is_in_the_url(partial_app):
    at = open_page("views/models.py", {"same_items": "tuned"})
    assert at.selectbox(key="w_same_items").value == "tuned"
    same = next(d.value for d in at.dataframe if "mean" in d.value and len(d.value) == 4)
    assert same["n"].tolist() == [2, 2, 2, 2]
    at.selectbox(key="w_same_items").set_value("chat").run()
    assert "same_items" not in at.query_params  # the default (first partial run) keeps links short
