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


def group_item_diffs(store: Store, sl: Slice, attribute: str, kind: str,
                     pairs: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """(per group and item: group_name, item_key, diff = the mean over the item's matched run pairs of
    left - right distance to the group, n_diffs = how many pairs; {group: number of run pairs both of
    whose runs have rows for it}), from the rows of the pairs' runs only, paired in numpy. `pairs`:
    the relaxed slice's run_pairs when the caller has them."""
    relaxed = sl.with_(**{f: () for f in KINDS[kind].relax})
    pairs = run_pairs(store, relaxed, kind) if pairs is None else pairs
    if not len(pairs):
        return pd.DataFrame(columns=["group_name", "item_key", "diff", "n_diffs"]), {}
    sql, params = rows_sql(store, relaxed, attribute, with_floor=False)
    key_pairs = [(store.run_key(lr), store.run_key(rr))
                 for lr, rr in zip(pairs["left_run"], pairs["right_run"], strict=True)]
    used = sorted({r for lr in key_pairs for r in lr})
    # Integers only: reading 2.6M rows' run_id and group_name strings and grouping them by pair x item
    # in DuckDB took 340 ms at 10M rows; the same rows as three numeric columns take ~80 ms.
    width = store.n_item_keys
    rows = store.arrays(f"SELECT run_key, group_key::BIGINT * ? + item_key AS cell, value FROM ({sql}) "
                        f"WHERE run_key IN ({', '.join('?' * len(used))})", [width, *params, *used])
    cells = _paired_cells(rows, key_pairs, width)
    names = dict(store.rows("SELECT DISTINCT group_key, group_name FROM group_summary WHERE attribute = ?",
                            [attribute]))
    name_of = np.array([names.get(i) for i in range(max(names, default=-1) + 1)], dtype=object)
    rank_of = np.argsort(np.argsort(name_of.astype(str), kind="stable"))
    # cells come by (group_key, item_key); the answer goes by group name, then item
    order = np.argsort(rank_of[cells["group_key"].to_numpy()], kind="stable")
    diffs = pd.DataFrame({"group_name": pd.Series(name_of[cells["group_key"].to_numpy()[order]], dtype=object),
                          **{c: cells[c].to_numpy()[order] for c in ("item_key", "diff", "n_diffs")}})
    present = set(store.rows(*runs_present_sql(relaxed, attribute)))
    groups = {g for _, g in present}
    n_pairs = {g: sum((lr, g) in present and (rr, g) in present
                      for lr, rr in zip(pairs["left_run"], pairs["right_run"], strict=True)) for g in groups}
    return diffs, n_pairs


def _paired_cells(rows: dict, key_pairs: list[tuple[int, int]], width: int) -> pd.DataFrame:
    """Per (group_key, item_key) cell where both runs of at least one pair have a row: diff = the
    mean of left - right over the pairs whose two values are not NULL (NaN if none), n_diffs = how
    many. `rows`: run_key, cell (group_key * width + item_key, 0 <= item_key < width), value arrays
    (one row per run x group x item)."""
    cell = np.asarray(rows["cell"], dtype=np.int64)
    if not len(cell):
        return pd.DataFrame({"group_key": [], "item_key": [], "diff": [], "n_diffs": []})
    # number the cells present, so that the per-pair arrays are as long as the answer
    if (n_all := int(cell.max()) + 1) <= 4 * len(cell):
        present = np.zeros(n_all, bool)
        present[cell] = True
        decode, cell = np.flatnonzero(present), (np.cumsum(present) - 1)[cell]
    else:  # sparse (many groups, scattered items): sorting is cheaper than a mark per possible cell
        decode, cell = np.unique(cell, return_inverse=True)
    value = np.ma.filled(np.ma.asarray(rows["value"], dtype=float), np.nan)
    runs = _run_rows(np.asarray(rows["run_key"]), {r for pair in key_pairs for r in pair})
    total, n_diffs, n_both = np.zeros(len(decode)), np.zeros(len(decode), np.int64), np.zeros(len(decode), np.int64)
    for left, right in key_pairs:
        if left in runs and right in runs:
            (lv, lhas), (rv, rhas) = (_dense(cell, value, runs[r], len(decode)) for r in (left, right))
            d = lv - rv
            ok = ~np.isnan(d)
            np.add(total, d, out=total, where=ok)
            n_diffs += ok
            n_both += lhas & rhas
    at = np.flatnonzero(n_both)
    with np.errstate(invalid="ignore"):  # 0 / 0: no pair with two values there
        diff = total[at] / n_diffs[at]
    return pd.DataFrame({"group_key": decode[at] // width, "item_key": decode[at] % width,
                         "diff": diff, "n_diffs": n_diffs[at]})


def _run_rows(run: np.ndarray, wanted: set[int]) -> dict[int, list[slice] | list[np.ndarray]]:
    """run_key -> its rows, for the wanted runs that have rows: the stretches where they come
    together (group_scores is written run by run; DuckDB's threads hand each a few stretches),
    else their positions. Sorting 4.7M keys to split them took 160 ms, a comparison per run
    ~1.5 ms each, finding the stretches ~5 ms for all."""
    edges = np.flatnonzero(run[1:] != run[:-1]) + 1
    if len(edges) > 64 * max(len(wanted), 1):  # scattered: one comparison per run
        at = {r: np.flatnonzero(run == r) for r in sorted(wanted)}
        return {r: [rows] for r, rows in at.items() if len(rows)}
    out: dict = {}
    starts, stops = np.concatenate(([0], edges)).tolist(), np.concatenate((edges, [len(run)])).tolist()
    for k, a, b in zip(run[starts].tolist(), starts, stops, strict=True):
        if k in wanted:
            out.setdefault(k, []).append(slice(a, b))
    return out


def _dense(cell: np.ndarray, value: np.ndarray, parts: list, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """One run's values laid out by cell (NaN where it has no row or a NULL) and where it has a row."""
    v, has = np.full(n_cells, np.nan), np.zeros(n_cells, bool)
    for at in parts:
        v[cell[at]], has[cell[at]] = value[at], True
    return v, has


def stored_item_diffs(store: Store, sl: Slice, attribute: str, kind: str,
                      pair_set: str = "") -> tuple[pd.DataFrame, dict]:
    """group_item_diffs' answer from the build's group_pair_items, for a slice whose relaxed form
    either has no run filter (pair_set '': all of the kind's pairs; runs without rows on the
    slice's items add nothing) or keeps exactly a stored pair set (one method's pairs); the pairs
    per group from group_score_sums' (run, group) rows."""
    GROUP_ATTRIBUTES.get(attribute)
    m = METRICS.get(sl.metric).name  # allow-listed column names only
    items, params = sl.with_(**{f: () for f in KINDS[kind].relax}).where(scope="item")
    diffs = store.df(f"""SELECT group_name, item_key, sum_{m} / nullif(n_{m}, 0) AS diff, n_{m} AS n_diffs
                         FROM group_pair_items
                         WHERE kind = ? AND pair_set = ? AND attribute = ? AND {items}
                         ORDER BY group_name, item_key""", [kind, pair_set, attribute, *params])
    present = set(store.rows(f"SELECT DISTINCT run_id, group_name FROM group_score_sums WHERE attribute = ? "
                             f"AND {items}", [attribute, *params]))
    pairs = store.rows("SELECT p.left_run, p.right_run FROM pair_runs p JOIN pair_sets s USING (kind, pair_key) "
                       "WHERE p.kind = ? AND s.pair_set = ?", [kind, pair_set])
    n_pairs = {g: sum((lr, g) in present and (rr, g) in present for lr, rr in pairs) for g in {g for _, g in present}}
    return diffs, n_pairs


def stored_set(store: Store, sl: Slice, kind: str, pairs: pd.DataFrame | None = None) -> str | None:
    """The pair set whose per-item sums group_pair_items holds for this slice: '' (all of the kind's
    pairs, precompute.slice_sums.ALL_PAIRS) when the relaxed slice filters no run, the set made of
    exactly the slice's pairs under a run filter (one method's), else None (paired from the rows).
    `pairs`: the relaxed slice's run_pairs when the caller has them."""
    relaxed = sl.with_(**{f: () for f in KINDS[kind].relax})
    if not run_filtered(relaxed):
        return ""
    pairs = run_pairs(store, relaxed, kind) if pairs is None else pairs
    return large_n.stored_pair_set(store, kind, large_n.pair_keys(store, kind, pairs)) if len(pairs) else None


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


def _bootstrap_intervals(per_item: pd.DataFrame, groups: dict, n_resamples: int, seed: int) -> dict:
    """Per group: the mean per-item difference with its bootstrap interval, items resampled jointly."""
    items = pd.factorize(per_item["item_key"])[0]
    return bootstrap({g: (Mean(per_item["diff"].to_numpy()[idx]), items[idx]) for g, idx in groups.items()},
                     int(items.max()) + 1, n_resamples, seed)


def _per_item(store: Store, sl: Slice, attribute: str, kind: str) -> tuple[pd.DataFrame, dict]:
    """group_item_diffs' answer, from the build's stored pair set when there is one (stored_set)."""
    relaxed = sl.with_(**{f: () for f in KINDS[kind].relax})
    pairs = run_pairs(store, relaxed, kind) if run_filtered(relaxed) else None
    pair_set = stored_set(store, sl, kind, pairs)
    return (group_item_diffs(store, sl, attribute, kind, pairs) if pair_set is None
            else stored_item_diffs(store, sl, attribute, kind, pair_set))


def group_paired_differences(store: Store, sl: Slice, attribute: str, kind: str = "rlvr_vs_rlhf",
                             n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Result:
    """One row per group: group_name, left_label, right_label, diff, lo, hi, n (items), n_run_pairs,
    p (Wilcoxon), p_holm, verdict ('left better' / 'right better' / 'no clear difference'),
    few_annotators, unknown. The frame's attrs['sentence'] says it in words."""
    if why := item_metric_or_message(sl):
        return Result(None, why)
    k = KINDS[kind]
    per_item, n_pairs = _per_item(store, sl, attribute, kind)
    if not len(per_item):
        return Result(None, f"No {k.left_label} vs {k.right_label} run pairs of this slice scored items "
                            f"rated by a {GROUP_ATTRIBUTES.get(attribute).label.lower()} group.")
    groups = per_item.groupby("group_name", sort=True).indices
    # large as paired.py has it: by the run pair x item differences behind the per-item means
    large = int(per_item["n_diffs"].sum()) > large_n.LARGE_N_ROWS
    iv = _normal_intervals(per_item, groups) if large else _bootstrap_intervals(per_item, groups, n_resamples, seed)
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
