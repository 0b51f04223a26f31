"""Win rates over matched settings of the user's store, in the style of Ni et al.'s Table 1.

A setting is task x model pair x method x steering. In each setting every run gets one value
per table column (a per-item metric's mean, or an aggregate metric, over the slice's items,
or over its high-disagreement band). Comparisons: "RLVR > RLHF" (the RLVR run against the
better of its RLHF sibling's no-CoT and CoT runs) and "RLHF+CoT > RLHF no-CoT". The rules
are `data_layer.winrate.RULES` (ties count as wins for the left side).
"""
from __future__ import annotations

import pandas as pd

from data_layer import aggregates
from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries import large_n
from data_layer.queries.aggregates import unit_values
from data_layer.slice import Slice
from data_layer.store import Result, Store
from data_layer.winrate import Comparison, win_rate_table

SETTING = ("task_id", "pair_id", "method", "steering")
COMPARISONS = (Comparison("RLVR > RLHF", "RLVR", ("RLHF · no CoT", "RLHF · CoT")),
               Comparison("RLHF+CoT > RLHF no-CoT", "RLHF · CoT", ("RLHF · no CoT",)))
DEFAULT_COLUMNS = (("all", "tvd"), ("all", "var_corr"), ("all", "f1"), ("high", "tvd"))


def _side(training: str, reasoning: str) -> str | None:
    if training == "rlvr":
        return "RLVR"
    if training == "rlhf" and reasoning in ("none", "cot"):
        return "RLHF · no CoT" if reasoning == "none" else "RLHF · CoT"
    return None


def setting_values(store: Store, sl: Slice, columns=DEFAULT_COLUMNS) -> pd.DataFrame:
    """One row per setting x side x column: task_id, pair_id, method, steering, side, run_id,
    subset, metric, value, n. Runs without a pair id or outside RLVR/RLHF are left out; of
    several RLVR runs in one setting the one with native thinking is kept."""
    needed = dict.fromkeys(c for _, m in columns for c in aggregates.columns_for(m) if c != "run_id")
    where, params = sl.with_(training=(), reasoning=()).where()
    df = store.df(f"SELECT run_id, pair_id, training, reasoning, method, steering, "
                  f"{sl.band_column} AS band, {', '.join(dict.fromkeys(['task_id', *needed]))} "
                  f"FROM item_scores WHERE pair_id IS NOT NULL AND {where}", params)
    df["side"] = [_side(t, r) for t, r in zip(df["training"], df["reasoning"], strict=True)]
    df = df[df["side"].notna()]
    df = df.sort_values("reasoning", key=lambda s: s.ne("native"), kind="stable")
    keys = [*SETTING, "side"]
    first = df.groupby(keys, sort=True)["run_id"].first()  # one run per side and setting
    df = df[df["run_id"].to_numpy() == first.reindex(pd.MultiIndex.from_frame(df[keys])).to_numpy()]
    high = BAND_SCHEMES.get(sl.band_scheme).high_band
    out = []
    for subset, metric in columns:
        name = high if subset == "high" else subset
        rows_ = df if subset == "all" else df[df["band"] == name]
        vals = _values(rows_, metric, keys).reindex(first.index)
        out.append(pd.DataFrame({"run_id": first.to_numpy(), "subset": name, "metric": metric,
                                 "value": vals["value"].to_numpy(dtype=object),
                                 "n": vals["n"].fillna(0).astype(int).to_numpy()}, index=first.index))
    if not out or not len(first):
        return pd.DataFrame(columns=[*keys, "run_id", "subset", "metric", "value", "n"])
    res = pd.concat(out).reset_index()
    res["value"] = [None if v is None or v != v else float(v) for v in res["value"]]
    return res


def _values(rows: pd.DataFrame, metric: str, keys: list[str]) -> pd.DataFrame:
    """value and n per group of `keys`: a per-item metric's mean (vectorised) or an aggregate."""
    if METRICS.get(metric).level == "item":
        g = pd.to_numeric(rows[metric], errors="coerce").groupby([rows[k] for k in keys], sort=True)
        return pd.DataFrame({"value": g.mean(), "n": g.count()})
    got = {key: aggregates.value(metric, part) for key, part in rows.groupby(keys, sort=True)}
    index = pd.MultiIndex.from_tuples(list(got), names=keys) if got else None
    return pd.DataFrame({"value": [v for v, _ in got.values()], "n": [n for _, n in got.values()]},
                        index=index)


def win_rates(store: Store, sl: Slice, columns=DEFAULT_COLUMNS) -> Result:
    """comparison, subset, metric, direction, win_rate (%), n (settings), wins, ties, p, mean_diff."""
    large = large_n.is_large(store, sl.with_(training=(), reasoning=()), "tvd")
    values = (setting_values_from_sums if large else setting_values)(store, sl, columns)
    if not len(values):
        return Result(None, "No RLVR/RLHF model pairs with matched settings in this slice, so there is "
                            "no win-rate table.")
    values = values.dropna(subset=["value"])
    table = win_rate_table(values, SETTING, "side", "value", ("subset", "metric"), COMPARISONS,
                           lambda key: METRICS.get(key[1]).direction)
    if large and table is not None and len(table):
        table = table.assign(method=f"setting values read from score_sums and unit_aggregates (slice over "
                                    f"{large_n.LARGE_N_ROWS:,} run × item rows; same numbers as from the rows)")
    return Result.of(table, "No setting has both sides of a comparison in this slice.")


def _first_runs(store: Store, sl: Slice) -> pd.Series:
    """run_id per setting x side, chosen as `setting_values` does (native thinking first, then
    the first run id), from score_sums instead of the rows."""
    where, params = sl.with_(training=(), reasoning=()).where()
    runs = store.df(f"SELECT DISTINCT {', '.join(SETTING)}, run_id, training, reasoning FROM score_sums "
                    f"WHERE pair_id IS NOT NULL AND {where}", params)
    runs["side"] = [_side(t, r) for t, r in zip(runs["training"], runs["reasoning"], strict=True)]
    runs = runs[runs["side"].notna()].assign(_o=lambda d: d["reasoning"].ne("native"))
    runs = runs.sort_values(["_o", "run_id"], kind="stable")
    return runs.groupby([*SETTING, "side"], sort=True)["run_id"].first()


def _unit_values(store: Store, sl: Slice, metric: str) -> pd.DataFrame:
    """run_id, task_id, value, n of one column: a per-item metric's mean from score_sums, an
    aggregate metric from unit_aggregates (both a few thousand rows at any scale)."""
    if METRICS.get(metric).level == "aggregate":
        return unit_values(store, sl, metric, ("run_id", "task_id"))
    where, params = sl.with_(training=(), reasoning=()).where()
    return store.df(f"SELECT run_id, task_id, sum(sum_{metric}) / nullif(sum(n_{metric}), 0) AS value, "
                    f"sum(n_{metric})::BIGINT AS n FROM score_sums WHERE {where} GROUP BY ALL", params)


def setting_values_from_sums(store: Store, sl: Slice, columns=DEFAULT_COLUMNS) -> pd.DataFrame:
    """`setting_values` for large slices: a setting is one run x task, so every value is a
    run x task unit read from the pre-aggregated tables; no run x item rows are fetched."""
    first = _first_runs(store, sl)
    keys = [*SETTING, "side"]
    if not len(first):
        return pd.DataFrame(columns=[*keys, "run_id", "subset", "metric", "value", "n"])
    high = BAND_SCHEMES.get(sl.band_scheme).high_band
    base = first.rename("run_id").reset_index()
    out = []
    for subset, metric in columns:
        name = high if subset == "high" else subset
        part = base.assign(subset=name, metric=metric)
        if subset == "high" and sl.bands and high not in sl.bands:
            out.append(part.assign(value=None, n=0))
            continue
        units = _unit_values(store, sl if subset == "all" else sl.with_(bands=(high,)), metric)
        part = part.merge(units[["run_id", "task_id", "value", "n"]], how="left", on=["run_id", "task_id"])
        out.append(part.assign(n=part["n"].fillna(0).astype(int)))
    res = pd.concat(out, ignore_index=True)[[*keys, "run_id", "subset", "metric", "value", "n"]]
    res["value"] = [None if v is None or v != v else float(v) for v in res["value"]]
    return res
