"""The Bands page's questions: how is human disagreement distributed per task (and where are the
band edges), how does the metric change with human entropy, and do models collapse (predict
less spread than people show)?"""
from __future__ import annotations

from data_layer.metrics import METRICS
from data_layer.queries.common import SMALL_N, add_model_type, mark_small_n
from data_layer.slice import Slice
from data_layer.store import Result, Store

# model entropy is normalised by ln K like the human one, so tasks with different K share axes
_MODEL_NORM = "CASE WHEN len(t.labels) > 1 THEN s.model_entropy / ln(len(t.labels)) END"


def _bin(column: str, n_bins: int) -> str:
    return f"least(floor({column} * {int(n_bins)}), {int(n_bins) - 1})::INTEGER"


def entropy_histogram(store: Store, sl: Slice, n_bins: int = 20) -> Result:
    """Per task, band and bin of normalised human entropy: n_items (human side only)."""
    where, params = sl.where(scope="item")
    df = store.df(f"SELECT task_id, {sl.band_column} AS band, {_bin('entropy_norm', n_bins)} AS bin, "
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


def metric_by_entropy_bin(store: Store, sl: Slice, n_bins: int = 10) -> Result:
    """Per model type and bin of normalised human entropy: mean metric, n, small_n."""
    metric = METRICS.get(sl.metric)
    if metric.level != "item":
        return Result(None, f"{metric.label} is a correlation/F1 over many items; inside one narrow "
                            "entropy bin it has almost nothing to work with, so this chart needs a "
                            "per-item metric. The Overview shows it per band.")
    where, params = sl.where()
    df = store.df(f"SELECT training, reasoning, {_bin('entropy_norm', n_bins)} AS bin, avg({metric.name}) "
                  f"AS mean, count({metric.name}) AS n FROM item_scores WHERE {where} GROUP BY ALL "
                  f"HAVING count({metric.name}) > 0 ORDER BY bin", params)
    df["bin_mid"] = (df["bin"] + 0.5) / n_bins
    return Result.of(mark_small_n(add_model_type(df)), f"No scored items in this slice ({sl.sentence()}).")


def entropy_scatter(store: Store, sl: Slice, max_points: int = 3000) -> Result:
    """Predicted vs human normalised entropy, one point per run x item, a fixed pseudo-random
    sample of at most max_points (the note says how many of how many are shown). Baselines are
    left out unless the slice selects training=baseline."""
    where, params = sl.where(alias="s")
    if "baseline" not in sl.training:  # reference predictors sit on fixed lines; only if asked for
        where += " AND s.training <> 'baseline'"
    base = f"FROM item_scores s JOIN tasks t ON t.task_id = s.task_id WHERE {where}"
    total = store.scalar(f"SELECT count(*) {base}", params)
    df = store.df(f"SELECT s.run_id, s.task_id, s.item_id, s.display_name, s.training, s.reasoning, "
                  f"s.entropy_norm AS human_norm, {_MODEL_NORM} AS model_norm {base} "
                  f"ORDER BY hash(s.run_id || '|' || s.task_id || '|' || s.item_id) LIMIT ?",
                  [*params, int(max_points)])
    if not len(df):
        return Result(None, f"No scored items in this slice ({sl.sentence()}).")
    note = f"Showing a fixed random sample of {len(df):,} of {total:,} run × item points." \
        if total > len(df) else ""
    return Result(add_model_type(df), note)


def collapse_rates(store: Store, sl: Slice, margin: float = 0.05) -> Result:
    """Per model type: share of run x item points whose normalised model entropy is more than
    `margin` below the human one (over-confident), and more than `margin` above (under-confident)."""
    where, params = sl.where(alias="s")
    df = store.df(f"SELECT s.training, s.reasoning, avg((({_MODEL_NORM}) < s.entropy_norm - ?)::DOUBLE) AS over, "
                  f"avg((({_MODEL_NORM}) > s.entropy_norm + ?)::DOUBLE) AS under, count(*) AS n "
                  f"FROM item_scores s JOIN tasks t ON t.task_id = s.task_id WHERE {where} GROUP BY ALL",
                  [margin, margin, *params])
    df = add_model_type(df).sort_values("over", ascending=False).reset_index(drop=True)
    return Result.of(df[["model_type", "over", "under", "n"]].assign(small_n=df["n"] < SMALL_N),
                     f"No scored items in this slice ({sl.sentence()}).")
