"""Aggregate metrics (var_corr, entropy_spearman, f1): one value per group of items, not per item.

The computation is declared once, in `data_layer.aggregates`: each value is computed within one
run and one task over the items of the slice, and a group's value is the mean of its run x task
values weighted by their item counts. Run x task units where the value is undefined (fewer than
3 items, a constant input, no positive label) are left out and counted in the answer's note.
"""
from __future__ import annotations

import pandas as pd

from data_layer import aggregates
from data_layer.metrics import METRICS
from data_layer.queries.common import add_model_type
from data_layer.slice import Slice
from data_layer.store import Result, Store

GROUP_KEYS = ("model_type", "band", "task_id", "run_id")
_INPUTS = "human_gini, model_gini, human_entropy, model_entropy, human_pos, model_pos, human_majority, model_argmax"


def _rows(store: Store, sl: Slice) -> pd.DataFrame:
    where, params = sl.where()
    return store.df(f"SELECT run_id, task_id, training, reasoning, {sl.band_column} AS band, {_INPUTS} "
                    f"FROM item_scores WHERE {where}", params)


def _combine(rows: pd.DataFrame, metrics: list[str], keys: list[str]) -> tuple[pd.DataFrame, int]:
    """Per group of `keys` and metric: mean, n (items used), n_units (units used); groups with
    no defined unit are left out. Also the number of units left out as undefined."""
    out, left_out = [], 0
    for key, part in rows.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            v, n, used, undefined = aggregates.summary(m, part)
            left_out += undefined
            if v is not None:
                out.append((*key, m, v, n, used))
    return pd.DataFrame(out, columns=[*keys, "metric", "mean", "n", "n_units"]), left_out


def _check(metrics: list[str], keys: tuple[str, ...]) -> None:
    for m in metrics:
        if METRICS.get(m).level != "aggregate":
            raise ValueError(f"{m!r} is a per-item metric; aggregates are for aggregate metrics")
    if unknown := set(keys) - set(GROUP_KEYS):
        raise ValueError(f"cannot group by {sorted(unknown)}; allowed: {GROUP_KEYS}")


def aggregate_by(store: Store, sl: Slice, metric: str | None = None,
                 keys: tuple[str, ...] = ("model_type", "band")) -> Result:
    """Per group of `keys` (from GROUP_KEYS): mean (n-weighted over run x task units), n items
    used, n_units; a note counts units left out as undefined."""
    metric = metric or sl.metric
    _check([metric], keys)
    frame, left_out = _combine(add_model_type(_rows(store, sl)), [metric], list(keys))
    frame = frame.drop(columns="metric")
    label = METRICS.get(metric).label
    if not len(frame):
        return Result(None, f"{label} is undefined for every run and task of this slice (too few items, "
                            "or no variation to correlate). Widen the filters.")
    note = (f"{left_out} of {left_out + int(frame['n_units'].sum())} run × task units left out: {label} "
            "is undefined there (fewer than 3 items, a constant prediction, or no positive label)."
            if left_out else "")
    return Result(frame, note)


def all_aggregates(store: Store, sl: Slice, keys: tuple[str, ...] = ("run_id",)) -> pd.DataFrame:
    """Every aggregate metric per group of `keys`, wide: keys, <metric>, n_<metric> (missing
    where undefined). One read of the store for all of them."""
    metrics = [m.name for m in METRICS if m.level == "aggregate"]
    _check(metrics, keys)
    frame, _ = _combine(add_model_type(_rows(store, sl)), metrics, list(keys))
    wide = frame.pivot(index=list(keys), columns="metric", values=["mean", "n"])
    wide.columns = [m if stat == "mean" else f"n_{m}" for stat, m in wide.columns]
    wide = wide.reset_index()
    return wide.astype({f"n_{m}": "Int64" for m in metrics if f"n_{m}" in wide})
