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
from data_layer.queries.common import add_model_type
from data_layer.queries.group_views import group_options
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


def group_rows(store: Store, sl: Slice, attribute: str) -> pd.DataFrame:
    """One row per run x item x group of `attribute` in the slice, leaving out items where the group
    gave fewer than MIN_GROUP_RATINGS ratings (thin) unless the group has fewer than
    MIN_GROUP_ANNOTATORS annotators in the task (then every item is thin: a one-person group such as
    ArMIS's is that person's labels, and is marked few_annotators wherever it is shown):
    RUN_COLS, task_id, item_key, group_name, value (metric(group, run)) and floor (metric(group, rest))."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    where, params = sl.where(alias="i")
    return store.df(f"""
        SELECT {", ".join(f"i.{c}" for c in RUN_COLS)}, s.task_id, s.item_key, s.group_name,
               s.{m} AS value, g.floor_{m} AS floor
        FROM group_scores s
        JOIN group_dist g ON g.item_key = s.item_key AND g.attribute = s.attribute AND g.group_name = s.group_name
        JOIN group_summary gs ON gs.task_id = s.task_id AND gs.attribute = s.attribute AND gs.group_name = s.group_name
        JOIN item_scores i ON i.run_id = s.run_id AND i.item_key = s.item_key
        WHERE s.attribute = ? AND (NOT s.thin OR gs.few_annotators) AND {where}""", [attribute, *params])


def group_alignment(store: Store, sl: Slice, attribute: str, n_resamples: int = N_RESAMPLES,
                    seed: int = SEED) -> Result:
    """One row per run x group: RUN_COLS, run (a label), model_type, group_name, mean, lo, hi (the
    run's distance to the group), n (items), floor, floor_lo, floor_hi (the group's distance to the
    rest of the crowd on the same items), beyond_floor (True when the run's interval lies entirely on
    the better side of the floor's: closer to the group than the group's own crowd is),
    few_annotators, unknown. Runs and groups are resampled jointly over items."""
    if why := item_metric_or_message(sl):
        return Result(None, why)
    df = group_rows(store, sl, attribute)
    if not len(df):
        return Result(None, "No run of this slice scored items that annotators of a "
                            f"{GROUP_ATTRIBUTES.get(attribute).label.lower()} group rated.")
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
        beyond = None if a.hi is None or f.lo is None or direction == "zero" else \
            bool(a.hi < f.lo if direction == "lower" else a.lo > f.hi)
        rows.append({"run_id": run_id, **{c: runs.at[run_id, c] for c in RUN_COLS[1:]}, "group_name": group,
                     "mean": a.estimate, "lo": a.lo, "hi": a.hi, "n": a.n, "floor": f.estimate,
                     "floor_lo": f.lo, "floor_hi": f.hi, "beyond_floor": beyond})
    out = add_model_type(pd.DataFrame(rows))
    out["run"] = [f"{r.display_name} · {r.model_type} · {METHOD_LABELS.get(r.method, r.method)} · {r.steering}"
                  for r in out.itertuples()]
    return Result(with_group_flags(store, sl, attribute, out))


def with_group_flags(store: Store, sl: Slice, attribute: str, out: pd.DataFrame) -> pd.DataFrame:
    groups = group_options(store, sl, attribute)
    few = dict(zip(groups.frame["group_name"], groups.frame["few_annotators"], strict=True)) if groups.ok else {}
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
    hi over the type's run x item rows (items resampled), n (rows), n_items, n_runs, floor."""
    if why := item_metric_or_message(sl):
        return Result(None, why)
    df = group_rows(store, sl, attribute)
    if not len(df):
        return Result(None, "No run of this slice scored items rated by a group of this attribute.")
    df = add_model_type(df)
    items, n_items = pd.factorize(df["item_key"])[0], int(df["item_key"].nunique())
    groups = df.groupby(["model_type", "group_name"], sort=True).indices
    stats = {k: (Mean(df["value"].to_numpy()[idx]), items[idx]) for k, idx in groups.items()}
    iv = bootstrap(stats, n_items, n_resamples, seed)
    rows = [{"model_type": t, "group_name": g, "mean": iv[(t, g)].estimate, "lo": iv[(t, g)].lo,
             "hi": iv[(t, g)].hi, "n": iv[(t, g)].n, "n_items": int(np.unique(items[idx]).size),
             "n_runs": int(df["run_id"].iloc[idx].nunique()),
             "floor": float(np.nanmean(df["floor"].to_numpy()[idx]))} for (t, g), idx in groups.items()]
    return Result(with_group_flags(store, sl, attribute, pd.DataFrame(rows)))
