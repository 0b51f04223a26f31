"""Means (and aggregate metrics) per group with 95% bootstrap intervals over items."""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer import aggregates
from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries import large_n
from data_layer.queries.aggregates import GROUP_KEYS as AGG_KEYS
from data_layer.queries.aggregates import aggregate_by
from data_layer.queries.common import SMALL_N, add_model_type
from data_layer.slice import Slice
from data_layer.stats import N_RESAMPLES, SEED, bootstrap
from data_layer.store import Result, Store

UNDEFINED_NOTE = ("undefined on these items: a correlation needs both sides to vary (a constant "
                  "prediction has none) and F1 needs a positive label")

# group keys a caller may ask for -> the item_scores columns behind them
GROUP_KEYS = {**large_n.SUM_KEYS, "entropy_bin": ("entropy_bin",)}  # group key -> item_scores columns


def fetch_rows(store: Store, sl: Slice, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """run x item rows of the slice with the columns the slice metric needs, plus `extra`
    (names from GROUP_KEYS' columns only), and `band` under the slice's scheme."""
    cols = dict.fromkeys(("run_id", "task_id", "item_id", *extra, *aggregates.columns_for(sl.metric)))
    where, params = sl.where()
    return store.df(f"SELECT {', '.join(cols)}, {sl.band_column} AS band FROM item_scores "
                    f"WHERE {where}", params)


def item_index(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Row -> item number (0..n_items-1) over (task_id, item_id)."""
    codes, uniques = pd.factorize(frame["task_id"].astype(str) + "\x1f" + frame["item_id"].astype(str))
    return codes.astype(np.int64), len(uniques)


def _check_by(by: tuple[str, ...]) -> None:
    unknown = [b for b in by if b not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {', '.join(GROUP_KEYS)}")


def means_with_intervals(store: Store, sl: Slice, by: tuple[str, ...] = ("model_type", "band"),
                         n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Result:
    """One row per group: `mean` (the mean of a per-item metric, or the aggregate metric's value),
    `lo`/`hi` (95% percentile bootstrap interval over items, all groups resampled jointly),
    `n` (rows the value rests on: run x item pairs, or items for a single run; for an aggregate
    metric the rows of its defined run x task units, 0 when every unit is undefined), `n_items`,
    `n_runs`, `small_n` (n_items < SMALL_N), `metric`, `statistic` (what `mean` is) and `note` (why
    `mean` is None when the statistic is undefined, e.g. var_corr of a constant baseline; else "").
    `by` may include "entropy_bin": bins 0..ENTROPY_BINS-1 of normalised human entropy (stored per item)."""
    _check_by(by)
    if _large_ok(by, sl.metric) and large_n.is_large(store, sl, sl.metric):
        return _large(store, sl, by)
    extra = tuple(c for b in by for c in GROUP_KEYS[b])
    df = fetch_rows(store, sl, extra)
    if not len(df):
        return Result(None, f"No scored items in this slice ({sl.sentence()}). Widen the filters.")
    out = intervals_from_rows(df, sl.metric, by, n_resamples, seed)
    return Result.of(ordered(out, by, sl), f"Nothing in this slice can be scored ({sl.sentence()}).")


def intervals_from_rows(df: pd.DataFrame, metrics: str | tuple[str, ...], by: tuple[str, ...],
                        n_resamples: int = N_RESAMPLES, seed: int = SEED) -> pd.DataFrame:
    """The store-free part of `means_with_intervals`, for one or several metrics at once (all
    resampled with the same weights, one `metric` column). `df` has run_id, task_id, item_id,
    the metrics' columns (`aggregates.columns_for`) and the `by` columns (training and
    reasoning for model_type)."""
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if "model_type" in by:
        df = add_model_type(df.copy())
    items, n_items = item_index(df)
    groups = df.groupby(list(by), sort=False, dropna=False).indices if by else {(): np.arange(len(df))}
    needed = list(dict.fromkeys(c for m in metrics for c in aggregates.columns_for(m)))
    values = df[needed]
    stats = {}
    for key, idx in groups.items():
        part, part_items = values.iloc[idx], items[idx]
        stats.update({(m, key): (aggregates.statistic(m, part), part_items) for m in metrics})
    intervals = bootstrap(stats, n_items, n_resamples, seed)
    rows = []
    for (metric, key), iv in intervals.items():
        idx = groups[key]
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, keys, strict=True)), "metric": metric, "mean": iv.estimate, "lo": iv.lo,
                     "hi": iv.hi, "n": iv.n, "n_items": int(np.count_nonzero(np.bincount(items[idx], minlength=n_items))),
                     "n_runs": int(df["run_id"].iloc[idx].nunique()),
                     "statistic": aggregates.statistic_label(metric),
                     # an aggregate undefined in every run x task unit keeps its row (and note)
                     "_keep": iv.n > 0 or getattr(stats[(metric, key)][0], "n_units", 0) > 0})
    out = pd.DataFrame(rows)
    out = out[out.pop("_keep")].assign(method=large_n.METHOD_BOOTSTRAP)
    out["small_n"] = out["n_items"] < SMALL_N
    out["note"] = np.where(out["mean"].isna(), UNDEFINED_NOTE, "")
    return out


def _large_ok(by: tuple[str, ...], metric: str) -> bool:
    """Whether the large-slice path can group by `by` (score_sums / unit_aggregates columns)."""
    keys = [*large_n.SUM_KEYS, "entropy_bin"] if METRICS.get(metric).level == "item" else AGG_KEYS
    return set(by) <= set(keys)


def _large(store: Store, sl: Slice, by: tuple[str, ...]) -> Result:
    """means_with_intervals' columns without fetching rows (slices over large_n.LARGE_N_ROWS):
    per-item metrics with the item-clustered normal-approximation interval computed in SQL;
    aggregate metrics from the pre-computed unit aggregates, without an interval (lo/hi None,
    said in `note`)."""
    if METRICS.get(sl.metric).level == "item":
        df, note = large_n.means_clustered(store, sl, sl.metric, by), ""
    else:
        res = aggregate_by(store, sl, sl.metric, tuple(by))
        if not res.ok:
            return res
        items = large_n.means_clustered(store, sl, "tvd", by)  # the groups' n_items and n_runs
        items = add_model_type(items) if "model_type" in by else items
        df = res.frame.drop(columns=["n_items", "n_runs"], errors="ignore").assign(lo=None, hi=None)
        df = (df.merge(items[[*by, "n_items", "n_runs"]], how="left", on=list(by)) if by else
              df.assign(n_items=items["n_items"].iloc[0], n_runs=items["n_runs"].iloc[0]))
        note = f"interval not computed above {large_n.LARGE_N_ROWS:,} rows. "
    if not len(df):
        return Result(None, f"No scored items in this slice ({sl.sentence()}). Widen the filters.")
    if "model_type" in by and "model_type" not in df:
        df = add_model_type(df)
    df = df.assign(metric=sl.metric, statistic=aggregates.statistic_label(sl.metric),
                   small_n=df["n_items"] < SMALL_N, method=large_n.method_note(),
                   note=np.where(df["mean"].isna(), UNDEFINED_NOTE, note))
    cols = [*by, "metric", "mean", "lo", "hi", "n", "n_items", "n_runs", "statistic", "small_n", "note", "method"]
    return Result(ordered(df[cols], by, sl))


def ordered(out: pd.DataFrame, by: tuple[str, ...], sl: Slice) -> pd.DataFrame:
    """Rows sorted by the group keys, bands in the scheme's order (least disagreement first)."""
    if "band" in by:
        order = {b: i for i, b in enumerate(BAND_SCHEMES.get(sl.band_scheme).bands)}
        out = out.assign(_o=out["band"].map(order))
        keys = [("_o" if b == "band" else b) for b in by]
        return out.sort_values(keys).drop(columns="_o").reset_index(drop=True)
    return out.sort_values(list(by)).reset_index(drop=True) if by else out.reset_index(drop=True)
