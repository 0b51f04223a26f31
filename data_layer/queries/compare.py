"""Two runs side by side on the items both scored: each run's value and the difference
(left − right) for several metrics, all from one bootstrap call (the same resampled items for
every number), with the Wilcoxon signed-rank p for per-item metrics."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from data_layer import aggregates
from data_layer.metrics import METRICS
from data_layer.queries.intervals import item_index
from data_layer.queries.paired import side_verdict
from data_layer.slice import Slice
from data_layer.stats import N_RESAMPLES, SEED, Difference, bootstrap
from data_layer.store import Result, Store

DEFAULT_METRICS = ("tvd", "var_corr", "f1")


def compare_runs_from_rows(df: pd.DataFrame, left_run: str, right_run: str,
                           metrics: tuple[str, ...] = DEFAULT_METRICS,
                           n_resamples: int = N_RESAMPLES, seed: int = SEED) -> pd.DataFrame:
    """`df`: item_scores rows (run_id, task_id, item_id and the metrics' columns) of at least
    the two runs. One row per metric: left, left_lo, left_hi, right, right_lo, right_hi, diff,
    lo, hi, n (items both scored), p (Wilcoxon; None for aggregate metrics), verdict."""
    both = df[df["run_id"].isin([left_run, right_run])].reset_index(drop=True)
    codes, _ = item_index(both)
    is_left = (both["run_id"] == left_run).to_numpy()
    common = np.intersect1d(codes[is_left], codes[~is_left])  # sorted item codes both scored
    left, right = (_aligned(both, codes, mask, common) for mask in (is_left, ~is_left))
    items = np.arange(len(common))
    n_items = len(common)
    stats = {}
    for m in metrics:
        ls, rs = aggregates.statistic(m, left), aggregates.statistic(m, right)
        stats[("left", m)], stats[("right", m)] = (ls, items), (rs, items)
        stats[("diff", m)] = (Difference(ls, rs), np.r_[items, items])
    iv = bootstrap(stats, n_items, n_resamples, seed)
    rows = []
    for m in metrics:
        p = None
        if METRICS.get(m).level == "item":
            d = (left[m] - right[m]).to_numpy(dtype=float)
            d = d[~np.isnan(d)]
            p = float(wilcoxon(d).pvalue) if np.any(d != 0) else None
        a, b, d = iv[("left", m)], iv[("right", m)], iv[("diff", m)]
        rows.append({"metric": m, "statistic": aggregates.statistic_label(m),
                     "left": a.estimate, "left_lo": a.lo, "left_hi": a.hi,
                     "right": b.estimate, "right_lo": b.lo, "right_hi": b.hi,
                     "diff": d.estimate, "lo": d.lo, "hi": d.hi, "n": n_items, "p": p,
                     "verdict": side_verdict(d, METRICS.get(m).direction)})
    return pd.DataFrame(rows)


def _aligned(df: pd.DataFrame, codes: np.ndarray, mask: np.ndarray, common: np.ndarray) -> pd.DataFrame:
    """The rows of one run for the common items, in the order of `common` (first row per item)."""
    idx = np.flatnonzero(mask)
    order = np.argsort(codes[idx], kind="stable")
    sorted_codes = codes[idx][order]
    pos = np.searchsorted(sorted_codes, common)
    return df.iloc[idx[order][pos]].reset_index(drop=True)


def compare_runs(store: Store, sl: Slice, left_run: str, right_run: str,
                 metrics: tuple[str, ...] = DEFAULT_METRICS) -> Result:
    """The two runs on the slice's items (item filters and bands of the slice apply; its run
    filters do not, the runs are named)."""
    cols = dict.fromkeys(["run_id", "task_id", "item_id", *(c for m in metrics for c in aggregates.columns_for(m))])
    where, params = sl.item_filters_only().where()
    df = store.df(f"SELECT {', '.join(cols)} FROM item_scores WHERE run_key IN (?, ?) AND {where}",
                  [store.run_key(left_run), store.run_key(right_run), *params])
    out = compare_runs_from_rows(df, left_run, right_run, metrics) if len(df) else pd.DataFrame()
    if not len(out) or out["n"].iloc[0] == 0:
        return Result(None, f"Runs {left_run!r} and {right_run!r} scored no common item in this slice.")
    return Result(out)
