"""Statistics for large slices, computed inside DuckDB without fetching run x item rows.

Below LARGE_N_ROWS the statistics modules keep their exact path (rows fetched, Poisson
bootstrap over items, scipy's Wilcoxon). Above it, fetching and resampling every row costs
1-50 s and up to 10 GB at 10M rows (docs/performance.md), while the normal approximation
that the bootstrap converges to is accurate at that size:
- means per group: mean ± z·se with se the item-clustered standard error (the limit of the
  bootstrap over items; rows of one item in several runs are not independent, so the plain
  sd/√n from score_sums' sums of squares would be 0.6-2.8x off on the demo store when a group
  pools runs), from one SQL aggregate per item;
- paired differences: per item the mean difference over matched run pairs, joined in SQL;
  diff ± z·sd/√n over items (items are independent, so this is exactly the limit of the
  bootstrap over items), and the Wilcoxon signed-rank p by its normal approximation with
  average ranks and the tie correction (scipy's method="approx", no continuity correction).
The threshold counts run x item rows of the slice (read from score_sums, one cheap query):
rows, not items, drive the fetch and the bootstrap's cost (about 4 s per million rows at 1M,
docs/performance.md, so roughly 0.4 s at 100,000). 100,000 keeps the demo store (25,600 rows) and
studies of that size on the exact bootstrap, where small groups (a band of 180 items) are
where the approximation is least accurate (up to 25% of the width for the 0/1 majority_match
on the demo store), at the price of exact-path answers of 0.25-0.4 s just below it.
"""
from __future__ import annotations

import pandas as pd
from scipy.stats import norm

from data_layer.slice import Slice
from data_layer.stats import CONFIDENCE
from data_layer.store import Store

LARGE_N_ROWS = 100_000
Z = float(norm.ppf(0.5 + CONFIDENCE / 2))
METHOD_BOOTSTRAP = "percentile bootstrap over items"
SUM_KEYS = {"model_type": ("training", "reasoning"), "band": (), "task_id": ("task_id",),
            "run_id": ("run_id",), "model_id": ("model_id",), "method": ("method",),
            "steering": ("steering",), "reasoning": ("reasoning",), "training": ("training",),
            "pair_id": ("pair_id",)}


def method_note() -> str:
    return f"normal approximation (slice over {LARGE_N_ROWS:,} run × item rows)"


def slice_rows(store: Store, sl: Slice, metric: str) -> int:
    """Scored run x item rows of the slice for a per-item metric (tvd's count for aggregates)."""
    where, params = sl.where()
    col = metric if f"n_{metric}" in _sum_columns(store) else "tvd"
    return int(store.scalar(f"SELECT coalesce(sum(n_{col}), 0) FROM score_sums WHERE {where}", params) or 0)


def is_large(store: Store, sl: Slice, metric: str) -> bool:
    return slice_rows(store, sl, metric) > LARGE_N_ROWS


def _sum_columns(store: Store) -> set[str]:
    return {r[0] for r in store.rows("SELECT column_name FROM information_schema.columns "
                                     "WHERE table_name = 'score_sums'")}


def _group_exprs(sl: Slice, by: tuple[str, ...], n_bins: int) -> tuple[list[str], list[str]]:
    """(select expressions, output names) of the group keys over item_scores columns."""
    exprs, names = [], []
    for b in by:
        if b == "band":
            exprs.append(f"{sl.band_column} AS band")
        elif b == "entropy_bin":  # as intervals.means_with_intervals: bins 0..n_bins-1
            exprs.append(f"least(floor(entropy_norm * {int(n_bins)}), {int(n_bins) - 1})::BIGINT AS entropy_bin")
        else:
            exprs += list(SUM_KEYS[b])
            continue
        names.append(b)
    cols = list(dict.fromkeys(c for b in by if b not in ("band", "entropy_bin") for c in SUM_KEYS[b]))
    return list(dict.fromkeys(exprs)), cols + names


def means_clustered(store: Store, sl: Slice, metric: str, by: tuple[str, ...], n_bins: int = 10) -> pd.DataFrame:
    """by columns (training, reasoning for model_type; band; entropy_bin), mean, lo, hi, n,
    n_items, n_runs. The interval is the normal approximation of the bootstrap over items (a
    group's rows are clustered by item, as the bootstrap resamples them):
    se² = Σ_i (S_i − mean·C_i)² / (Σ_i C_i)² with S_i, C_i the item's metric sum and row count in
    the group, from one SQL aggregate (no rows leave DuckDB). n_runs comes from score_sums
    (from item_scores when grouping by entropy bin, which score_sums does not hold)."""
    exprs, names = _group_exprs(sl, by, n_bins)
    where, params = sl.where()
    sel, grp = "".join(f"{k}, " for k in exprs), "".join(f"{k}, " for k in names)
    df = store.df(f"""
    WITH i AS (SELECT {sel}task_id, item_id, sum({metric}) AS s, count({metric}) AS c
               FROM item_scores WHERE {where} GROUP BY ALL)
    SELECT {grp}sum(c)::BIGINT AS n, count(*) AS n_items, sum(s) / sum(c) AS mean,
           sum(s * s) AS q, sum(s * c) AS pc, sum(c * c) AS r
    FROM i GROUP BY ALL HAVING sum(c) > 0""", params)
    source, count = ("item_scores", f"count({metric})") if "entropy_bin" in by else ("score_sums", f"sum(n_{metric})")
    runs = store.df(f"SELECT {sel}count(DISTINCT run_id) AS n_runs FROM {source} WHERE {where} "
                    f"GROUP BY ALL HAVING {count} > 0", params)
    m = df["mean"]
    se = ((df["q"] - 2 * m * df["pc"] + m * m * df["r"]).clip(lower=0) ** 0.5) / df["n"]
    df["lo"], df["hi"] = m - Z * se, m + Z * se
    df = df.drop(columns=["q", "pc", "r"])
    return df.merge(runs, on=names, how="left") if names else df.assign(n_runs=int(runs["n_runs"].iloc[0]))


def paired_from_sql(store: Store, sl: Slice, metric: str, band_column: str, pairs: pd.DataFrame,
                    by: tuple[str, ...]) -> pd.DataFrame:
    """Per group of `by` (() , ("band",) or ("task_id",)): left, right (means over matched
    rows), diff, lo, hi, n (items both sides scored), n_run_pairs, p (Wilcoxon, normal
    approximation), all computed in DuckDB from item_scores and the run pairs given."""
    where, params = sl.where(alias="x")
    values = ", ".join("(?, ?, ?)" for _ in range(len(pairs)))
    pair_params = [v for i, lr in enumerate(zip(pairs["left_run"], pairs["right_run"], strict=True))
                   for v in (i, *lr)]
    grp = {"band": "band", "task_id": "task_id"}
    g = ", ".join(grp[b] for b in by)
    gsel, gpart = (g + ", ") if g else "", f"PARTITION BY {g}" if g else ""
    sql = f"""
    WITH p(k, left_run, right_run) AS (VALUES {values}),
    x AS (SELECT run_id, task_id, item_id, {band_column} AS band, {metric} AS v FROM item_scores x
          WHERE run_id IN (SELECT left_run FROM p UNION SELECT right_run FROM p) AND {where}),
    j AS (SELECT l.task_id, l.item_id, l.band, p.k, l.v AS lv, r.v AS rv
          FROM p JOIN x l ON l.run_id = p.left_run
          JOIN x r ON r.run_id = p.right_run AND r.task_id = l.task_id AND r.item_id = l.item_id),
    d AS (SELECT {gsel}task_id, item_id, avg(lv - rv) AS d, sum(lv) AS ls, count(lv) AS lc,
                 sum(rv) AS rs, count(rv) AS rc FROM j GROUP BY ALL),
    w AS (SELECT {gsel}d, rank() OVER ({gpart} ORDER BY abs(d)) AS rk,
                 count(*) OVER (PARTITION BY {gsel}abs(d)) AS t
          FROM d WHERE d IS NOT NULL AND d <> 0),
    ws AS (SELECT {gsel}count(*) AS nw, sum(CASE WHEN d > 0 THEN rk + (t - 1) / 2.0 ELSE 0 END) AS r_plus,
                  sum(t * t - 1.0) AS ties FROM w GROUP BY ALL),
    ds AS (SELECT {gsel}count(*) AS n, count(d) AS nd, avg(d) AS diff, var_samp(d) AS var,
                  sum(ls) / nullif(sum(lc), 0) AS "left", sum(rs) / nullif(sum(rc), 0) AS "right"
           FROM d GROUP BY ALL),
    js AS (SELECT {gsel}count(DISTINCT k) AS n_run_pairs FROM j GROUP BY ALL)
    SELECT {gsel}ds.n, ds.nd, ds.diff, ds.var, ds."left", ds."right", js.n_run_pairs, ws.nw, ws.r_plus, ws.ties
    FROM ds JOIN js USING ({g or 'n'}) LEFT JOIN ws USING ({g or 'n'})"""
    if not g:  # one group: join on a constant instead
        sql = sql.replace("USING (n)", "ON TRUE")
    df = store.df(sql, [*pair_params, *params])
    se = (df["var"].astype(float).clip(lower=0) / df["nd"]) ** 0.5
    df["lo"], df["hi"] = df["diff"] - Z * se, df["diff"] + Z * se
    df["p"] = [wilcoxon_p(nw, rp, ties) for nw, rp, ties in zip(df["nw"], df["r_plus"], df["ties"], strict=True)]
    return df.drop(columns=["var", "nw", "r_plus", "ties", "nd"])


def wilcoxon_p(n, r_plus, ties) -> float | None:
    """Two-sided p of the signed-rank statistic by its normal approximation (no continuity
    correction; variance reduced by Σ(t³ − t)/48 over tie groups, given as Σ over rows of t² − 1)."""
    if n is None or n != n or n == 0:
        return None
    n, r_plus, ties = float(n), float(r_plus), float(ties)
    var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
    if var <= 0:
        return None
    z = (r_plus - n * (n + 1) / 4) / var ** 0.5
    return float(2 * norm.sf(abs(z)))
