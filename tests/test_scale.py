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
