"""Aggregate metrics (var_corr, entropy_spearman, f1): one value per group of items, not per item.

The computation is declared once, in `data_layer.aggregates`: each value is computed within one
run and one task over the items of the slice, and a group's value is the mean of its run x task
values weighted by their item counts. Run x task units where the value is undefined (fewer than
3 items, a constant input, no positive label) are left out and counted in the answer's note.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from data_layer import aggregates
from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries.common import add_model_type
from data_layer.slice import Slice
from data_layer.store import Result, Store

GROUP_KEYS = ("model_type", "band", "task_id", "run_id")
ALL_BANDS = "*"  # unit_aggregates.band_filter of a slice without a band filter
UNIT_METRICS = tuple(m.name for m in METRICS if m.level == "aggregate")
_INPUTS = "human_gini, model_gini, human_entropy, model_entropy, human_pos, model_pos, human_majority, model_argmax"


def _rows(store: Store, sl: Slice) -> pd.DataFrame:
    where, params = sl.where()
    return store.df(f"SELECT run_id, task_id, training, reasoning, {sl.band_column} AS band, {_INPUTS} "
                    f"FROM item_scores WHERE {where}", params)


def unit_rows(con, where: str, params: list) -> pd.DataFrame:
    """The aggregate metrics' inputs per run x item row with every band column (for the build)."""
    bands = ", ".join(f"s.{b.column}" for b in BAND_SCHEMES)
    return con.execute(f"SELECT s.run_id, s.task_id, {bands}, {_INPUTS}, len(t.labels) AS k FROM item_scores s "
                       f"JOIN tasks t ON t.task_id = s.task_id WHERE {where}", params).df()


def units_from_rows(rows: pd.DataFrame, metrics: list[str], keys: tuple[str, ...]) -> pd.DataFrame:
    """One row per run x task (x the other keys): keys, run_id, task_id, metric, value, n. The
    value of each unit comes from the one definition in `data_layer.aggregates`."""
    others = [k for k in keys if k not in ("run_id", "task_id")]
    groups = rows.groupby(others, sort=True).indices.items() if others else [((), np.arange(len(rows)))]
    out = []
    for key, idx in groups:
        part = rows.iloc[idx]
        key = dict(zip(others, key if isinstance(key, tuple) else (key,), strict=True))
        for m in metrics:
            out += [{**key, "run_id": run, "task_id": task, "metric": m, "value": v, "n": n}
                    for run, task, v, n in aggregates.unit_values(m, part)]
    by = list(dict.fromkeys([*keys, "run_id", "task_id"]))
    frame = pd.DataFrame(out, columns=[*dict.fromkeys([*others, "run_id", "task_id"]), "metric", "value", "n"])
    return frame[[*by, "metric", "value", "n"]].sort_values([*by, "metric"], kind="stable").reset_index(drop=True)


def direct_units(store: Store, sl: Slice, metrics: list[str], keys: tuple[str, ...]) -> pd.DataFrame:
    """units_from_rows over the slice's run x item rows: the reference `_stored_units` equals."""
    return units_from_rows(add_model_type(_rows(store, sl)), metrics, keys)


def band_filters(scheme_name: str) -> list[tuple[str, tuple[str, ...]]]:
    """(band_filter key, bands) for every band filter a slice can set under the scheme: each
    non-empty proper subset of its bands (all bands = no filter = ALL_BANDS, stored once)."""
    bands = BAND_SCHEMES.get(scheme_name).bands
    subsets = [c for r in range(1, len(bands)) for c in itertools.combinations(bands, r)]
    return [(f"{scheme_name}:{','.join(c)}", c) for c in subsets]


def _filter_key(scheme_name: str, bands: tuple[str, ...]) -> str:
    scheme = BAND_SCHEMES.get(scheme_name)
    if not bands or set(bands) == set(scheme.bands):
        return ALL_BANDS
    return f"{scheme_name}:{','.join(b for b in scheme.bands if b in bands)}"


def _stored_units(store: Store, sl: Slice, metrics: list[str], keys: tuple[str, ...]) -> pd.DataFrame:
    """direct_units' answer read from the pre-computed unit_aggregates table (about a thousand
    rows at any scale): grouped by band, one single-band filter per band of the slice (all
    bands for one-band schemes); else the slice's band filter."""
    scheme = BAND_SCHEMES.get(sl.band_scheme)
    if "band" in keys:
        filters = [ALL_BANDS] if len(scheme.bands) == 1 else [f"{scheme.name}:{b}" for b in
                                                               (sl.bands or scheme.bands)]
    else:
        filters = [_filter_key(scheme.name, sl.bands)]
    where, params = sl.with_(bands=()).where()
    band = f"coalesce(band, '{scheme.bands[0]}')" if len(scheme.bands) == 1 else "band"
    df = store.df(f"SELECT run_id, task_id, training, reasoning, {band} AS band, metric, value, n "
                  f"FROM unit_aggregates WHERE band_filter IN ({', '.join('?' * len(filters))}) "
                  f"AND metric IN ({', '.join('?' * len(metrics))}) AND {where}", [*filters, *metrics, *params])
    by = list(dict.fromkeys([*keys, "run_id", "task_id"]))
    df = add_model_type(df) if "model_type" in keys else df
    return df[[*by, "metric", "value", "n"]].sort_values([*by, "metric"], kind="stable").reset_index(drop=True)


def unit_values(store: Store, sl: Slice, metric: str, keys: tuple[str, ...]) -> pd.DataFrame:
    """One row per run x task (x the other keys): keys, run_id, task_id, value (None if undefined), n."""
    return _stored_units(store, sl, [metric], keys).drop(columns="metric")


def combine_units(units: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, int]:
    """n-weighted mean of the defined unit values per group; also the number left out."""
    defined = units[units["value"].notna() & (units["n"] > 0)]
    frame = (defined.assign(w=defined["value"].astype(float) * defined["n"]).groupby(keys, as_index=False)
             .agg(w=("w", "sum"), n=("n", "sum"), n_units=("value", "size")))
    frame["mean"] = frame.pop("w") / frame["n"]
    return frame, len(units) - len(defined)


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
    frame, left_out = combine_units(_stored_units(store, sl, [metric], keys), list(keys))
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
    metrics = list(UNIT_METRICS)
    _check(metrics, keys)
    if set(keys) <= {"run_id", "task_id"}:
        return _per_run_sql(store, sl, metrics, keys)
    units = _stored_units(store, sl, metrics, keys)
    frame, _ = combine_units(units, [*keys, "metric"])
    wide = frame.pivot(index=list(keys), columns="metric", values=["mean", "n"])
    wide.columns = [m if stat == "mean" else f"n_{m}" for stat, m in wide.columns]
    wide = wide.reset_index()
    return wide.astype({f"n_{m}": "Int64" for m in metrics if f"n_{m}" in wide})


def per_run_sql(sl: Slice, metrics: list[str], keys: tuple[str, ...]) -> tuple[str, list]:
    """SQL and parameters of all_aggregates for run and task keys (one row per group, NULL where
    a metric is undefined): the same n-weighted mean of the defined units as `combine_units`,
    in DuckDB (~5 ms instead of ~20 in pandas); the leaderboard joins it to its means."""
    where, params = sl.with_(bands=()).where()
    cols = []
    for m in metrics:
        defined = f"metric = '{m}' AND value IS NOT NULL AND n > 0"
        cols += [f"sum(value * n) FILTER (WHERE {defined}) / sum(n) FILTER (WHERE {defined}) AS {m}",
                 f"sum(n) FILTER (WHERE {defined})::BIGINT AS n_{m}"]
    return (f"SELECT {', '.join(keys)}, {', '.join(cols)} FROM unit_aggregates WHERE band_filter = ? "
            f"AND {where} GROUP BY ALL ORDER BY ALL", [_filter_key(sl.band_scheme, sl.bands), *params])


def _per_run_sql(store: Store, sl: Slice, metrics: list[str], keys: tuple[str, ...]) -> pd.DataFrame:
    wide = store.df(*per_run_sql(sl, metrics, keys))
    wide = wide.dropna(subset=metrics, how="all").reset_index(drop=True)
    return wide.astype({f"n_{m}": "Int64" for m in metrics})
