"""RLVR vs RLHF siblings: models sharing a pair_id (e.g. an R1 distill and the chat model of
the same base), compared run by run where they were elicited the same way."""
from __future__ import annotations

import pandas as pd

from data_layer.facets import REASONING_LABELS
from data_layer.metrics import METRICS
from data_layer.queries.common import sort_bands
from data_layer.queries.per_run import run_values
from data_layer.slice import Slice
from data_layer.store import Result, Store

_SIDE = ["run_id", "display_name", "reasoning", "model_type", "mean", "n", "small_n"]


def sibling_pairs(store: Store, sl: Slice) -> Result:
    """One row per (pair, method, steering, RLHF run, RLVR run, band): both sides' mean and n,
    and diff = RLVR − RLHF. Runs are matched on method and steering; a model with two runs of
    the same method (e.g. with and without CoT) is matched with each sibling run."""
    res = run_values(store, sl, by_band=True)
    if not res.ok:
        return res
    df = res.frame.dropna(subset=["pair_id"])
    on = ["pair_id", "method", "steering", "band"]
    rlhf = df[df["training"] == "rlhf"][on + _SIDE]
    rlvr = df[df["training"] == "rlvr"][on + _SIDE]
    out = rlhf.merge(rlvr, on=on, suffixes=("_rlhf", "_rlvr"))
    if not len(out):
        return Result(None, "No RLVR model and its RLHF sibling (same pair_id) were elicited the same "
                            "way (method and steering) in this slice. Include both trainings and "
                            "a shared method.")
    out["diff"] = out["mean_rlvr"] - out["mean_rlhf"]
    out["better"] = _better(out, METRICS.get(sl.metric).direction)
    out["comparison"] = [f"{p} · {m} · {s}-shot · {REASONING_LABELS.get(a, a)} vs {REASONING_LABELS.get(b, b)}"
                         for p, m, s, a, b in zip(out["pair_id"], out["method"], out["steering"],
                                                  out["reasoning_rlhf"], out["reasoning_rlvr"], strict=True)]
    return Result(sort_bands(out, sl.band_scheme, first=("pair_id", "method", "steering")), res.message)


def _better(out: pd.DataFrame, direction: str) -> list[str]:
    a, b = out["mean_rlhf"], out["mean_rlvr"]
    if direction == "zero":
        a, b = a.abs(), b.abs()
    rlvr_better = b > a if direction == "higher" else b < a
    return ["tie" if x == y else ("RLVR" if w else "RLHF") for x, y, w in zip(a, b, rlvr_better, strict=True)]


def pair_long(frame: pd.DataFrame) -> pd.DataFrame:
    """sibling_pairs output in long form (one row per side) for side-by-side charts."""
    sides = []
    for side in ("rlhf", "rlvr"):
        part = frame[["comparison", "band", *[f"{c}_{side}" for c in _SIDE]]]
        sides.append(part.rename(columns={f"{c}_{side}": c for c in _SIDE}).assign(side=side.upper()))
    return pd.concat(sides, ignore_index=True)
