"""Statistics for large slices, computed without fetching run x item rows (in DuckDB, or in
numpy over one value per item for the ranks of paired comparisons).

Below LARGE_N_ROWS the statistics modules keep their exact path (rows fetched, Poisson
bootstrap over items, scipy's Wilcoxon). Above it, fetching and resampling every row costs
1-50 s and up to 10 GB at 10M rows (docs/performance.md), while the normal approximation
that the bootstrap converges to is accurate at that size:
- means per group: mean ± z·se with se the item-clustered standard error (the limit of the
  bootstrap over items; rows of one item in several runs are not independent, so the plain
  sd/√n from score_sums' sums of squares would be 0.6-2.8x off on the demo store when a group
  pools runs); its terms are read from the build-time cluster_sums and item_cover when the
  groups lie within model types (every page's grouping), else aggregated per item in SQL;
- paired differences: per item the mean difference over matched run pairs, read from the
  build-time pair_diffs (both runs' values pre-joined per item; data_layer.queries.paired_terms);
  diff ± z·sd/√n over items (items are independent, so this is exactly the limit of the
  bootstrap over items), and the Wilcoxon signed-rank p by its normal approximation with
  average ranks and the tie correction (scipy's method="approx", no continuity correction).
The threshold counts run x item rows of the slice (read from score_sums, one cheap query):
rows, not items, drive the fetch and the bootstrap's cost: one task of the 1M-row benchmark store
(50,000 rows) took 0.28-0.33 s on the exact path, over the 250 ms page target, so the threshold
is 30,000 (exact answers stay under ~0.2 s). It keeps the demo store (25,600 rows) and studies
of that size on the exact bootstrap, where small groups (a band of 180 items) are where the
approximation is least accurate (up to 25% of the width for the 0/1 majority_match there).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.stats import norm

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS
from data_layer.queries import paired_terms
from data_layer.slice import Slice
from data_layer.stats import CONFIDENCE
from data_layer.store import Store

LARGE_N_ROWS = 30_000
Z = float(norm.ppf(0.5 + CONFIDENCE / 2))
METHOD_BOOTSTRAP = "percentile bootstrap over items"
SUM_KEYS = {"model_type": ("training", "reasoning"), "band": (), "task_id": ("task_id",),
            "run_id": ("run_id",), "model_id": ("model_id",), "method": ("method",),
            "steering": ("steering",), "reasoning": ("reasoning",), "training": ("training",),
            "pair_id": ("pair_id",)}


def method_note() -> str:
    return f"normal approximation (slice over {LARGE_N_ROWS:,} run × item rows)"


def count_column(metric: str) -> str:
    """The score_sums column counting a metric's scored rows: n_<metric> for a per-item metric,
    tvd's count (defined on every item) for an aggregate one."""
    return f"n_{metric if METRICS.get(metric).level == 'item' else 'tvd'}"


def slice_rows(store: Store, sl: Slice, metric: str) -> int:
    """Scored run x item rows of the slice (`count_column`)."""
    where, params = sl.where()
    return int(store.scalar(f"SELECT coalesce(sum({count_column(metric)}), 0) FROM score_sums WHERE {where}",
                            params) or 0)


def is_large(store: Store, sl: Slice, metric: str) -> bool:
    return slice_rows(store, sl, metric) > LARGE_N_ROWS


def _group_exprs(sl: Slice, by: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(select expressions, output names) of the group keys over item_scores columns."""
    exprs, names = [], []
    for b in by:
        if b == "band":
            exprs.append(f"{sl.band_column} AS band")
        elif b == "entropy_bin":  # stored per item: bins 0..ENTROPY_BINS-1
            exprs.append("entropy_bin::BIGINT AS entropy_bin")
        else:
            exprs += list(SUM_KEYS[b])
            continue
        names.append(b)
    cols = list(dict.fromkeys(c for b in by if b not in ("band", "entropy_bin") for c in SUM_KEYS[b]))
    return list(dict.fromkeys(exprs)), cols + names


CLUSTER_KEYS = {"model_type", "band", "task_id", "entropy_bin"}  # the group keys cluster_sums holds


def means_clustered(store: Store, sl: Slice, metric: str, by: tuple[str, ...]) -> pd.DataFrame:
    """by columns (training, reasoning for model_type; band; entropy_bin), mean, lo, hi, n,
    n_items, n_runs. The interval is the normal approximation of the bootstrap over items (a
    group's rows are clustered by item, as the bootstrap resamples them):
    se² = Σ_i (S_i − mean·C_i)² / (Σ_i C_i)² with S_i, C_i the item's metric sum and row count in
    the group. Groups within one model type read the terms from the pre-aggregated cluster_sums
    and item_cover (thousands of rows); other groupings aggregate item_scores per item."""
    if "model_type" in by and set(by) <= CLUSTER_KEYS:
        df = _terms_from_cluster_sums(store, sl, metric, by)
    else:
        df = _terms_from_rows(store, sl, metric, by)
    exprs, names = _group_exprs(sl, by)
    where, params = sl.where()
    sel = "".join(f"{k}, " for k in exprs)
    runs = store.df(f"SELECT {sel}count(DISTINCT run_id) AS n_runs FROM score_sums WHERE {where} "
                    f"GROUP BY ALL HAVING sum(n_{metric}) > 0", params)
    m = df["mean"]
    se = ((df["q"] - 2 * m * df["pc"] + m * m * df["r"]).clip(lower=0) ** 0.5) / df["n"]
    df["lo"], df["hi"] = m - Z * se, m + Z * se
    df = df.drop(columns=["q", "pc", "r"])
    return df.merge(runs, on=names, how="left") if names else df.assign(n_runs=int(runs["n_runs"].iloc[0]))


def _terms_from_rows(store: Store, sl: Slice, metric: str, by: tuple[str, ...]) -> pd.DataFrame:
    """by, n, n_items, mean and the se terms q = Σ S_i², pc = Σ S_i·C_i, r = Σ C_i², per item from item_scores."""
    exprs, names = _group_exprs(sl, by)
    where, params = sl.where()
    sel, grp = "".join(f"{k}, " for k in exprs), "".join(f"{k}, " for k in names)
    return store.df(f"""
    WITH i AS (SELECT {sel}item_key, sum({metric}) AS s, count({metric}) AS c
               FROM item_scores WHERE {where} GROUP BY ALL)
    SELECT {grp}sum(c)::BIGINT AS n, count(*) AS n_items, sum(s) / sum(c) AS mean,
           sum(s * s) AS q, sum(s * c) AS pc, sum(c * c) AS r
    FROM i GROUP BY ALL HAVING sum(c) > 0""", params)


def _terms_from_cluster_sums(store: Store, sl: Slice, metric: str, by: tuple[str, ...]) -> pd.DataFrame:
    """As _terms_from_rows for groups within one model type, from cluster_sums (the group's run
    pairs) and item_cover (n_items: items whose run bitstring meets the group's runs)."""
    exprs, names = _group_exprs(sl, by)
    item_exprs = [e for e in exprs if e not in ("training", "reasoning")]
    where, params = sl.where()
    items, item_params = sl.where(scope="item", alias="c")
    runs = f"SELECT DISTINCT run_id, training, reasoning FROM score_sums WHERE {where}"
    sel, grp = "".join(f"{k}, " for k in exprs), "".join(f"{k}, " for k in names)
    csel = "".join(f"c.{k}, " for k in item_exprs)
    last = int(store.scalar("SELECT count(*) FROM run_index")) - 1
    return store.df(f"""
    WITH f AS ({runs}),
    t AS (SELECT {sel}sum(xx_{metric}) AS q, sum(xc_{metric}) AS pc, sum(cc_{metric}) AS r,
                 sum(xc_{metric}) FILTER (WHERE run_id = run2_id) AS s,
                 sum(cc_{metric}) FILTER (WHERE run_id = run2_id)::BIGINT AS n
          FROM cluster_sums c WHERE {items} AND run_id IN (SELECT run_id FROM f)
               AND run2_id IN (SELECT run_id FROM f) GROUP BY ALL HAVING sum(cc_{metric}) FILTER (WHERE run_id = run2_id) > 0),
    g AS (SELECT training, reasoning, bitstring_agg(x.run_key, 0, {last}) AS mask
          FROM f JOIN run_index x USING (run_id) GROUP BY ALL),
    k AS (SELECT g.training, g.reasoning, {csel}count(*) AS n_items FROM item_cover c, g
          WHERE {items} AND bit_count(c.runs & g.mask) > 0 GROUP BY ALL)
    SELECT {grp}t.n, k.n_items, t.s / t.n AS mean, t.q, t.pc, t.r
    FROM t JOIN k USING ({", ".join(names)})""", [*params, *item_params, *item_params])


def paired_from_sql(store: Store, sl: Slice, metric: str, band_column: str, pairs: pd.DataFrame,
                    by: tuple[str, ...], kind: str) -> pd.DataFrame:
    """Per group of `by` (() , ("band",) or ("task_id",)): left, right (means over matched
    rows), diff, lo, hi, n (items both sides scored), n_run_pairs, p (Wilcoxon, normal
    approximation), from the pre-joined pair tables of the run pairs given (pairs of comparison
    `kind`; the slice's item filters apply to the items; data_layer.queries.paired_terms). When
    the pairs are a stored pair set (all of the kind's, or one method's) and the item filters
    pick whole groups, the terms computed at build time (pair_tests) are read instead."""
    keys = pair_keys(store, kind, pairs)
    pair_set = stored_pair_set(store, kind, keys)
    df = _stored_terms(store, sl, kind, pair_set, metric, by) if pair_set is not None else None
    if df is None:
        items, params = sl.where(scope="item", alias="x")
        df = paired_terms.terms(store.arrays, metric, band_column, by, kind, pair_set, keys, items, params,
                                _item_codes(store, by, band_column))
    se = (df["var"].astype(float).clip(lower=0) / df["nd"]) ** 0.5
    df["lo"], df["hi"] = df["diff"] - Z * se, df["diff"] + Z * se
    df["p"] = [wilcoxon_p(nw, rp, ties) for nw, rp, ties in zip(df["nw"], df["r_plus"], df["ties"], strict=True)]
    return df.drop(columns=["var", "nw", "r_plus", "ties", "nd"])


def _stored_terms(store: Store, sl: Slice, kind: str, pair_set: str, metric: str,
                  by: tuple[str, ...]) -> pd.DataFrame | None:
    """The build-time terms (pair_tests, all items, the pairs of a stored set) when the slice's
    item filters only pick whole groups: none at all, bands when grouping by band, tasks when
    grouping by task. None otherwise."""
    if sl.with_(tasks=(), bands=()).where(scope="item")[0] != "TRUE":
        return None
    bands = set(sl.bands) not in (set(), set(BAND_SCHEMES.get(sl.band_scheme).bands))
    if (bands and by != ("band",)) or (sl.tasks and by != ("task_id",)):
        return None
    grouping = {(): "", ("band",): sl.band_column, ("task_id",): "task_id"}[by]
    picked = {("band",): sl.bands if bands else (), ("task_id",): sl.tasks}.get(by, ())
    where = f" AND grp IN ({', '.join('?' * len(picked))})" if picked else ""
    cols = ", ".join(f'"{c}"' for c in paired_terms.COLUMNS)
    return store.df(f"SELECT {'grp AS ' + by[0] + ', ' if by else ''}{cols} FROM pair_tests WHERE kind = ? "
                    f"AND pair_set = ? AND metric = ? AND grouping = ?{where} ORDER BY grp",
                    [kind, pair_set, metric, grouping, *picked])


def stored_pair_set(store: Store, kind: str, keys: list[int]) -> str | None:
    """The name of the stored pair set (pair_sets: all of the kind's pairs, or one method's) made
    of exactly these pairs (the first by name when two sets hold the same pairs), or None (any
    other run filter: the request computes from pair_diffs)."""
    wanted = frozenset(keys)
    return next((name for name, members in _pair_tables(store, kind)[1] if members == wanted), None)


def pair_keys(store: Store, kind: str, pairs: pd.DataFrame) -> list[int]:
    """pair_runs' keys of the given run pairs; every pair the app can form is stored at build time
    (same matching over all runs), so a missing one means a store from different code."""
    stored = _pair_tables(store, kind)[0]
    wanted = list(zip(pairs["left_run"], pairs["right_run"], strict=True))
    missing = [p for p in wanted if p not in stored]
    if missing:
        raise RuntimeError(f"run pairs {missing[:3]} of {kind} are not in the store's pair_runs; "
                           "rebuild the store with this version of the pipeline.")
    return [int(stored[p]) for p in wanted]


@lru_cache(maxsize=16)
def _item_codes(store: Store, by: tuple[str, ...], band_column: str) -> np.ndarray | None:
    """paired_terms.item_codes, kept per store (fixed for a read-only store; 2 MB at 232k items)."""
    return paired_terms.item_codes(store.arrays, by, band_column)


@lru_cache(maxsize=64)
def _pair_tables(store: Store, kind: str) -> tuple[dict, tuple]:
    """The kind's stored run pairs ((left, right) -> key) and pair sets ((name, keys) by name):
    small, and fixed for a read-only store, so read once."""
    keys = {(lr[0], lr[1]): lr[2] for lr in store.rows(
        "SELECT left_run, right_run, pair_key FROM pair_runs WHERE kind = ?", [kind])}
    sets: dict[str, set[int]] = {}
    for name, key in store.rows("SELECT pair_set, pair_key FROM pair_sets WHERE kind = ? ORDER BY ALL", [kind]):
        sets.setdefault(name, set()).add(key)
    return keys, tuple((name, frozenset(members)) for name, members in sets.items())


def wilcoxon_p(n, r_plus, ties) -> float | None:
    """Two-sided p of the signed-rank statistic by its normal approximation (no continuity
    correction; variance reduced by `ties`/48, ties = Σ(t³ − t) over groups of t equal |d|)."""
    if n is None or n != n or n == 0:
        return None
    n, r_plus, ties = float(n), float(r_plus), float(ties)
    var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
    if var <= 0:
        return None
    z = (r_plus - n * (n + 1) / 4) / var ** 0.5
    return float(2 * norm.sf(abs(z)))
