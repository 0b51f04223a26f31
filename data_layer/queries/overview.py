"""The Overview's question: how well does each model type match the human distribution,
per disagreement band (and per task)?"""
from __future__ import annotations

import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import model_type_label
from data_layer.metrics import METRICS
from data_layer.slice import Slice
from data_layer.store import Result, Store

SMALL_N = 30  # means over fewer items are marked as small-n in the UI


def _type_means(store: Store, sl: Slice, by_task: bool) -> pd.DataFrame:
    """Means from the pre-aggregated score_sums table (a few thousand rows at any scale)."""
    metric = METRICS.get(sl.metric).name
    where, params = sl.where()
    task_col = "task_id, " if by_task else ""
    return store.df(
        f"SELECT {task_col}training, reasoning, {sl.band_column} AS band, "
        f"sum(sum_{metric}) / nullif(sum(n_{metric}), 0) AS mean, sum(n_{metric})::BIGINT AS n, "
        f"count(DISTINCT run_id) AS n_runs FROM score_sums WHERE {where} GROUP BY ALL", params)


def means_by_band(store: Store, sl: Slice, by_task: bool = False) -> Result:
    """Per model type (training x reasoning) and band: mean metric with n items-runs scored."""
    if METRICS.get(sl.metric).level != "item":
        return Result(None, f"{METRICS.get(sl.metric).label} is computed over a whole slice, not per "
                            "item, so it has no per-item mean; pick a per-item metric.")
    df = _type_means(store, sl, by_task)
    df = df[df["n"] > 0].copy()
    if not len(df):
        return Result(None, f"No scored items in this slice ({sl.sentence()}). Widen the filters.")
    df["model_type"] = [model_type_label(t, r) for t, r in zip(df["training"], df["reasoning"])]
    df["small_n"] = df["n"] < SMALL_N
    order = {b: i for i, b in enumerate(BAND_SCHEMES.get(sl.band_scheme).bands)}
    df["band_order"] = df["band"].map(order)
    keys = ["task_id", "band_order", "model_type"] if by_task else ["band_order", "model_type"]
    return Result(df.sort_values(keys).drop(columns="band_order").reset_index(drop=True))
