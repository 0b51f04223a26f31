"""The leaderboard: one row per run with its facets and the mean of every metric, with n."""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.metrics import ITEM_METRICS, METRICS
from data_layer.queries.aggregates import UNIT_METRICS, per_run_sql
from data_layer.queries.common import add_model_type
from data_layer.queries.coverage import run_coverage
from data_layer.slice import Slice
from data_layer.store import Result, Store

RUN_COLUMNS = ["run_id", "display_name", "model_id", "training", "reasoning", "method", "steering",
               "params_b", "pair_id"]


def _runs(store: Store, sl: Slice) -> pd.DataFrame:
    """Per run: facets, n, the mean and n of every per-item metric (from the pre-aggregated
    score_sums: thousands of rows at any scale, not millions; n (run x item rows) is the count
    of tvd, defined on every item) and every aggregate metric with its n (NULL where
    undefined), in one query."""
    where, params = sl.where()
    means = ", ".join(f"sum(sum_{m}) / nullif(sum(n_{m}), 0) AS {m}, sum(n_{m})::BIGINT AS n_{m}"
                      for m in ITEM_METRICS)
    agg_sql, agg_params = per_run_sql(sl, list(UNIT_METRICS), ("run_id",))
    return store.df(f"WITH m AS (SELECT {', '.join(RUN_COLUMNS)}, sum(n_tvd)::BIGINT AS n, {means} "
                    f"FROM score_sums WHERE {where} GROUP BY ALL), a AS ({agg_sql}) "
                    f"SELECT m.*, a.* EXCLUDE (run_id) FROM m LEFT JOIN a USING (run_id)", [*params, *agg_params])


def leaderboard(store: Store, sl: Slice) -> Result:
    """Runs x metrics: the run's facets, n (run x item rows), the mean of every per-item metric,
    the aggregate metrics (task-weighted, see aggregates), per-metric n where it differs
    from n (metrics undefined on some items, e.g. wasserstein on nominal tasks), and coverage:
    items_in_slice (the slice's items in the run's tasks) and `coverage` ("all 60", "50 of 60")."""
    df = _runs(store, sl)
    if not len(df):
        return Result(None, f"No scored items in this slice ({sl.sentence()}). Widen the filters.")
    n_cols = [c for c in df.columns if c.startswith("n_")]
    counts = df[n_cols].to_numpy(dtype=float, na_value=np.nan)  # one array instead of a check per column
    n = df["n"].to_numpy(dtype=float)[:, None]
    same = [c for c, ok in zip(n_cols, (np.isnan(counts) | (counts == n)).all(axis=0), strict=True) if ok]
    df = df.drop(columns=same)
    for col in (f"n_{m}" for m in UNIT_METRICS if f"n_{m}" not in same):  # counts, missing where undefined
        if df[col].dtype != "Int64":  # cast only where needed: a frame-wide astype costs 2 ms more
            df[col] = df[col].astype("Int64")
    df = df.merge(run_coverage(store, sl)[["run_id", "items_in_slice", "coverage"]], on="run_id", how="left")
    df = add_model_type(df)
    df = df.sort_values(sl.metric, ascending=METRICS.get(sl.metric).direction != "higher",
                        key=(lambda s: s.abs()) if METRICS.get(sl.metric).direction == "zero" else None)
    return Result(df.reset_index(drop=True))
