"""Paired comparisons on the items both runs scored: mean difference (left - right) with a
95% bootstrap interval over items and a Wilcoxon signed-rank p, overall, per band or per task.

Kinds (`KINDS`): which runs are paired and which slice filters are relaxed so both sides
survive them (e.g. RLVR vs RLHF ignores the slice's training and reasoning filters).
When a side has several matching runs (e.g. an RLVR run matched with its RLHF sibling's
no-CoT and CoT runs), each item's difference is the mean over its matched run pairs, so
every item counts once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from data_layer import aggregates
from data_layer.metrics import METRICS
from data_layer.queries import large_n
from data_layer.queries.common import run_concurrently
from data_layer.queries.intervals import fetch_rows, item_index, ordered
from data_layer.queries.large_aggregate_pairs import NO_INTERVAL, paired_aggregate
from data_layer.slice import Slice
from data_layer.stats import N_RESAMPLES, SEED, Difference, Interval, Mean, bootstrap
from data_layer.store import Result, Store

NO_INTERVAL_VERDICT = "no interval"  # an aggregate metric on a large slice: value, no interval
RUN_COLS = ("model_id", "pair_id", "training", "reasoning", "method", "steering")


@dataclass(frozen=True)
class PairKind:
    name: str
    left_label: str
    right_label: str
    match: tuple[str, ...]  # run columns both sides share
    left: dict  # column -> allowed values
    right: dict
    relax: tuple[str, ...]  # Slice fields cleared before fetching


KINDS = {k.name: k for k in [
    PairKind("rlvr_vs_rlhf", "RLVR", "RLHF sibling", ("pair_id", "method", "steering"),
             {"training": ("rlvr",)}, {"training": ("rlhf",)}, ("training", "reasoning", "models")),
    PairKind("thinking_vs_none", "thinking on", "thinking off", ("model_id", "method", "steering"),
             {"reasoning": ("native",)}, {"reasoning": ("none",)}, ("reasoning",)),
    PairKind("cot_vs_none", "CoT", "no CoT", ("model_id", "method", "steering"),
             {"reasoning": ("cot",)}, {"reasoning": ("none",)}, ("reasoning",)),
    PairKind("verbalized_vs_sampling", "verbalized", "sampling", ("model_id", "reasoning", "steering"),
             {"method": ("verbalized",)}, {"method": ("sampling",)}, ("methods",)),
]}


def _side(runs: list[dict], spec: dict) -> list[dict]:
    return [r for r in runs if all(r[col] in allowed for col, allowed in spec.items())]


def run_pairs(store: Store, sl: Slice, kind: str) -> pd.DataFrame:
    """The matched runs: left_run, right_run and the shared match columns. The runs come from
    score_sums (a few thousand rows carrying every facet and item filter), not from the scored
    rows: fetching those to find a few dozen runs took 5.3 s and 3.4 GB at 10M rows."""
    k = KINDS[kind]
    runs, params = _relaxed(sl, k).where()
    rows = store.df(f"SELECT DISTINCT run_id, {', '.join(RUN_COLS)} FROM score_sums WHERE {runs} "
                    "ORDER BY run_id", params)
    return pairs_from_runs(rows, k)


def pairs_from_runs(rows: pd.DataFrame, k: PairKind) -> pd.DataFrame:
    """Every (left, right) run pair of kind `k` among the runs of `rows`: sides by the kind's
    facet values, matched on its match columns (missing values match nothing), in the left
    runs' order. Plain Python: a few dozen runs, where pandas merges cost ~10 ms per call."""
    runs = rows.drop_duplicates("run_id")[["run_id", *RUN_COLS]].to_dict("records")
    right: dict[tuple, list[str]] = {}
    for r in _side(runs, k.right):
        right.setdefault(tuple(r[c] for c in k.match), []).append(r["run_id"])
    out = []
    for r in _side(runs, k.left):
        key = tuple(r[c] for c in k.match)
        if not any(v is None or v != v for v in key):  # None / NaN: no match
            out += [(r["run_id"], other, *key) for other in right.get(key, []) if other != r["run_id"]]
    return pd.DataFrame(out, columns=["left_run", "right_run", *k.match])


def _relaxed(sl: Slice, k: PairKind) -> Slice:
    return sl.with_(**{f: () for f in k.relax})


def _rows(store: Store, sl: Slice, k: PairKind) -> pd.DataFrame:
    return fetch_rows(store, _relaxed(sl, k), RUN_COLS)


def paired_rows(store: Store, sl: Slice, kind: str) -> pd.DataFrame:
    """One row per matched run pair x item both runs scored, with left_/right_ metric columns,
    band, task_id and item_id."""
    return _paired_from(_rows(store, sl, KINDS[kind]), KINDS[kind], sl.metric)


def _paired_from(rows: pd.DataFrame, k: PairKind, metric: str) -> pd.DataFrame:
    pairs = pairs_from_runs(rows, k)
    cols = list(aggregates.columns_for(metric))
    value_cols = [c for c in cols if c not in ("run_id", "task_id")]
    base = rows[["run_id", "task_id", "item_id", "band", *value_cols]]
    out = pairs.merge(base.rename(columns={"run_id": "left_run", **{c: f"left_{c}" for c in value_cols}}),
                      on="left_run")
    right = base.drop(columns="band").rename(columns={"run_id": "right_run",
                                                      **{c: f"right_{c}" for c in value_cols}})
    return out.merge(right, on=["right_run", "task_id", "item_id"])


def _side_frame(df: pd.DataFrame, side: str, metric: str) -> pd.DataFrame:
    cols = [c for c in aggregates.columns_for(metric) if c not in ("run_id", "task_id")]
    return df[[f"{side}_run", "task_id", *[f"{side}_{c}" for c in cols]]].rename(
        columns={f"{side}_run": "run_id", **{f"{side}_{c}": c for c in cols}})


def _group_stats(part: pd.DataFrame, items: np.ndarray, metric: str):
    """(statistic, row items) of left - right for one group; item metrics: per-item mean
    difference over run pairs; aggregate metrics: difference of the two aggregates."""
    if METRICS.get(metric).level == "item":
        d = (part[f"left_{metric}"] - part[f"right_{metric}"]).to_numpy(dtype=float)
        codes, uniq = pd.factorize(items)
        per_item = pd.Series(d).groupby(codes).mean().to_numpy()
        return Mean(per_item), uniq, per_item
    left = aggregates.statistic(metric, _side_frame(part, "left", metric))
    right = aggregates.statistic(metric, _side_frame(part, "right", metric))
    return Difference(left, right), np.r_[items, items], None


def paired_comparison(store: Store, sl: Slice, kind: str, by: tuple[str, ...] = (),
                      n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Result:
    """One row per group (`by` = (), ("band",) or ("task_id",)): left_label, right_label,
    left/right (the two sides' means or aggregates), diff, lo, hi (95% bootstrap interval of
    diff over items), n (items both sides scored), n_run_pairs, p (Wilcoxon signed-rank over the
    per-item differences; None for aggregate metrics) and verdict ('left better', 'right
    better' or 'no clear difference', by the metric's direction and the interval)."""
    k = KINDS[kind]
    if _use_large(store, sl, k, by) and (out := _large(store, sl, k, by)) is not None:
        return Result(ordered(out, by, sl)) if len(out) else Result(None, _no_pairs(k, sl))
    df = paired_rows(store, sl, kind)
    if not len(df):
        return Result(None, _no_pairs(k, sl))
    return Result(ordered(compare_rows(df, sl.metric, k, by, n_resamples, seed), by, sl))


def _no_pairs(k: PairKind, sl: Slice) -> str:
    return (f"No {k.left_label} vs {k.right_label} run pairs scored the same items in this slice "
            f"({sl.sentence()}).")


def paired_comparisons(store: Store, sl: Slice, by: tuple[str, ...] = (), kinds: tuple[str, ...] = tuple(KINDS),
                       n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Result:
    """`paired_comparison` for several kinds at once: the same rows (and numbers) with a `kind`
    column, kinds in the order given; the rows are fetched once per distinct relaxed slice.
    The answer's message names the kinds that have no run pairs in the slice."""
    fetched: dict[Slice, pd.DataFrame] = {}
    frames, missing = [], []
    large = run_concurrently({name: (_large, store, sl, KINDS[name], by) for name in kinds
                              if _use_large(store, sl, KINDS[name], by)})  # the kinds are independent
    for name in kinds:
        k = KINDS[name]
        relaxed = _relaxed(sl, k)
        if (out := large.get(name)) is not None:
            if len(out):
                frames.append(ordered(out, by, sl).assign(kind=name))
            else:
                missing.append(_no_pairs(k, sl))
            continue
        if relaxed not in fetched:
            fetched[relaxed] = fetch_rows(store, relaxed, RUN_COLS)
        df = _paired_from(fetched[relaxed], k, sl.metric)
        if not len(df):
            missing.append(_no_pairs(k, sl))
            continue
        frames.append(ordered(compare_rows(df, sl.metric, k, by, n_resamples, seed), by, sl).assign(kind=name))
    if not frames:
        return Result(None, " ".join(missing))
    return Result(pd.concat(frames, ignore_index=True), " ".join(missing))


def compare_rows(df: pd.DataFrame, metric: str, k: PairKind, by: tuple[str, ...] = (),
                 n_resamples: int = N_RESAMPLES, seed: int = SEED) -> pd.DataFrame:
    """The store-free part of `paired_comparison`, on `paired_rows` output."""
    items, n_items = item_index(df)
    groups = df.groupby(list(by), sort=True).indices if by else {"all": np.arange(len(df))}
    stats, diffs = {}, {}
    for key, idx in groups.items():
        stat, rows, per_item = _group_stats(df.iloc[idx], items[idx], metric)
        stats[key], diffs[key] = (stat, rows), per_item
    intervals = bootstrap(stats, n_items, n_resamples, seed)
    return pd.DataFrame([_row(key, by, df.iloc[idx], intervals[key], diffs[key], metric, k)
                         for key, idx in groups.items()])


def _row(key, by, part: pd.DataFrame, iv, per_item, metric: str, k: PairKind) -> dict:
    left, _ = aggregates.value(metric, _side_frame(part, "left", metric))
    right, _ = aggregates.value(metric, _side_frame(part, "right", metric))
    p = None
    if per_item is not None and np.any(per_item != 0):
        p = float(wilcoxon(per_item, zero_method="wilcox").pvalue)
    n = int(part[["task_id", "item_id"]].drop_duplicates().shape[0])
    keys = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)) if by else {}
    return {**keys, "left_label": k.left_label, "right_label": k.right_label, "left": left,
            "right": right, "diff": iv.estimate, "lo": iv.lo, "hi": iv.hi, "n": n,
            "n_run_pairs": int(part[["left_run", "right_run"]].drop_duplicates().shape[0]),
            "p": p, "verdict": side_verdict(iv, METRICS.get(metric).direction),
            "method": large_n.METHOD_BOOTSTRAP}


@lru_cache(maxsize=64)
def _scored_runs(store: Store, relaxed: Slice, metric: str) -> tuple[int, pd.DataFrame]:
    """The relaxed slice's scored run x item rows (as large_n.slice_rows counts them) and its runs
    (RUN_COLS) with a row for the metric, or any row for an aggregate metric: one read of
    score_sums, shared by the large-path decision, the pairing and the kinds relaxing the same
    filters (the store is read-only, so it is kept)."""
    per_item = METRICS.get(metric).level == "item"
    where, params = relaxed.where()
    df = store.df(f"SELECT run_id, {', '.join(RUN_COLS)}, sum({large_n.count_column(metric)}) AS n, "
                  f"sum(n_rows) AS n_rows FROM score_sums WHERE {where} GROUP BY ALL", params)
    runs = df[df["n" if per_item else "n_rows"] > 0].drop(columns=["n", "n_rows"]).reset_index(drop=True)
    return int(df["n"].sum()), runs


@lru_cache(maxsize=256)
def _scored_pairs(store: Store, relaxed: Slice, metric: str, kind: str) -> pd.DataFrame:
    """pairs_from_runs over _scored_runs, kept with it (read only by its callers): matching a few
    dozen runs costs ~5 ms per kind, a quarter of a stored comparison's answer."""
    return pairs_from_runs(_scored_runs(store, relaxed, metric)[1], KINDS[kind])


def _use_large(store: Store, sl: Slice, k: PairKind, by: tuple[str, ...]) -> bool:
    """Slices over large_n.LARGE_N_ROWS rows go through `_large`."""
    return set(by) <= {"band", "task_id"} and _scored_runs(store, _relaxed(sl, k), sl.metric)[0] > large_n.LARGE_N_ROWS


def _large(store: Store, sl: Slice, k: PairKind, by: tuple[str, ...]) -> pd.DataFrame | None:
    """compare_rows' columns without fetching run x item rows: per-item metrics in DuckDB
    (large_n.paired_from_sql: normal-approximation interval over items, Wilcoxon p by its normal
    approximation); aggregate metrics from the stored unit values without interval or p
    (large_aggregate_pairs), or None when their runs scored different items (exact path then)."""
    relaxed = _relaxed(sl, k)
    per_item = METRICS.get(sl.metric).level == "item"
    pairs = _scored_pairs(store, relaxed, sl.metric, k.name)
    if not len(pairs):
        return pd.DataFrame()
    if per_item:
        df, method = large_n.paired_from_sql(store, relaxed, sl.metric, sl.band_column, pairs, by, k.name), \
            large_n.method_note()
    else:
        df, method = paired_aggregate(store, relaxed, sl.metric, pairs, by, k.name), NO_INTERVAL
        if df is None:
            return None
    direction = METRICS.get(sl.metric).direction
    rows = []
    for r in df.to_dict("records"):
        ok = r["diff"] is not None and r["diff"] == r["diff"]
        iv = Interval(r["diff"] if ok else None, r["lo"] if ok else None, r["hi"] if ok else None, int(r["n"]))
        word = side_verdict(iv, direction) if per_item or not ok else NO_INTERVAL_VERDICT
        rows.append({**{b: r[b] for b in by}, "left_label": k.left_label, "right_label": k.right_label,
                     "left": r["left"], "right": r["right"], "diff": iv.estimate, "lo": iv.lo, "hi": iv.hi,
                     "n": int(r["n"]), "n_run_pairs": int(r["n_run_pairs"]), "p": r["p"],
                     "verdict": word, "method": method})
    return pd.DataFrame(rows)


def side_verdict(iv, direction: str) -> str:
    """'left better' / 'right better' when the interval of left - right excludes 0."""
    if not iv.excludes_zero:
        return "no clear difference"
    left_higher = iv.lo > 0
    if direction == "zero":
        return "no clear difference"
    return "left better" if left_higher == (direction == "higher") else "right better"

