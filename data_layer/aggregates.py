"""Every statistic a page shows for a group of run x item rows, in one place.

Per-item metrics (tvd, jsd, ...) are averaged; aggregate metrics are computed from the helper
columns stored beside them in `item_scores` (definitions in `data_layer.metrics`):

- var_corr: Pearson r of human_gini and model_gini over the rows.
- entropy_spearman: Spearman rho of human_entropy and model_entropy over the rows.
- f1: if every row is from a binary task, binary F1 of the positive (second) label with
  truth 1[human_pos > .5] and prediction 1[model_pos > .5], rows where either is exactly .5
  dropped (Ni et al.). Otherwise macro-F1 of model_argmax against human_majority (rows with a
  tied human majority dropped), the classes being (task, label) pairs, so a slice mixing tasks
  never confuses label 0 of one task with label 0 of another.

`statistic(metric, frame)` returns a `data_layer.stats` statistic, so the same definition
gives the point value (`value`) and the bootstrap interval (`data_layer.stats.bootstrap`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.metrics import METRICS
from data_layer.stats import F1, Mean, Pearson, Spearman, estimate

# item_scores columns each metric needs (besides the keys)
NEEDS = {"var_corr": ("human_gini", "model_gini"),
         "entropy_spearman": ("human_entropy", "model_entropy"),
         "f1": ("task_id", "human_pos", "model_pos", "human_majority", "model_argmax")}


def columns_for(metric: str) -> tuple[str, ...]:
    """The item_scores columns needed to compute `metric` for a group of rows."""
    m = METRICS.get(metric)
    return (m.name,) if m.level == "item" else NEEDS[m.name]


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def f1_statistic(frame: pd.DataFrame) -> F1:
    hp, mp = _num(frame, "human_pos"), _num(frame, "model_pos")
    if len(frame) and not np.isnan(mp).any() and not np.isnan(hp).any():  # all binary
        drop = (hp == 0.5) | (mp == 0.5)
        truth = np.where(drop, -1, (hp > 0.5).astype(np.int64))
        pred = np.where(drop, -1, (mp > 0.5).astype(np.int64))
        return F1(truth, pred, k=2, positive=1)
    hm, ma = _num(frame, "human_majority"), _num(frame, "model_argmax")
    task = frame["task_id"].astype(str).to_numpy()
    keys = pd.Series([f"{t}\x1f{int(v)}" if not np.isnan(v) else None
                      for t, v in zip(np.r_[task, task], np.r_[hm, ma], strict=True)])
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    n = len(frame)
    return F1(codes[:n], codes[n:], k=len(uniques))


def statistic(metric: str, frame: pd.DataFrame):
    """The statistic of `metric` over the rows of `frame` (one row per run x item)."""
    m = METRICS.get(metric)
    if m.level == "item":
        return Mean(_num(frame, m.name))
    if m.name == "var_corr":
        return Pearson(_num(frame, "human_gini"), _num(frame, "model_gini"))
    if m.name == "entropy_spearman":
        return Spearman(_num(frame, "human_entropy"), _num(frame, "model_entropy"))
    if m.name == "f1":
        return f1_statistic(frame)
    raise NotImplementedError(f"no computation declared for aggregate metric {m.name!r}")


def value(metric: str, frame: pd.DataFrame) -> tuple[float | None, int]:
    """(value, n rows it rests on) of `metric` over `frame`; value None when undefined
    (no rows, a constant column for a correlation, no positive label for F1)."""
    stat = statistic(metric, frame)
    return (estimate(stat, len(frame)) if stat.n else None), stat.n


def statistic_label(metric: str) -> str:
    """'mean TVD' for per-item metrics, the metric's label for aggregate ones."""
    m = METRICS.get(metric)
    return f"mean {m.label}" if m.level == "item" else m.label
