"""Paired comparisons of aggregate metrics (var_corr, entropy_spearman, F1) on large slices.

Above large_n.LARGE_N_ROWS the exact path fetches every run x item row of both sides and
resamples items: tens of seconds and gigabytes at 10M rows. When each run pair's two runs
scored the same items of every task in the slice (the usual case: the same item set sent to
both models), the matched rows are all of each run's rows, so each side's value is exactly the
item-weighted mean of the stored unit values (unit_aggregates), weighted once per pair a run is
in, as the exact path weights its duplicated rows. Then the point values are exact; no interval
and no p are given (no approximation for a difference of item-weighted correlations or F1 was
validated here). If any pair's runs scored different items, the answer is None and the caller
keeps the exact path.
"""
from __future__ import annotations

import pandas as pd

from data_layer.queries import large_n
from data_layer.queries.aggregates import combine_units, unit_values
from data_layer.slice import Slice
from data_layer.store import Store

NO_INTERVAL = (f"aggregate metric on a slice over {large_n.LARGE_N_ROWS:,} run × item rows: exact values from "
               "the stored per run × task values, no interval or p")


def same_items(store: Store, sl: Slice, kind: str, keys: list[int], pairs: pd.DataFrame) -> bool:
    """Whether every pair's two runs have exactly the matched rows in the slice: the matched count
    can only be below a run's count in some task or band, so equal totals mean equal everywhere."""
    items, params = sl.where(scope="item", alias="x")
    matched = dict(store.rows(f"SELECT pair_key, count(*) FROM pair_diffs x WHERE x.kind = ? AND x.pair_key "
                              f"IN ({', '.join('?' * len(keys))}) AND {items} GROUP BY ALL", [kind, *keys, *params]))
    where, params = sl.where()
    rows = dict(store.rows(f"SELECT run_id, sum(n_rows) FROM score_sums WHERE {where} GROUP BY ALL", params))
    return all(matched.get(k, 0) == rows.get(left, 0) == rows.get(right, 0)
               for k, left, right in zip(keys, pairs["left_run"], pairs["right_run"], strict=True))


def _side(units: pd.DataFrame, pairs: pd.DataFrame, side: str, by: tuple[str, ...]) -> pd.DataFrame:
    """by, <side>: the n-weighted mean of the side's defined unit values, a run's units counted
    once per pair it is in (as the exact path's duplicated rows weigh them)."""
    rows = pairs[[f"{side}_run"]].merge(units, left_on=f"{side}_run", right_on="run_id").assign(all=0)
    frame, _ = combine_units(rows, list(by) or ["all"])
    return frame.rename(columns={"mean": side})[[*(by or ["all"]), side]]


def paired_aggregate(store: Store, sl: Slice, metric: str, pairs: pd.DataFrame, by: tuple[str, ...],
                     kind: str) -> pd.DataFrame | None:
    """Per group of `by` ((), ("band",) or ("task_id",)): left, right, diff, lo/hi/p None, n (items
    both sides scored), n_run_pairs; None when some pair's runs did not score the same items."""
    keys = large_n.pair_keys(store, kind, pairs)
    if not same_items(store, sl, kind, keys, pairs):
        return None
    units = unit_values(store, sl, metric, tuple(b for b in by if b != "task_id"))
    left, right = _side(units, pairs, "left", by), _side(units, pairs, "right", by)
    items, params = sl.where(scope="item", alias="x")
    group = {"band": f"x.{sl.band_column} AS band", "task_id": "x.task_id"}
    sel = "".join(f"{group[b]}, " for b in by)
    counts = store.df(f"SELECT {sel}count(DISTINCT x.item_key) AS n, count(DISTINCT x.pair_key) AS n_run_pairs "
                      f"FROM pair_diffs x WHERE x.kind = ? AND x.pair_key IN ({', '.join('?' * len(keys))}) "
                      f"AND {items} GROUP BY ALL", [kind, *keys, *params])
    on = list(by) or ["all"]
    out = counts.assign(all=0).merge(left, on=on, how="left").merge(right, on=on, how="left")
    out["diff"] = out["left"] - out["right"]
    out = out.astype({"left": object, "right": object, "diff": object})
    out = out.where(out.notna(), None)
    return out.assign(lo=None, hi=None, p=None).drop(columns="all")
