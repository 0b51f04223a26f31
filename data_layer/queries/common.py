"""Small helpers shared by the query modules (no SQL of their own)."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.facets import model_type_label

SMALL_N = 30  # values over fewer scored run x item rows are marked as small-n in the UI
CORES = 2  # independent queries of one answer run at most this many at once (the target machine's cores)


def run_concurrently(calls: dict[str, tuple[Callable, ...]]) -> dict[str, Any]:
    """{name: fn(*args)} for calls {name: (fn, *args)}, CORES at a time, each query on its own
    cursor (Store), in the order given (put the longest first). A pool per call, so that calls
    nested inside one another can never wait on each other's workers."""
    with ThreadPoolExecutor(max_workers=CORES) as pool:
        running = {name: pool.submit(fn, *args) for name, (fn, *args) in calls.items()}
        return {name: future.result() for name, future in running.items()}


def slice_runs_sql(sl) -> tuple[str, list]:
    """SQL of the slice's run ids, for `run_id IN (...)`: score_sums carries every run facet and
    item filter in a few thousand rows, so filtering runs costs no join per scored row (a join with
    item_scores per group row took 20 s at 1M rows under load)."""
    runs, params = sl.where()
    return f"SELECT DISTINCT run_id FROM score_sums WHERE {runs}", params


def add_model_type(df: pd.DataFrame) -> pd.DataFrame:
    """Adds model_type ('RLVR · thinking', ...) from training and reasoning (labelled once per pair)."""
    if len(df) <= 2000:  # one row per run or so: plain Python is 1 ms cheaper than the string ops
        pairs = list(zip(df["training"].tolist(), df["reasoning"].tolist(), strict=True))
        labels = {p: model_type_label(str(p[0]), str(p[1])) for p in set(pairs)}
        df["model_type"] = [labels[p] for p in pairs]
        return df
    key = df["training"].astype(str) + "\x00" + df["reasoning"].astype(str)
    df["model_type"] = key.map({k: model_type_label(*k.split("\x00")) for k in key.unique()})
    return df


def best_and_worst(frame: pd.DataFrame, column: str, lower_is_better: bool, k: int = 5,
                   n_column: str = "n_items") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best, worst): the k rows not marked `few_items` with the best and the worst `column` (ties: larger
    `n_column` first)."""
    part = frame[~frame["few_items"]]
    best = part.sort_values([column, n_column], ascending=[lower_is_better, False]).head(k)
    worst = part.sort_values([column, n_column], ascending=[not lower_is_better, False]).head(k)
    return best.reset_index(drop=True), worst.reset_index(drop=True)


def sort_bands(df: pd.DataFrame, scheme: str, first: tuple[str, ...] = (), then: tuple[str, ...] = ()
               ) -> pd.DataFrame:
    """Sort by `first` columns, then band in scheme order (least to most disagreement), then `then`."""
    order = {b: i for i, b in enumerate(BAND_SCHEMES.get(scheme).bands)}
    df = df.assign(_band_order=df["band"].map(order))
    return df.sort_values([*first, "_band_order", *then]).drop(columns="_band_order").reset_index(drop=True)


def mark_small_n(df: pd.DataFrame) -> pd.DataFrame:
    df["small_n"] = df["n"] < SMALL_N
    return df
