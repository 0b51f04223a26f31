"""Baselines on the same items: a run that predicts only some of the slice's items is compared with
the reference baselines (uniform, task prior, majority) on exactly those items, not on all of them.

The leaderboard's baseline rows are over every item of the slice; a partial run's row is over its
own items, and an easy or hard subset would make it look better or worse than it is. Here the run
and each baseline are scored on the items the run predicts in the slice, with the one definition
of every metric (`data_layer.aggregates`: a mean for per-item metrics, the n-weighted mean over
task units for aggregate ones).
"""
from __future__ import annotations

import pandas as pd

from data_layer import aggregates
from data_layer.aggregates import columns_for
from data_layer.metrics import METRICS
from data_layer.slice import Slice
from data_layer.store import Result, Store

BASELINE_TRAINING = "baseline"  # the training of the reference predictors (precompute/baselines.py)


def _rows(store: Store, sl: Slice, run_id: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The run's rows in the slice and every baseline's rows on the same items (by item_key)."""
    where, params = sl.where()
    cols = ", ".join(f"s.{c}" for c in dict.fromkeys(("run_id", "task_id", *columns)))
    return store.df(
        f"WITH covered AS (SELECT item_key FROM item_scores WHERE run_id = ? AND {where}) "
        f"SELECT s.display_name, s.training, {cols} FROM item_scores s "
        f"WHERE (s.run_id = ? OR s.training = '{BASELINE_TRAINING}') "
        "AND s.item_key IN (SELECT item_key FROM covered)", [run_id, *params, run_id])


def baselines_on_run_items(store: Store, sl: Slice, run_id: str) -> Result:
    """The run and each baseline on the items of the slice the run predicts: run_id, display_name,
    mean (of the slice's metric; None where undefined) and n (the items it rests on), the run first."""
    metric = METRICS.get(sl.metric)
    rows = _rows(store, sl, run_id, columns_for(metric.name))
    if not (rows["run_id"] == run_id).any():
        return Result(None, f"Run {run_id!r} has no scored items in this slice ({sl.sentence()}).")
    out = []
    for (rid, name, training), part in rows.groupby(["run_id", "display_name", "training"], sort=True):
        value, n = aggregates.value(metric.name, part)
        out.append({"run_id": rid, "display_name": name, "training": training, "mean": value, "n": n})
    df = pd.DataFrame(out)
    df = df.assign(_baseline=df["training"] == BASELINE_TRAINING).sort_values(["_baseline", "run_id"])
    return Result(df.drop(columns="_baseline").reset_index(drop=True))
