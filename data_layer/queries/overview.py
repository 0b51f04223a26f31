"""The Overview's question: how well does each model type match the human distribution,
per disagreement band (and per task)? Also the sentence that states what the numbers show."""
from __future__ import annotations

import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import METRICS, Metric
from data_layer.queries.aggregates import aggregate_by
from data_layer.queries.common import SMALL_N, add_model_type, mark_small_n, sort_bands
from data_layer.slice import Slice
from data_layer.stats import CONFIDENCE
from data_layer.store import Result, Store

__all__ = ["SMALL_N", "means_by_band", "headline"]


def _type_means(store: Store, sl: Slice, by_task: bool) -> pd.DataFrame:
    """Means from the pre-aggregated score_sums table (a few thousand rows at any scale)."""
    metric = METRICS.get(sl.metric).name
    where, params = sl.where()
    task_col = "task_id, " if by_task else ""
    return store.df(
        f"SELECT {task_col}training, reasoning, {sl.band_column} AS band, "
        f"sum(sum_{metric}) / nullif(sum(n_{metric}), 0) AS mean, sum(n_{metric})::BIGINT AS n, "
        f"count(DISTINCT run_id) AS n_runs FROM score_sums WHERE {where} GROUP BY ALL", params)


def means_by_band(store: Store, sl: Slice, by_task: bool = False) -> Result:
    """Per model type (training x reasoning) and band (and task): the metric's mean with n
    scored run x item rows. Aggregate metrics come from `aggregates.aggregate_by`."""
    empty = f"No scored items in this slice ({sl.sentence()}). Widen the filters."
    keys = ("task_id",) if by_task else ()
    if METRICS.get(sl.metric).level == "aggregate":
        res = aggregate_by(store, sl, sl.metric, ("model_type", "band", *keys))
        if not res.ok:
            return res
        df, note = res.frame, res.message
    else:
        df = _type_means(store, sl, by_task)
        df, note = add_model_type(df[df["n"] > 0].copy()), ""
    if not len(df):
        return Result(None, empty)
    df = sort_bands(mark_small_n(df), sl.band_scheme, first=keys, then=("model_type",))
    return Result(df, note)


def _fmt(metric: Metric, v: float) -> str:
    return f"{v:.3f}"


def _ci(row) -> str:
    """', 95% CI lo–hi' when the frame carries an interval (means_with_intervals), else ''."""
    lo, hi = row.get("lo"), row.get("hi")
    return "" if lo is None or hi is None or lo != lo or hi != hi else f", {CONFIDENCE:.0%} CI {lo:.3f}–{hi:.3f}"


def _where(band: str) -> str:
    return {"highvar": "on high-variance items", "rest": "on the other items"}.get(
        band, f"in the {band}-disagreement band")


def _rank(df: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """Best first, according to the metric's direction."""
    key = {"lower": df["mean"], "higher": -df["mean"], "zero": df["mean"].abs()}[metric.direction]
    return df.assign(_k=key).sort_values(["_k", "model_type"]).drop(columns="_k")


def _training_gap(top: pd.DataFrame, metric: Metric, where: str) -> str:
    """RLVR vs RLHF pooled over reasoning modes (n-weighted), the paper's question in one line."""
    training = top["model_type"].str.split(" · ").str[0]
    pooled = {}
    for name in ("RLVR", "RLHF"):
        part = top[training == name]
        if len(part):
            pooled[name] = ((part["mean"] * part["n"]).sum() / part["n"].sum(), int(part["n"].sum()))
    if len(pooled) < 2:
        return ""
    (v, nv), (h, nh) = pooled["RLVR"], pooled["RLHF"]
    better = {"lower": v < h, "higher": v > h, "zero": abs(v) < abs(h)}[metric.direction]
    verdict = "the same" if v == h else f"RLVR {'better' if better else 'worse'} by {abs(v - h):.3f}"
    return (f"{where.capitalize()}, RLVR models score {v:.3f} (n={nv:,}) and RLHF models {h:.3f} "
            f"(n={nh:,}), pooled over reasoning modes: {verdict} ({metric.label}, {metric.direction_text}). ")


def headline(frame: pd.DataFrame | None, metric_name: str, scheme: str, training_gap: bool = True) -> str:
    """Sentences computed from a means_by_band frame, about the most-disagreement band present:
    RLVR vs RLHF pooled over reasoning modes (when both are there), which model type is best and
    worst and by how much, and how that gap compares with the least-disagreement band.
    Baselines are reference points, not contestants. `training_gap=False` (for pages that state
    the paired verdict with its interval instead) leaves out the pooled RLVR vs RLHF sentence and
    the unqualified "widens/narrows" claim. Values carry their interval when the frame has lo/hi
    (means_with_intervals). Rows whose mean is undefined (None) are left out."""
    metric = METRICS.get(metric_name)
    if frame is None or not len(frame):
        return "There is nothing to compare in this slice."
    models = frame[(frame["model_type"] != "Baseline") & frame["mean"].notna()]
    if not len(models):
        return "Only baselines are in this slice: no model run matches its filters."
    bands = [b for b in BAND_SCHEMES.get(scheme).bands if b in set(models["band"])]
    top = _rank(models[models["band"] == bands[-1]], metric)
    where = _where(bands[-1])
    best, worst = top.iloc[0], top.iloc[-1]
    if len(top) == 1:
        return (f"Only one model type, {best.model_type}, is in this slice: {metric.label} "
                f"{_fmt(metric, best['mean'])} {where} (n={best.n:,}).")
    gap = abs(worst["mean"] - best["mean"])
    pooled = _training_gap(top, metric, where) if training_gap else ""  # the title's question first
    text = pooled + (f"{'By model type' if pooled else where.capitalize()}, {best.model_type} does best "
                     f"({metric.label} {_fmt(metric, best['mean'])}{_ci(best)}, n={best.n:,}) and "
                     f"{worst.model_type} worst ({_fmt(metric, worst['mean'])}{_ci(worst)}, n={worst.n:,}): "
                     f"a gap of {gap:.3f} ({metric.direction_text}).")
    if len(bands) > 1:
        low = models[models["band"] == bands[0]].set_index("model_type")["mean"]
        if best.model_type in low.index and worst.model_type in low.index:
            low_gap = abs(low[worst.model_type] - low[best.model_type])
            text += f" {_where(bands[0]).capitalize()} the same two differ by {low_gap:.3f}"
            # the change of a gap has no interval of its own: no widens/narrows claim next to a verdict
            text += (f", so the gap {'widens' if gap > low_gap else 'narrows'} as people disagree more."
                     if training_gap else ".")
    if top["small_n"].any():
        text += f" Some values rest on fewer than {SMALL_N} scored items (marked ⚠); read them with care."
    return text
