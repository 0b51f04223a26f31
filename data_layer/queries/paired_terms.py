"""The terms of a paired comparison over items on a large slice: per item, the mean difference
over the matched run pairs, in SQL (from the pre-joined pair tables); per group, n, the mean
difference and its variance and the Wilcoxon signed-rank sums, in numpy; each side's mean and
the number of run pairs from the per-pair group sums (pair_groups). Shared by requests
(large_n.paired_from_sql) and the build (precompute/slice_sums.py's pair_tests), so stored and
request-time terms are one computation.

The ranks are computed in numpy because sorting the 232k per-item differences of a 10M-row
store took DuckDB's rank() window and tie aggregate ~45 ms per comparison, numpy ~15
(docs/performance.md); ties get average ranks and count in Σ(t³ − t), as in scipy.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from data_layer.bands import BAND_SCHEMES

Fetch = Callable[[str, list], dict[str, np.ndarray]]  # SQL, params -> columns as numpy arrays
COLUMNS = ["n", "nd", "diff", "var", "left", "right", "n_run_pairs", "nw", "r_plus", "ties"]


def group_values(fetch: Fetch, by: tuple[str, ...], band_column: str) -> list[str]:
    """The values a grouping can take, in order: its rows carry their 1-based position."""
    if by == ("band",):
        return list(next(s for s in BAND_SCHEMES if s.column == band_column).bands)
    if by == ("task_id",):
        return [str(t) for t in fetch("SELECT task_id FROM tasks ORDER BY task_id", [])["task_id"]]
    return [""]


def _group_column(by: tuple[str, ...], band_column: str) -> str | None:
    """The column a grouping reads (None when ungrouped)."""
    return {("band",): band_column, ("task_id",): "task_id"}.get(by)


def _code(by: tuple[str, ...], band_column: str) -> str:
    """SQL of a row's group position."""
    column = _group_column(by, band_column)
    return f"list_position(?::VARCHAR[], x.{column})" if column else "1"


def item_codes(fetch: Fetch, by: tuple[str, ...], band_column: str) -> np.ndarray | None:
    """Per item_key, the 1-based position of its group among `group_values` (None when
    ungrouped): the GROUP BY over pair rows then keys on the item alone, 10 ms less per
    comparison at 232k items than carrying the item's group through it."""
    if _group_column(by, band_column) is None:
        return None
    got = fetch(f"SELECT item_key, {_code(by, band_column)} AS g FROM human_dist x",
                [group_values(fetch, by, band_column)])
    codes = np.zeros(int(got["item_key"].max()) + 1 if len(got["item_key"]) else 0, dtype=np.int64)
    codes[got["item_key"]] = np.ma.filled(got["g"], 0)  # 0: no group (a NULL band), never matched
    return codes


def pair_filter(keys: list[int]) -> tuple[str, list]:
    """SQL and parameters keeping the rows of pairs `keys`: a bit test of a 64-bit mask when every
    key is below 64 (pair keys number the store's pairs from 0; DuckDB runs an IN list as a
    join: the per-item means over 1.6M pair rows 41 -> 34 ms), else an IN list."""
    if keys and max(keys) < 64:
        return "((?::UBIGINT >> x.pair_key::UBIGINT) & 1) = 1", [sum(1 << k for k in set(keys))]
    return f"x.pair_key IN ({', '.join('?' * len(keys)) or 'NULL'})", list(keys)


def item_rows_sql(metric: str, band_column: str, by: tuple[str, ...], stored: bool, pairs: str,
                  items: str) -> str:
    """One row per item: g (group position; when computed from pair rows and grouped, the
    item_key, mapped by item_codes), d. For a stored pair set a read of pair_item_sums (parameters: group values
    unless ungrouped, kind, set name, item filter's), else a GROUP BY item over the pairs'
    pair_diffs (kind, `pairs`' (pair_filter), item filter's)."""
    m = metric
    if stored:
        return (f"SELECT {_code(by, band_column)} AS g, sd_{m} / nullif(nd_{m}, 0) AS d FROM pair_item_sums x "
                f"WHERE x.kind = ? AND x.pair_set = ? AND {items}")
    return (f"SELECT {'x.item_key' if by else '1'} AS g, avg(x.l_{m} - x.r_{m}) AS d FROM pair_diffs x "
            f"WHERE x.kind = ? AND {pairs} AND {items} GROUP BY x.item_key")


def terms(fetch: Fetch, metric: str, band_column: str, by: tuple[str, ...], kind: str, pair_set: str | None,
          keys: list[int], items: str, item_params: list, codes: np.ndarray | None = None) -> pd.DataFrame:
    """Per group of `by` (() , ("band",) or ("task_id",)) with items: by, then COLUMNS. The
    pairs are `keys`, read as the stored set `pair_set` when it is one; `codes`: item_codes
    for `by` if the caller keeps them (else fetched when needed)."""
    values = group_values(fetch, by, band_column)
    lead = [values] if by else []
    stored, (pairs, pair_params) = pair_set is not None, pair_filter(keys)
    rows = fetch(item_rows_sql(metric, band_column, by, stored, pairs, items),
                 [*(lead if stored else []), kind, *([pair_set] if stored else pair_params), *item_params])
    if not stored and by:  # item keys to group positions
        rows["g"] = (codes if codes is not None else item_codes(fetch, by, band_column))[rows["g"]]
    m = metric
    sums = fetch(f"SELECT {_code(by, band_column)} AS g, count(DISTINCT x.pair_key) AS n_run_pairs, "
                 f"sum(sl_{m}) / nullif(sum(nl_{m}), 0) AS \"left\", sum(sr_{m}) / nullif(sum(nr_{m}), 0) AS \"right\" "
                 f"FROM pair_groups x WHERE x.kind = ? AND {pairs} AND {items} GROUP BY ALL",
                 [*lead, kind, *pair_params, *item_params])
    per_group = {int(g): (int(n), float(lv), float(rv)) for g, n, lv, rv in zip(
        _plain(sums["g"]), _plain(sums["n_run_pairs"]), _plain(sums["left"]), _plain(sums["right"]), strict=True)}
    out = []
    for g, d in _groups(rows):
        if g in per_group:
            n_run_pairs, left, right = per_group[g]
            out.append({**({by[0]: values[g - 1]} if by else {}), **_group_terms(d), "left": left, "right": right,
                        "n_run_pairs": n_run_pairs})
    return pd.DataFrame(out, columns=[*by, *COLUMNS])


def _plain(column: np.ndarray) -> np.ndarray:
    """A fetched column without its NULL mask: NULL sums and ratios as NaN."""
    return np.ma.filled(column.astype(float), np.nan) if np.ma.isMaskedArray(column) else column


def _groups(rows: dict[str, np.ndarray]):
    """(group position, its items' differences) per group present, in group order."""
    g, d = np.asarray(rows["g"], dtype=np.int64), _plain(rows["d"]).astype(float)  # g: never NULL
    for code in np.flatnonzero(np.bincount(g)):  # a few groups: one mask each, no sort by group
        yield int(code), d[g == code]


def _group_terms(d: np.ndarray) -> dict:
    ok = d[~np.isnan(d)]
    nw, r_plus, ties = signed_rank_sums(ok)
    return {"n": len(d), "nd": len(ok), "diff": float(ok.mean()) if len(ok) else np.nan,
            "var": float(ok.var(ddof=1)) if len(ok) > 1 else np.nan, "nw": nw, "r_plus": r_plus, "ties": ties}


def signed_rank_sums(d: np.ndarray) -> tuple[int, float, float]:
    """Over the non-zero differences: their number, the sum of the average ranks of |d| of the
    positive ones, and Σ(t³ − t) over groups of t equal |d| (the variance's tie correction).
    A value's average rank is the middle of its run in the sorted |d| (two binary searches)."""
    x = d[d != 0]
    if not len(x):
        return 0, 0.0, 0.0
    a = np.sort(np.abs(x))
    positive = np.sort(x[x > 0])  # sorted needles: the searches walk `a` in order (5x faster)
    below, upto = np.searchsorted(a, positive, "left"), np.searchsorted(a, positive, "right")
    t = np.diff(np.flatnonzero(np.r_[True, a[1:] != a[:-1], True])).astype(float)
    return len(x), float(np.sum(below + upto + 1) / 2), float(np.sum(t ** 3 - t))
