"""The Bands page's questions: how is human disagreement distributed per task (and where are the
band edges), how does the metric change with human entropy, and do models collapse (predict
less spread than people show)?"""
from __future__ import annotations

from data_layer.bands import ENTROPY_BINS, entropy_bin_sql
from data_layer.metrics import METRICS
from data_layer.queries.common import SMALL_N, add_model_type, mark_small_n
from data_layer.slice import Slice
from data_layer.store import Result, Store

SCATTER_OVERSAMPLE = 8  # the scatter's cut keeps ~8x the points it shows: fewer is a rare second read

# item_scores.model_entropy_norm: model entropy normalised by ln K like the human one (stored at
# build time), so tasks with different K share axes


def entropy_histogram(store: Store, sl: Slice, n_bins: int = 20) -> Result:
    """Per task, band and bin of normalised human entropy: n_items (human side only)."""
    where, params = sl.where(scope="item")
    df = store.df(f"SELECT task_id, {sl.band_column} AS band, {entropy_bin_sql('entropy_norm', n_bins)} AS bin, "
                  f"count(*) AS n_items FROM human_dist WHERE {where} GROUP BY ALL ORDER BY ALL", params)
    df["bin_lo"] = df["bin"] / n_bins
    df["bin_mid"] = df["bin_lo"] + 0.5 / n_bins
    return Result.of(df, f"No items in this slice ({sl.sentence()}).")


def band_edges(store: Store, sl: Slice) -> Result:
    """The scheme's band edges on normalised entropy per task in the slice (schemes whose bands
    are not cut on entropy, like highvar, have none)."""
    where, params = sl.where(scope="item")
    tasks = f"AND task_id IN (SELECT DISTINCT task_id FROM human_dist WHERE {where})"
    # a scheme with an unbounded band (highvar's 'rest') is not cut on entropy: its bounds are on
    # another quantity and must not be drawn on the entropy axis
    df = store.df(f"SELECT task_id, band, lower, upper, n_items FROM band_edges WHERE scheme = ? AND NOT "
                  f"EXISTS (SELECT 1 FROM band_edges e WHERE e.scheme = ? AND e.lower IS NULL) {tasks} "
                  f"ORDER BY task_id, lower", [sl.band_scheme, sl.band_scheme, *params])
    return Result.of(df, "This banding scheme is not defined by cuts on entropy, so no edges are drawn.")


def metric_by_entropy_bin(store: Store, sl: Slice) -> Result:
    """Per model type and bin of normalised human entropy (ENTROPY_BINS bins): mean metric, n,
    small_n; from the pre-aggregated score_sums."""
    metric = METRICS.get(sl.metric)
    if metric.level != "item":
        return Result(None, f"{metric.label} is a correlation/F1 over many items; inside one narrow "
                            "entropy bin it has almost nothing to work with, so this chart needs a "
                            "per-item metric. The Overview shows it per band.")
    where, params = sl.where()
    m = metric.name
    df = store.df(f"SELECT training, reasoning, entropy_bin AS bin, sum(sum_{m}) / sum(n_{m}) AS mean, "
                  f"sum(n_{m})::BIGINT AS n FROM score_sums WHERE {where} GROUP BY ALL "
                  f"HAVING sum(n_{m}) > 0 ORDER BY bin, training, reasoning", params)
    df["bin_mid"] = (df["bin"] + 0.5) / ENTROPY_BINS
    return Result.of(mark_small_n(add_model_type(df)), f"No scored items in this slice ({sl.sentence()}).")


def entropy_scatter(store: Store, sl: Slice, max_points: int = 3000) -> Result:
    """Predicted vs human normalised entropy, one point per run x item, a fixed pseudo-random
    sample of at most max_points (the note says how many of how many are shown): the rows with the
    smallest scatter_order (a stored 64-bit hash of run, task and item). Baselines are left out
    unless the slice selects training=baseline."""
    where, params = sl.where(alias="s")
    if "baseline" not in sl.training:  # reference predictors sit on fixed lines; only if asked for
        where += " AND s.training <> 'baseline'"
    total = int(store.scalar(f"SELECT coalesce(sum(n_rows), 0) FROM score_sums s WHERE {where}", params))
    df = _smallest_orders(store, where, params, total, int(max_points))
    if not len(df):
        return Result(None, f"No scored items in this slice ({sl.sentence()}).")
    note = f"Showing a fixed random sample of {len(df):,} of {total:,} run × item points." \
        if total > len(df) else ""
    return Result(add_model_type(df), note)


def _smallest_orders(store: Store, where: str, params: list, total: int, k: int):
    """The k rows of the slice with the smallest scatter_order. The hash is uniform over 0..2^64,
    so a cut at SCATTER_OVERSAMPLE·k/total of that range keeps about SCATTER_OVERSAMPLE·k rows and
    the k smallest among them are the k smallest overall; if fewer than k pass the cut (or the
    slice is small) it is read without one. Either way the same rows: a top-k over a filtered
    column scan instead of over every row."""
    cut = 2 ** 64 * SCATTER_OVERSAMPLE * k / total if total else 0
    sql = (f"SELECT s.run_id, s.task_id, s.item_id, s.display_name, s.training, s.reasoning, "
           f"s.entropy_norm AS human_norm, s.model_entropy_norm AS model_norm FROM item_scores s "
           f"WHERE {where}{{cut}} ORDER BY s.scatter_order, s.item_key, s.run_id LIMIT ?")
    if cut < 2 ** 64:
        df = store.df(sql.format(cut=" AND s.scatter_order < ?"), [*params, int(cut), k])
        if len(df) == k:
            return df
    return store.df(sql.format(cut=""), [*params, k])


def collapse_rates(store: Store, sl: Slice) -> Result:
    """Per model type: share of run x item points whose normalised model entropy is more than
    COLLAPSE_MARGIN below the human one (over-confident), and more than it above
    (under-confident), over the points with a model entropy; from the pre-aggregated score_sums."""
    where, params = sl.where()
    df = store.df(f"SELECT training, reasoning, sum(n_overconfident) / sum(n_model_entropy) AS over, "
                  f"sum(n_underconfident) / sum(n_model_entropy) AS under, sum(n_rows)::BIGINT AS n "
                  f"FROM score_sums WHERE {where} GROUP BY ALL HAVING sum(n_rows) > 0", params)
    df = add_model_type(df).sort_values(["over", "model_type"], ascending=[False, True]).reset_index(drop=True)
    return Result.of(df[["model_type", "over", "under", "n"]].assign(small_n=df["n"] < SMALL_N),
                     f"No scored items in this slice ({sl.sentence()}).")
