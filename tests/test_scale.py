"""The large-store generator and the pre-aggregated tables behind fast slices."""
import numpy as np
import pytest

from data_layer.metrics import ITEM_METRICS
from data_layer.queries import overview
from data_layer.slice import Slice
from data_layer.store import Store
from precompute.__main__ import main
from precompute.scale import N_RUNS, N_TASKS, items_per_task


@pytest.fixture(scope="module")
def small_scale_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "scale.duckdb"
    assert main(["demo", "--scale", "20000", "--out", str(path), "--quiet"]) == 0
    store = Store(path)
    yield store
    store.close()


def test_scale_generator_reaches_the_requested_rows(small_scale_store):
    rows = small_scale_store.scalar("SELECT count(*) FROM item_scores")
    assert rows == N_TASKS * (N_RUNS + 3) * items_per_task(20000) >= 20000
    assert small_scale_store.scalar("SELECT count(DISTINCT task_id) FROM item_scores") == N_TASKS
    labels = small_scale_store.df("SELECT DISTINCT len(labels) AS k, scale FROM tasks")
    assert {2, 3} <= set(labels.k) and "ordinal" in set(labels.scale)


def test_item_metrics_view_matches_the_materialised_scores(demo_store):
    a = demo_store.df("SELECT * FROM item_metrics ORDER BY run_id, task_id, item_id")
    b = demo_store.df(f"SELECT run_id, task_id, item_id, {', '.join(ITEM_METRICS)} FROM item_scores "
                      "ORDER BY run_id, task_id, item_id")
    assert a[b.columns].equals(b)


@pytest.mark.parametrize("sl", [Slice(), Slice(tasks=("demo-nli",), band_scheme="tertile", bands=("high",)),
                                Slice(training=("rlvr",), methods=("sampling",), metric="wasserstein"),
                                Slice(size_min=10, size_max=40, metric="majority_match")])
def test_means_from_score_sums_equal_means_over_items(demo_store, sl):
    got = overview.means_by_band(demo_store, sl).frame
    where, params = sl.where()
    direct = demo_store.df(
        f"SELECT training, reasoning, {sl.band_column} AS band, avg({sl.metric}) AS mean, "
        f"count({sl.metric}) AS n FROM item_scores WHERE {where} GROUP BY ALL HAVING count({sl.metric}) > 0",
        params)
    merged = got.merge(direct, on=["training", "reasoning", "band"], suffixes=("", "_direct"))
    assert len(merged) == len(got) == len(direct) > 0
    assert np.allclose(merged["mean"], merged["mean_direct"], rtol=1e-9)
    assert (merged["n"] == merged["n_direct"]).all()


@pytest.mark.parametrize("sl", [Slice(), Slice(tasks=("demo-nli",), bands=("high",)),
                                Slice(band_scheme="tertile", bands=("low", "high"), training=("rlvr",)),
                                Slice(band_scheme="highvar", bands=("highvar",), methods=("sampling",)),
                                Slice(bands=("low", "medium", "high"), size_min=10)])
@pytest.mark.parametrize("keys", [("run_id",), ("model_type", "band"), ("run_id", "band", "task_id")])
def test_unit_aggregates_equal_aggregates_over_items(demo_store, sl, keys):
    """The pre-computed aggregate metrics per run x task x band filter give exactly what
    computing them from the slice's run x item rows gives."""
    from data_layer.queries.aggregates import UNIT_METRICS, _stored_units, direct_units
    stored = _stored_units(demo_store, sl, list(UNIT_METRICS), keys)
    direct = direct_units(demo_store, sl, list(UNIT_METRICS), keys)
    on = [*dict.fromkeys([*keys, "run_id", "task_id"]), "metric"]
    merged = stored.merge(direct, on=on, how="outer", suffixes=("", "_direct"), indicator=True)
    assert len(merged) > 0 and (merged["_merge"] == "both").all()
    assert (merged["n"] == merged["n_direct"]).all()
    assert (merged["value"].isna() == merged["value_direct"].isna()).all()
    assert np.allclose(merged["value"].astype(float), merged["value_direct"].astype(float), equal_nan=True)


def test_leaderboard_and_run_values_means_equal_means_over_items(demo_store):
    from data_layer.queries import leaderboard, per_run
    sl = Slice(tasks=("demo-nli",), bands=("high",), methods=("sampling",))
    where, params = sl.where()
    direct = demo_store.df(f"SELECT run_id, count(*) AS n_rows, avg(tvd) AS tvd_direct, avg(jsd) AS jsd_direct "
                           f"FROM item_scores WHERE {where} GROUP BY run_id", params)
    board = leaderboard.leaderboard(demo_store, sl).frame.merge(direct, on="run_id")
    assert len(board) == len(direct) > 0 and (board["n"] == board["n_rows"]).all()
    assert np.allclose(board["tvd"], board["tvd_direct"]) and np.allclose(board["jsd"], board["jsd_direct"])
    runs = per_run.run_values(demo_store, sl).frame.merge(direct, on="run_id")
    assert len(runs) == len(direct) and np.allclose(runs["mean"], runs["tvd_direct"])
    assert (runs["n"] == runs["n_rows"]).all()


def test_item_runs_equal_item_scores_joined_with_model_dist(demo_store):
    """The Item page's item-major copy holds exactly the run-major rows."""
    from data_layer.metrics import ITEM_METRICS as M
    cols = f"run_id, task_id, item_id, item_key, display_name, method, training, n_valid, covered_mass, {', '.join(M)}"
    a = demo_store.df(f"SELECT {cols}, probs FROM item_runs ORDER BY run_id, task_id, item_id")
    b = demo_store.df(f"SELECT {', '.join('s.' + c if c not in ('n_valid', 'covered_mass') else 'd.' + c for c in cols.split(', '))}, "
                      "d.probs FROM item_scores s JOIN model_dist d USING (run_id, task_id, item_id) "
                      "ORDER BY run_id, task_id, item_id")
    assert len(a) == len(b) == demo_store.scalar("SELECT count(*) FROM item_scores") > 0
    assert a.drop(columns="probs").equals(b.drop(columns="probs"))
    assert all(list(x) == list(y) for x, y in zip(a["probs"], b["probs"], strict=True))


def test_pages_with_many_facets_render(tmp_path, monkeypatch):
    """20 tasks give 10 rows of small multiples: plotly refuses a fixed row spacing there."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    path = tmp_path / "twenty-tasks.duckdb"
    assert main(["demo", "--scale", "2000", "--out", str(path), "--quiet"]) == 0
    monkeypatch.setenv("ATLAS_STORE", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    for page in ("views/overview.py", "views/models.py"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
