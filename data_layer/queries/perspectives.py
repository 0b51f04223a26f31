"""Which group does each model side with? Per run and annotator group: the distance between the
run's distribution and the group's own distribution on the same items (any item metric), with n
and a 95% bootstrap interval over items, beside the group's leave-group-out floor (how close the
group is to the other annotators of those items); the spread between each run's closest and
farthest group; and the same per model type (RLVR vs RLHF, reasoning on vs off) side by side.
Measures are declared in data_layer.groups.GROUP_MEASURES (glossary)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.facets import METHOD_LABELS
from data_layer.groups import GROUP_ATTRIBUTES, UNKNOWN
from data_layer.metrics import METRICS
from data_layer.queries import large_n
from data_layer.queries.common import add_model_type, slice_runs_sql
from data_layer.queries.group_views import few_annotator_groups
from data_layer.slice import Slice
from data_layer.stats import N_RESAMPLES, SEED, Mean, bootstrap
from data_layer.store import Result, Store

RUN_COLS = ("run_id", "model_id", "display_name", "training", "reasoning", "method", "steering", "pair_id")


def item_metric_or_message(sl: Slice) -> str:
    """'' when the slice metric is a per-item metric, else why the group views cannot use it."""
    m = METRICS.get(sl.metric)
    if m.level == "item":
        return ""
    return (f"{m.label} is an aggregate over items, not a per-item distance; group views compare "
            "per-item distributions. Pick a per-item metric (e.g. total variation distance) in the sidebar.")


def rows_sql(store: Store, sl: Slice, attribute: str, with_floor: bool = True) -> tuple[str, list]:
    """SQL of the rows of `group_rows` without run facets: run_id, task_id, item_key, group_name,
    value, floor, run_key, group_key. Runs are filtered by their keys, the ids read first from
    score_sums (a few thousand rows carrying every facet), items through human_dist only when the
    slice has item filters: no join with item_scores per row (at 1M rows that join took 20 s under
    load against 0.4 s for the aggregate without it). The few-annotator groups, whose thin items count, are named in the SQL
    too: a join of every row with group_summary was half the read at 10M rows."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    runs, params = slice_runs_sql(sl)
    run_ids = [r for (r,) in store.rows(f"{runs} ORDER BY 1", params)]
    items, item_params = sl.where(scope="item")
    item_filter = "TRUE" if items == "TRUE" else f"s.item_key IN (SELECT item_key FROM human_dist WHERE {items})"
    few = store.rows("SELECT task_id, group_name FROM group_summary WHERE attribute = ? AND few_annotators "
                     "ORDER BY ALL", [attribute])
    few_sql = " OR ".join("(s.task_id = ? AND s.group_name = ?)" for _ in few) or "FALSE"
    floor, join = (f", g.floor_{m} AS floor", "JOIN group_dist g ON g.item_key = s.item_key AND "
                   "g.attribute = s.attribute AND g.group_name = s.group_name") if with_floor else ("", "")
    # by run_key: zone maps on the integer skip other runs' row groups (a string keeps an 8-byte prefix)
    run_keys = [store.run_key(r) for r in run_ids]
    in_runs = ", ".join("?" * len(run_keys)) or "NULL"
    return (f"""SELECT s.run_id, s.task_id, s.item_key, s.group_name, s.{m} AS value{floor}, s.run_key, s.group_key
        FROM group_scores s {join}
        WHERE s.attribute = ? AND (NOT s.thin OR {few_sql}) AND {item_filter} AND s.run_key IN ({in_runs})""",
            [attribute, *(v for pair in few for v in pair), *item_params, *run_keys])


def runs_present_sql(sl: Slice, attribute: str) -> tuple[str, list]:
    """SQL of the distinct (run_id, group_name) with rows in `rows_sql`, from the build's
    group_score_sums (the same kept rows, keyed by every item filter) instead of the rows."""
    runs, params = slice_runs_sql(sl)
    items, item_params = sl.where(scope="item")
    return (f"SELECT DISTINCT run_id, group_name FROM group_score_sums WHERE attribute = ? AND {items} "
            f"AND run_id IN ({runs})", [attribute, *item_params, *params])


def run_facets(store: Store) -> pd.DataFrame:
    """RUN_COLS of every run (one small join of runs and models)."""
    return store.df("SELECT r.run_id, r.model_id, m.display_name, m.training, r.reasoning, r.method, r.steering, "
                    "m.pair_id FROM runs r JOIN models m USING (model_id)")


def group_rows(store: Store, sl: Slice, attribute: str) -> pd.DataFrame:
    """One row per run x item x group of `attribute` in the slice, leaving out items where the group
    gave fewer than MIN_GROUP_RATINGS ratings (thin) unless the group has fewer than
    MIN_GROUP_ANNOTATORS annotators in the task (then every item is thin: a one-person group such as
    ArMIS's is that person's labels, and is marked few_annotators wherever it is shown):
    RUN_COLS, task_id, item_key, group_name, value (metric(group, run)) and floor (metric(group, rest))."""
    sql, params = rows_sql(store, sl, attribute)
    return store.df(sql, params).merge(run_facets(store), on="run_id")


def group_alignment(store: Store, sl: Slice, attribute: str, n_resamples: int = N_RESAMPLES,
                    seed: int = SEED) -> Result:
    """One row per run x group: RUN_COLS, run (a label), model_type, group_name, mean, lo, hi (the
    run's distance to the group), n (items), floor, floor_lo, floor_hi (the group's distance to the
    rest of the crowd on the same items), beyond_floor (True when the run's interval lies entirely on
    the better side of the floor's: closer to the group than the group's own crowd is),
    few_annotators, unknown, interval_method. Runs and groups are resampled jointly over items; above
    large_n.LARGE_N_ROWS rows the interval is the normal approximation over items (`interval_method` says which)."""
    if why := item_metric_or_message(sl):
        return Result(None, why)
    out = _alignment_large(store, sl, attribute)  # cheap in DuckDB; small slices then get the bootstrap
    if out is not None and out["n"].sum() <= large_n.LARGE_N_ROWS:
        out = _alignment_exact(group_rows(store, sl, attribute), sl, n_resamples, seed)
    if out is None:
        return Result(None, "No run of this slice scored items that annotators of a "
                            f"{GROUP_ATTRIBUTES.get(attribute).label.lower()} group rated.")
    out = add_model_type(out)
    out["run"] = [f"{r.display_name} · {r.model_type} · {METHOD_LABELS.get(r.method, r.method)} · {r.steering}"
                  for r in out.itertuples()]
    return Result(with_group_flags(store, sl, attribute, out))


def _beyond(a_lo, a_hi, f_lo, f_hi, direction: str) -> bool | None:
    if a_hi is None or f_lo is None or direction == "zero" or a_hi != a_hi or f_lo != f_lo:
        return None
    return bool(a_hi < f_lo if direction == "lower" else a_lo > f_hi)


def _alignment_large(store: Store, sl: Slice, attribute: str) -> pd.DataFrame | None:
    """The normal approximation over items (each run x group has one row per item, so sd/√n is the
    item-level standard error the bootstrap converges to), from the build's group_score_sums (a few
    thousand rows; the same n, mean and sd as the aggregate of group_rows, tested). The floor is
    taken per group over the slice's items from group_dist alone (joining it to every run's rows
    cost 3x the whole answer at 1M rows); runs that scored every item have exactly those items."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    runs, params = slice_runs_sql(sl)
    items, item_params = sl.where(scope="item")
    n, total, squares = f"sum(n_{m})", f"sum(sum_{m})", f"sum(sumsq_{m})"
    df = store.df(f"""SELECT run_id, group_name, {n}::INTEGER AS n, {total} / nullif({n}, 0) AS mean,
                             sqrt(greatest({squares} - {total} ^ 2 / nullif({n}, 0), 0) / nullif({n} - 1, 0)) AS sd
                      FROM group_score_sums WHERE attribute = ? AND {items}
                        AND run_id IN ({runs})
                      GROUP BY run_id, group_name ORDER BY run_id, group_name""", [attribute, *item_params, *params])
    if not len(df):
        return None
    df = df.merge(_floors(store, sl, attribute), on="group_name", how="left")
    for col, mean, sd, n in (("", "mean", "sd", "n"), ("floor_", "floor", "floor_sd", "floor_n")):
        half = large_n.Z * df[sd] / np.sqrt(df[n].clip(lower=1))
        df[f"{col}lo"], df[f"{col}hi"] = df[mean] - half, df[mean] + half
    direction = METRICS.get(sl.metric).direction
    df["beyond_floor"] = [_beyond(*v, direction) for v in zip(df["lo"], df["hi"], df["floor_lo"], df["floor_hi"],
                                                              strict=True)]
    df["interval_method"] = large_n.method_note() + "; floor over the group's items of the slice"
    return df.drop(columns=["sd", "floor_sd", "floor_n"]).merge(run_facets(store), on="run_id")


def _floors(store: Store, sl: Slice, attribute: str) -> pd.DataFrame:
    """Per group: the leave-group-out floor's mean, sd and n over the slice's items (group_dist)."""
    m = METRICS.get(sl.metric).name
    items, params = sl.where(scope="item")
    item_filter = "TRUE" if items == "TRUE" else f"g.item_key IN (SELECT item_key FROM human_dist WHERE {items})"
    return store.df(f"""SELECT g.group_name, avg(g.floor_{m}) AS floor, stddev_samp(g.floor_{m}) AS floor_sd,
                               count(g.floor_{m}) AS floor_n
                        FROM group_dist g JOIN group_summary gs ON gs.task_id = g.task_id
                             AND gs.attribute = g.attribute AND gs.group_name = g.group_name
                        WHERE g.attribute = ? AND (NOT g.thin OR gs.few_annotators) AND {item_filter}
                        GROUP BY g.group_name""", [attribute, *params])


def _alignment_exact(df: pd.DataFrame, sl: Slice, n_resamples: int, seed: int) -> pd.DataFrame | None:
    if not len(df):
        return None
    items, n_items = pd.factorize(df["item_key"])[0], int(df["item_key"].nunique())
    groups = df.groupby(["run_id", "group_name"], sort=True).indices
    stats = {}
    for key, idx in groups.items():
        stats[(*key, "m")] = (Mean(df["value"].to_numpy()[idx]), items[idx])
        stats[(*key, "f")] = (Mean(df["floor"].to_numpy()[idx]), items[idx])
    iv = bootstrap(stats, n_items, n_resamples, seed)
    runs = df.drop_duplicates("run_id").set_index("run_id")
    direction = METRICS.get(sl.metric).direction
    rows = []
    for run_id, group in groups:
        a, f = iv[(run_id, group, "m")], iv[(run_id, group, "f")]
        rows.append({"run_id": run_id, **{c: runs.at[run_id, c] for c in RUN_COLS[1:]}, "group_name": group,
                     "mean": a.estimate, "lo": a.lo, "hi": a.hi, "n": a.n, "floor": f.estimate,
                     "floor_lo": f.lo, "floor_hi": f.hi, "beyond_floor": _beyond(a.lo, a.hi, f.lo, f.hi, direction),
                     "interval_method": large_n.METHOD_BOOTSTRAP})
    return pd.DataFrame(rows)


def with_group_flags(store: Store, sl: Slice, attribute: str, out: pd.DataFrame) -> pd.DataFrame:
    few = few_annotator_groups(store, sl, attribute)
    out["few_annotators"] = out["group_name"].map(few).fillna(False).astype(bool)
    out["unknown"] = out["group_name"] == UNKNOWN
    return out


def group_spread(alignment: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Per run: closest and farthest group (by the metric's direction) among the groups that are
    neither unknown nor few-annotator, their distances, spread (farthest - closest, >= 0) and
    n_groups compared. Runs with fewer than two such groups are left out."""
    ok = alignment[~alignment["unknown"] & ~alignment["few_annotators"] & alignment["mean"].notna()]
    better_low = direction != "higher"
    rows = []
    for run_id, part in ok.groupby("run_id", sort=False):
        if len(part) < 2:
            continue
        part = part.sort_values("mean", ascending=better_low)
        best, worst = part.iloc[0], part.iloc[-1]
        rows.append({"run_id": run_id, "run": best["run"], "model_type": best["model_type"],
                     "closest_group": best["group_name"], "closest": best["mean"],
                     "farthest_group": worst["group_name"], "farthest": worst["mean"],
                     "spread": abs(worst["mean"] - best["mean"]), "n_groups": len(part)})
    return pd.DataFrame(rows)


def alignment_by_model_type(store: Store, sl: Slice, attribute: str, n_resamples: int = N_RESAMPLES,
                            seed: int = SEED) -> Result:
    """One row per model type x group (RLVR vs RLHF and reasoning on vs off side by side): mean, lo,
    hi over the type's run x item rows (items resampled; above large_n.LARGE_N_ROWS rows the
    item-clustered normal approximation, as large_n), n (rows), n_items, n_runs, floor."""
    if why := item_metric_or_message(sl):
        return Result(None, why)
    # cheap from the build's sums (per run pair under a run filter); small slices then get the bootstrap
    out = _types_from_sums(store, sl, attribute) if not run_filtered(sl) else _types_clustered(store, sl, attribute)
    if out is None:
        return Result(None, "No run of this slice scored items rated by a group of this attribute.")
    if out["n"].sum() <= large_n.LARGE_N_ROWS:
        out = _types_exact(add_model_type(group_rows(store, sl, attribute)), n_resamples, seed)
    return Result(with_group_flags(store, sl, attribute, out))


def run_filtered(sl: Slice) -> bool:
    """True when the slice filters runs (training, model, size, ...), not only items."""
    return sl.where()[0] != sl.where(scope="item")[0]


def _types_from_sums(store: Store, sl: Slice, attribute: str) -> pd.DataFrame | None:
    """_types_clustered's answer for a slice without run filters, from group_type_sums: with
    S_i, C_i per item summed over the type's runs, Σ(S_i - mean C_i)² = ΣS² - 2 mean ΣSC + mean² ΣC²
    (equal to the per-item aggregate up to rounding, tested); the type's runs from group_score_sums."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    items, params = sl.where(scope="item")
    df = store.df(f"""
        WITH t AS (SELECT training, reasoning, group_name, sum(sum_{m}) / nullif(sum(n_{m}), 0) AS mean,
                          sum(n_{m}) AS n, sum(k) AS k, sum(ss_{m}) AS ss, sum(sc_{m}) AS sc, sum(cc_{m}) AS cc
                   FROM group_type_sums WHERE attribute = ? AND {items} GROUP BY ALL),
        nr AS (SELECT m.training, r.reasoning, g.group_name, count(DISTINCT g.run_id) AS n_runs
               FROM (SELECT DISTINCT run_id, group_name FROM group_score_sums WHERE attribute = ? AND {items}) g
               JOIN runs r USING (run_id) JOIN models m USING (model_id) GROUP BY ALL)
        SELECT t.training, t.reasoning, t.group_name, t.mean, t.n::BIGINT AS n, t.k::INTEGER AS n_items,
               nr.n_runs::INTEGER AS n_runs, greatest(t.ss - 2 * t.mean * t.sc + t.mean ^ 2 * t.cc, 0) AS ss
        FROM t JOIN nr USING (training, reasoning, group_name) ORDER BY ALL""",
                  [attribute, *params, attribute, *params])
    return _with_clustered_interval(store, sl, attribute, df)


def _with_clustered_interval(store: Store, sl: Slice, attribute: str, df: pd.DataFrame) -> pd.DataFrame | None:
    """se² = k/(k-1) Σ_i (S_i - mean C_i)² / (ΣC)² from the `ss` column; lo, hi, the floor per group."""
    if not len(df):
        return None
    k = df["n_items"].to_numpy(dtype=float)
    se = np.sqrt(k / np.maximum(k - 1, 1) * df["ss"].to_numpy(dtype=float)) / df["n"].to_numpy(dtype=float)
    df["lo"], df["hi"] = df["mean"] - large_n.Z * se, df["mean"] + large_n.Z * se
    df["interval_method"] = large_n.method_note()
    floors = _floors(store, sl, attribute)[["group_name", "floor"]]
    return add_model_type(df.drop(columns="ss")).merge(floors, on="group_name", how="left")


def _types_clustered(store: Store, sl: Slice, attribute: str) -> pd.DataFrame | None:
    """_types_from_sums' answer under any run filter, from the build's group_cluster_sums (the
    type's ordered run pairs among the slice's runs: Σ S_i² = Σ xx, Σ S_i·C_i = Σ xc, Σ C_i² = Σ cc,
    the diagonal giving the sum and n) and group_item_cover (the type's items: those whose run
    bitstring meets its runs), as large_n does for the crowd; the runs per group from
    group_score_sums. Grouping the rows per type x group x item instead read 3M rows into 0.86M
    groups at 10M rows (0.25-0.5 s)."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    runs, params = slice_runs_sql(sl)
    items, item_params = sl.where(scope="item", alias="c")
    present, present_params = runs_present_sql(sl, attribute)
    last = max(int(store.scalar("SELECT count(*) FROM run_index")) - 1, 0)
    df = store.df(f"""
        WITH f AS ({runs}),
        types AS (SELECT f.run_id, mo.training, r.reasoning, x.run_key FROM f JOIN runs r USING (run_id)
                  JOIN models mo USING (model_id) JOIN run_index x USING (run_id)),
        t AS (SELECT training, reasoning, group_name, sum(xx_{m}) AS q, sum(xc_{m}) AS pc, sum(cc_{m}) AS r,
                     sum(xc_{m}) FILTER (WHERE run_id = run2_id) / nullif(sum(cc_{m}) FILTER (WHERE run_id = run2_id), 0)
                         AS mean,
                     coalesce(sum(cc_{m}) FILTER (WHERE run_id = run2_id), 0) AS n
              FROM group_cluster_sums c WHERE attribute = ? AND {items}
                   AND run_id IN (SELECT run_id FROM f) AND run2_id IN (SELECT run_id FROM f) GROUP BY ALL),
        g AS (SELECT training, reasoning, bitstring_agg(run_key, 0, {last}) AS mask FROM types GROUP BY ALL),
        k AS (SELECT g.training, g.reasoning, c.group_name, count(*) AS k FROM group_item_cover c JOIN g ON TRUE
              WHERE c.attribute = ? AND {items} AND bit_count(c.runs & g.mask) > 0 GROUP BY ALL),
        nr AS (SELECT y.training, y.reasoning, p.group_name, count(DISTINCT p.run_id) AS n_runs
               FROM ({present}) p JOIN types y USING (run_id) GROUP BY ALL)
        SELECT training, reasoning, group_name, mean, n::BIGINT AS n, k.k::INTEGER AS n_items,
               nr.n_runs::INTEGER AS n_runs, greatest(q - 2 * mean * pc + mean ^ 2 * r, 0) AS ss
        FROM t JOIN k USING (training, reasoning, group_name) JOIN nr USING (training, reasoning, group_name)
        ORDER BY ALL""", [*params, attribute, *item_params, attribute, *item_params, *present_params])
    return _with_clustered_interval(store, sl, attribute, df)


def _types_exact(df: pd.DataFrame, n_resamples: int, seed: int) -> pd.DataFrame:
    items, n_items = pd.factorize(df["item_key"])[0], int(df["item_key"].nunique())
    groups = df.groupby(["model_type", "group_name"], sort=True).indices
    iv = bootstrap({k: (Mean(df["value"].to_numpy()[idx]), items[idx]) for k, idx in groups.items()},
                   n_items, n_resamples, seed)
    return pd.DataFrame([{"model_type": t, "group_name": g, "mean": iv[(t, g)].estimate, "lo": iv[(t, g)].lo,
                          "hi": iv[(t, g)].hi, "n": iv[(t, g)].n, "n_items": int(np.unique(items[idx]).size),
                          "n_runs": int(df["run_id"].iloc[idx].nunique()),
                          "floor": float(np.nanmean(df["floor"].to_numpy()[idx])),
                          "interval_method": large_n.METHOD_BOOTSTRAP} for (t, g), idx in groups.items()])
