"""Aggregate metrics (var_corr, entropy_spearman, f1): one value per group of items, not per item.

Each value is computed within one run and one task (tasks differ in their labels and in K, and
runs of different models must not be pooled into one correlation), over the items of the
slice; a group's value is the mean of its run x task values weighted by their item counts.
Run x task units where the value is undefined (fewer than 3 items, a constant input, no
positive label) are left out and counted in the answer's note.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries.common import add_model_type
from data_layer.slice import Slice
from data_layer.store import Result, Store

GROUP_KEYS = ("model_type", "band", "task_id", "run_id")
ALL_BANDS = "*"  # unit_aggregates.band_filter of a slice without a band filter
UNIT_METRICS = tuple(m.name for m in METRICS if m.level == "aggregate")
_INPUTS = "human_gini, model_gini, human_entropy, model_entropy, human_pos, model_pos, human_majority, model_argmax"


def pearson(x, y) -> tuple[float | None, int]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None, len(x)
    return float(np.corrcoef(x, y)[0, 1]), len(x)


def spearman(x, y) -> tuple[float | None, int]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    return pearson(rankdata(x[ok]), rankdata(y[ok]))  # average ranks for ties


def _f1(tp: int, fp: int, fn: int) -> float | None:
    return None if 2 * tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def f1_binary(h_pos, m_pos) -> tuple[float | None, int]:
    """F1 of the positive label, 1[h > .5] vs 1[m > .5]; items where either is exactly .5 dropped."""
    h, m = np.asarray(h_pos, dtype=float), np.asarray(m_pos, dtype=float)
    keep = ~(np.isnan(h) | np.isnan(m) | np.isclose(h, 0.5) | np.isclose(m, 0.5))
    t, p = h[keep] > 0.5, m[keep] > 0.5
    return _f1(int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())), int(keep.sum())


def macro_f1(true, pred) -> tuple[float | None, int]:
    """Mean over the labels occurring in either vector of per-label F1; missing (tied) truths dropped."""
    t = pd.to_numeric(pd.Series(true), errors="coerce").to_numpy(dtype=float)
    p = pd.to_numeric(pd.Series(pred), errors="coerce").to_numpy(dtype=float)
    keep = ~(np.isnan(t) | np.isnan(p))
    t, p = t[keep], p[keep]
    if not len(t):
        return None, 0
    scores = [_f1(int(((t == c) & (p == c)).sum()), int(((t != c) & (p == c)).sum()),
                  int(((t == c) & (p != c)).sum())) for c in np.union1d(t, p)]
    return float(np.mean(scores)), len(t)


def unit_value(g: dict[str, np.ndarray], metric: str) -> tuple[float | None, int]:
    """The metric over the rows of one run x task (all rows share K); g maps column -> array."""
    if metric == "var_corr":
        return pearson(g["human_gini"], g["model_gini"])
    if metric == "entropy_spearman":
        return spearman(g["human_entropy"], g["model_entropy"])
    if metric == "f1":
        if int(g["k"][0]) == 2:
            return f1_binary(g["human_pos"], g["model_pos"])
        return macro_f1(g["human_majority"], g["model_argmax"])
    raise ValueError(f"{metric!r} is not an aggregate metric")


def _rows(store: Store, sl: Slice) -> pd.DataFrame:
    where, params = sl.where(alias="s")
    return store.df(
        f"SELECT s.run_id, s.task_id, s.training, s.reasoning, s.{sl.band_column} AS band, {_INPUTS}, "
        f"len(t.labels) AS k FROM item_scores s JOIN tasks t ON t.task_id = s.task_id WHERE {where}", params)


def unit_rows(con, where: str, params: list) -> pd.DataFrame:
    """The aggregate metrics' inputs per run x item row with every band column (for the build)."""
    bands = ", ".join(f"s.{b.column}" for b in BAND_SCHEMES)
    return con.execute(f"SELECT s.run_id, s.task_id, {bands}, {_INPUTS}, len(t.labels) AS k FROM item_scores s "
                       f"JOIN tasks t ON t.task_id = s.task_id WHERE {where}", params).df()


def units_from_rows(rows: pd.DataFrame, metrics: list[str], keys: tuple[str, ...]) -> pd.DataFrame:
    """One row per run x task (x the other keys): keys, run_id, task_id, metric, value, n."""
    by = list(dict.fromkeys([*keys, "run_id", "task_id"]))
    arrays = {c: rows[c].to_numpy(dtype=float, na_value=np.nan) for c in [*_INPUTS.split(", "), "k"]}
    out = []
    for key, idx in rows.groupby(by, sort=True).indices.items():
        g = {c: a[idx] for c, a in arrays.items()}
        key = key if isinstance(key, tuple) else (key,)
        out += [(*key, m, *unit_value(g, m)) for m in metrics]
    return pd.DataFrame(out, columns=[*by, "metric", "value", "n"])


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


def _combine(units: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, int]:
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
    frame, left_out = _combine(_stored_units(store, sl, [metric], keys), list(keys))
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
    units = _stored_units(store, sl, metrics, keys)
    frame, _ = _combine(units, [*keys, "metric"])
    wide = frame.pivot(index=list(keys), columns="metric", values=["mean", "n"])
    wide.columns = [m if stat == "mean" else f"n_{m}" for stat, m in wide.columns]
    wide = wide.reset_index()
    return wide.astype({f"n_{m}": "Int64" for m in metrics if f"n_{m}" in wide})
