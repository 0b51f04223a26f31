"""Does reasoning move the model toward or away from a group? For the sibling run pairs of a
paired-comparison kind (RLVR vs RLHF, thinking on vs off, ...; data_layer.queries.paired.KINDS),
per annotator group: the per-item difference left - right of the distance to that group's
distribution (averaged over the item's run pairs), its mean with a 95% bootstrap interval over
items (all groups resampled jointly), the Wilcoxon signed-rank p, the p adjusted for the number of
groups compared (Holm 1979), and one computed sentence."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from data_layer.groups import GROUP_ATTRIBUTES
from data_layer.metrics import METRICS
from data_layer.queries import large_n
from data_layer.queries.paired import KINDS, run_pairs, side_verdict
from data_layer.queries.perspectives import (
    item_metric_or_message,
    rows_sql,
    run_filtered,
    runs_present_sql,
    with_group_flags,
)
from data_layer.slice import Slice
from data_layer.stats import N_RESAMPLES, SEED, Interval, Mean, bootstrap
from data_layer.store import Result, Store

ALPHA = 0.05


def holm(p: list[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (None stays None and is not counted)."""
    known = [(v, i) for i, v in enumerate(p) if v is not None]
    out: list[float | None] = [None] * len(p)
    running, m = 0.0, len(known)
    for rank, (v, i) in enumerate(sorted(known)):
        running = max(running, min(1.0, (m - rank) * v))
        out[i] = running
    return out


def group_item_diffs(store: Store, sl: Slice, attribute: str, kind: str) -> tuple[pd.DataFrame, dict]:
    """(per group and item: group_name, item_key, diff = the mean over the item's matched run pairs of
    left - right distance to the group, n_diffs = how many pairs; {group: number of run pairs both of
    whose runs have rows for it}), paired in DuckDB over the rows of the pairs' runs only."""
    k = KINDS[kind]
    relaxed = sl.with_(**{f: () for f in k.relax})
    pairs = run_pairs(store, relaxed, kind)
    if not len(pairs):
        return pd.DataFrame(columns=["group_name", "item_key", "diff", "n_diffs"]), {}
    sql, params = rows_sql(store, relaxed, attribute, with_floor=False)
    # One aggregate over the pairs' rows, each row tagged with its side of each pair it belongs to:
    # a self-join of the rows on (item, group) held both sides in memory (5.5 s, 3.6 GB at 10M rows).
    values = ", ".join("(?, ?, ?)" for _ in range(len(pairs)))
    pair_params = [v for i, lr in enumerate(zip(pairs["left_run"], pairs["right_run"], strict=True))
                   for v in (i, *lr)]
    used = sorted(set(pairs["left_run"]) | set(pairs["right_run"]))
    diffs = store.df(f"""WITH x AS (SELECT * FROM ({sql}) WHERE run_id IN ({", ".join("?" * len(used))})),
                          p(pair, left_run, right_run) AS (VALUES {values}),
                          s AS (SELECT pair, left_run AS run_id, TRUE AS is_left FROM p
                                UNION ALL SELECT pair, right_run, FALSE FROM p),
                          d AS (SELECT s.pair, x.group_name, x.item_key,
                                       any_value(x.value) FILTER (WHERE s.is_left)
                                       - any_value(x.value) FILTER (WHERE NOT s.is_left) AS diff
                                FROM s JOIN x USING (run_id) GROUP BY ALL
                                HAVING count(*) FILTER (WHERE s.is_left) > 0
                                   AND count(*) FILTER (WHERE NOT s.is_left) > 0)
                     SELECT group_name, item_key, avg(diff) AS diff, count(diff) AS n_diffs
                     FROM d GROUP BY ALL ORDER BY group_name, item_key""", [*params, *used, *pair_params])
    present = set(store.rows(*runs_present_sql(relaxed, attribute)))
    groups = {g for _, g in present}
    n_pairs = {g: sum((lr, g) in present and (rr, g) in present
                      for lr, rr in zip(pairs["left_run"], pairs["right_run"], strict=True)) for g in groups}
    return diffs, n_pairs


def stored_item_diffs(store: Store, sl: Slice, attribute: str, kind: str) -> tuple[pd.DataFrame, dict]:
    """group_item_diffs' answer from the build's group_pair_items, for a slice whose relaxed form has
    no run filter (then the pairs are all of the kind's pairs in pair_runs: runs without rows on
    the slice's items add nothing); the pairs per group from group_score_sums' (run, group) rows."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    items, params = sl.with_(**{f: () for f in KINDS[kind].relax}).where(scope="item")
    diffs = store.df(f"""SELECT group_name, item_key, sum_{m} / nullif(n_{m}, 0) AS diff, n_{m} AS n_diffs
                         FROM group_pair_items
                         WHERE kind = ? AND attribute = ? AND {items} ORDER BY group_name, item_key""",
                     [kind, attribute, *params])
    present = set(store.rows(f"SELECT DISTINCT run_id, group_name FROM group_score_sums WHERE attribute = ? "
                             f"AND {items}", [attribute, *params]))
    pairs = store.rows("SELECT left_run, right_run FROM pair_runs WHERE kind = ?", [kind])
    n_pairs = {g: sum((lr, g) in present and (rr, g) in present for lr, rr in pairs) for g in {g for _, g in present}}
    return diffs, n_pairs


def _normal_intervals(per_item: pd.DataFrame, groups: dict) -> dict:
    """Per group: mean ± Z·sd/√n of the per-item differences (items are independent units, so this
    is what the bootstrap over items converges to; large_n's normal approximation)."""
    out = {}
    for g, idx in groups.items():
        d = per_item["diff"].to_numpy()[idx]
        d = d[~np.isnan(d)]
        mean = float(d.mean()) if len(d) else None
        half = large_n.Z * float(d.std(ddof=1)) / np.sqrt(len(d)) if len(d) > 1 else None
        out[g] = Interval(mean, None if half is None else mean - half, None if half is None else mean + half,
                          len(d), n_resamples=0)
    return out


def group_paired_differences(store: Store, sl: Slice, attribute: str, kind: str = "rlvr_vs_rlhf",
                             n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Result:
    """One row per group: group_name, left_label, right_label, diff, lo, hi, n (items), n_run_pairs,
    p (Wilcoxon), p_holm, verdict ('left better' / 'right better' / 'no clear difference'),
    few_annotators, unknown. The frame's attrs['sentence'] says it in words."""
    if why := item_metric_or_message(sl):
        return Result(None, why)
    k = KINDS[kind]
    stored = not run_filtered(sl.with_(**{f: () for f in k.relax}))
    per_item, n_pairs = (stored_item_diffs if stored else group_item_diffs)(store, sl, attribute, kind)
    if not len(per_item):
        return Result(None, f"No {k.left_label} vs {k.right_label} run pairs of this slice scored items "
                            f"rated by a {GROUP_ATTRIBUTES.get(attribute).label.lower()} group.")
    items, n_items = pd.factorize(per_item["item_key"])[0], int(per_item["item_key"].nunique())
    groups = per_item.groupby("group_name", sort=True).indices
    # large as paired.py has it: by the run pair x item differences behind the per-item means
    large = int(per_item["n_diffs"].sum()) > large_n.LARGE_N_ROWS
    iv = _normal_intervals(per_item, groups) if large else bootstrap(
        {g: (Mean(per_item["diff"].to_numpy()[idx]), items[idx]) for g, idx in groups.items()},
        n_items, n_resamples, seed)
    direction = METRICS.get(sl.metric).direction
    rows = []
    for g, idx in groups.items():
        d = per_item["diff"].to_numpy()[idx]
        p = float(wilcoxon(d, zero_method="wilcox").pvalue) if np.any(d != 0) else None
        rows.append({"group_name": g, "left_label": k.left_label, "right_label": k.right_label,
                     "diff": iv[g].estimate, "lo": iv[g].lo, "hi": iv[g].hi, "n": iv[g].n,
                     "n_run_pairs": int(n_pairs.get(g, 0)), "p": p, "verdict": side_verdict(iv[g], direction),
                     "interval_method": large_n.method_note() if large else large_n.METHOD_BOOTSTRAP})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"].tolist())
    out = with_group_flags(store, sl, attribute, out)
    out.attrs["sentence"] = group_sentence(out, sl.metric, attribute)
    return Result(out)


def group_sentence(df: pd.DataFrame, metric: str, attribute: str) -> str:
    """'RLVR is closer than its RLHF sibling to Woman (...) and farther from Man (...); no clear
    difference for ...' from the rows, counting only Holm-significant intervals as differences."""
    m, label = METRICS.get(metric), GROUP_ATTRIBUTES.get(attribute).label.lower()
    left, right = df["left_label"].iloc[0], df["right_label"].iloc[0]
    lower = m.direction != "higher"

    def part(r) -> str:
        return (f"{r.group_name} (Δ {m.name} {r.diff:+.3f}, 95% CI [{r.lo:+.3f}, {r.hi:+.3f}], n={r.n} items, "
                f"Holm p={r.p_holm:.3g})")

    clear = df[(df["verdict"] != "no clear difference") & (df["p_holm"].fillna(1.0) < ALPHA)]
    closer = [part(r) for r in clear.itertuples() if (r.diff < 0) == lower]
    farther = [part(r) for r in clear.itertuples() if (r.diff < 0) != lower]
    rest = [str(g) for g in df.loc[~df.index.isin(clear.index), "group_name"]]
    if m.direction == "zero":
        return f"{m.label} has no better direction, so no side is said to be closer to any {label} group."
    bits = []
    if closer:
        bits.append(f"{left} is closer than {right} to " + "; ".join(closer))
    if farther:
        bits.append(f"{left} is farther than {right} from " + "; ".join(farther))
    if rest:
        bits.append(f"no clear difference (interval includes 0 or Holm p ≥ {ALPHA}) for " + ", ".join(rest))
    return f"By {label}, {m.label.lower()}: " + "; ".join(bits) + f" ({len(df)} groups compared)."
