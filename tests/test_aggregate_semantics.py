"""One definition of the aggregate metrics: the Overview's intervals (means_with_intervals ->
data_layer.aggregates + bootstrap) and the leaderboard / means_by_band path
(queries.aggregates.aggregate_by) give the same point values on the demo store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from data_layer.queries.aggregates import aggregate_by, all_aggregates
from data_layer.queries.intervals import means_with_intervals
from data_layer.queries.overview import means_by_band
from data_layer.slice import Slice

SLICES = [Slice(), Slice(tasks=("demo-nli",)), Slice(tasks=("demo-nli", "demo-sarcasm"), band_scheme="highvar"),
          Slice(band_scheme="tertile", training=("rlvr",))]
METRICS = ("var_corr", "entropy_spearman", "f1")


def _keyed(frame: pd.DataFrame, keys: list[str], col: str = "mean") -> pd.Series:
    return frame.dropna(subset=[col]).set_index(keys)[col].sort_index()


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("sl", SLICES, ids=["all", "nli", "two-tasks-highvar", "rlvr-tertile"])
def test_intervals_and_aggregate_by_agree(demo_store, sl, metric):
    sl = sl.with_(metric=metric)
    keys = ["model_type", "band"]
    iv = means_with_intervals(demo_store, sl, by=tuple(keys), n_resamples=50).frame
    ag = aggregate_by(demo_store, sl, metric, tuple(keys)).frame
    mb = means_by_band(demo_store, sl).frame
    a, b, c = _keyed(iv, keys), _keyed(ag, keys), _keyed(mb, keys)
    assert len(a) >= 3 and a.index.equals(b.index) and b.index.equals(c.index)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.to_numpy(), c.to_numpy(), rtol=1e-12)
    assert (_keyed(iv, keys, "n") == _keyed(ag, keys, "n")).all()  # items used by defined units
    defined = iv.dropna(subset=["mean"])
    assert ((defined["lo"] <= defined["mean"] + 1e-9) & (defined["mean"] <= defined["hi"] + 1e-9)).all()


def test_per_run_values_agree_with_the_leaderboard_path(demo_store):
    sl = Slice(tasks=("demo-nli", "demo-sarcasm", "demo-topic"))
    wide = all_aggregates(demo_store, sl).set_index("run_id")
    for m in METRICS:
        iv = means_with_intervals(demo_store, sl.with_(metric=m), by=("run_id",), n_resamples=20).frame
        got = _keyed(iv, ["run_id"])
        np.testing.assert_allclose(got.to_numpy(), wide.loc[got.index, m].to_numpy(dtype=float), atol=1e-9)


def test_pooling_two_tasks_is_not_the_definition(demo_store):
    """The value over two tasks is the item-weighted mean of the two per-task values, which
    differs from one Pearson r over the pooled items."""
    sl = Slice(tasks=("demo-nli", "demo-sarcasm"), models=("sim-chat-8b",), metric="var_corr")
    per = aggregate_by(demo_store, sl, keys=("run_id", "task_id")).frame
    run = per["run_id"].iloc[0]
    part = per[per["run_id"] == run]
    both = aggregate_by(demo_store, sl, keys=("run_id",)).frame.set_index("run_id").loc[run]
    assert both["mean"] == pytest.approx((part["mean"] * part["n"]).sum() / part["n"].sum())
    rows = demo_store.df("SELECT human_gini, model_gini FROM item_scores WHERE run_id = ? "
                         "AND task_id IN ('demo-nli', 'demo-sarcasm')", [run])
    assert abs(stats.pearsonr(rows["human_gini"], rows["model_gini"]).statistic - both["mean"]) > 1e-6


def test_intervals_deterministic_with_the_seed(demo_store):
    sl = Slice(tasks=("demo-nli", "demo-topic"), metric="entropy_spearman")
    a = means_with_intervals(demo_store, sl, n_resamples=100, seed=7).frame
    b = means_with_intervals(demo_store, sl, n_resamples=100, seed=7).frame
    c = means_with_intervals(demo_store, sl, n_resamples=100, seed=8).frame
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["lo"].dropna(), c["lo"].dropna())


@pytest.mark.parametrize("metric", METRICS)
def test_resampled_value_is_the_value_of_the_resample(demo_store, metric):
    """Under integer item weights (one bootstrap resample), the composite statistic equals the
    per run x task weighted mean computed on the rows repeated by their weights."""
    from data_layer import aggregates as agg
    rows = demo_store.df("SELECT * FROM item_scores WHERE task_id IN ('demo-nli', 'demo-topic') "
                         "AND run_id IN (SELECT min(run_id) FROM runs UNION SELECT max(run_id) FROM runs) "
                         "ORDER BY run_id, task_id, item_id")
    w = np.random.default_rng(5).poisson(1.0, len(rows))
    stat = agg.statistic(metric, rows)
    cols = stat.columns()
    sums = np.asarray(cols.T @ w if hasattr(cols, "tocsr") else w @ cols, dtype=float).reshape(1, -1)
    expect, _ = agg.value(metric, rows.loc[np.repeat(rows.index, w)].reset_index(drop=True))
    assert stat.finish(sums)[0] == pytest.approx(expect, abs=1e-9)


@pytest.mark.parametrize("sl", [Slice(), Slice(bands=("high",)), Slice(tasks=("demo-nli",), methods=("verbalized",)),
                                Slice(band_scheme="highvar", bands=("highvar",)),
                                Slice(band_scheme="tertile", bands=("low", "high"))])
@pytest.mark.parametrize("keys", [("run_id",), ("run_id", "task_id"), ("task_id",)])
def test_per_run_aggregates_in_sql_equal_the_pandas_combination(demo_store, sl, keys):
    """all_aggregates' SQL path (run and task keys) against the unit-level combination in pandas."""
    from data_layer.queries import aggregates as qa
    fast = qa.all_aggregates(demo_store, sl, keys)
    frame, _ = qa.combine_units(qa._stored_units(demo_store, sl, list(qa.UNIT_METRICS), keys), [*keys, "metric"])
    wide = frame.pivot(index=list(keys), columns="metric", values=["mean", "n"])
    wide.columns = [m if stat == "mean" else f"n_{m}" for stat, m in wide.columns]
    wide = wide.reset_index().astype({f"n_{m}": "Int64" for m in qa.UNIT_METRICS})
    wide = wide[fast.columns].sort_values(list(keys)).reset_index(drop=True)
    assert len(fast) >= 1
    pd.testing.assert_frame_equal(fast, wide, check_dtype=False, rtol=1e-9)
