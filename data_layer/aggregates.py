"""Every statistic a page shows for a group of run x item rows, in one place.

Per-item metrics (tvd, jsd, ...) are averaged; aggregate metrics are computed from the helper
columns stored beside them in `item_scores` (definitions in `data_layer.metrics`), always per
run x task unit (runs of different models, and tasks with different labels and K, are never
pooled into one correlation or F1), then averaged over the units weighted by their item counts:

- var_corr: Pearson r of human_gini and model_gini over the unit's items.
- entropy_spearman: Spearman rho (average ranks) of human_entropy and model_entropy.
- f1: on a binary task (human_pos defined), binary F1 of the positive (second) label with
  truth 1[human_pos > .5] and prediction 1[model_pos > .5], items where either is .5 dropped
  (Ni et al.); otherwise macro-F1 of model_argmax against human_majority, tied human
  majorities dropped.

A unit is undefined (left out of the mean, and counted) when it has fewer than 3 items for a
correlation, a constant input, or no positive label for F1. `statistic(metric, frame)` returns
a `data_layer.stats` statistic (`UnitMean` for aggregate metrics), so the same definition gives
the point value (`value`, `summary`) and the bootstrap interval (`data_layer.stats.bootstrap`).
The frame must carry run_id and task_id (`columns_for` lists both for aggregate metrics).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.metrics import METRICS
from data_layer.stats import F1, Mean, Pearson, Spearman, UnitMean, estimate

MIN_ITEMS = {"var_corr": 3, "entropy_spearman": 3, "f1": 1}  # fewer items: the unit is undefined
UNIT = ("run_id", "task_id")  # the unit an aggregate metric is computed in
# item_scores columns each metric needs
NEEDS = {"var_corr": (*UNIT, "human_gini", "model_gini"),
         "entropy_spearman": (*UNIT, "human_entropy", "model_entropy"),
         "f1": (*UNIT, "human_pos", "model_pos", "human_majority", "model_argmax")}


def columns_for(metric: str) -> tuple[str, ...]:
    """The item_scores columns needed to compute `metric` for a group of rows."""
    m = METRICS.get(metric)
    return (m.name,) if m.level == "item" else NEEDS[m.name]


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def f1_statistic(frame: pd.DataFrame) -> F1:
    """F1 of the rows of one task: binary F1 of the positive label if the task is binary,
    else macro-F1 of model_argmax against human_majority."""
    hp, mp = _num(frame, "human_pos"), _num(frame, "model_pos")
    if len(frame) and not np.isnan(hp).all():  # binary task
        drop = np.isnan(hp) | np.isnan(mp) | np.isclose(hp, 0.5) | np.isclose(mp, 0.5)
        truth = np.where(drop, -1, (hp > 0.5).astype(np.int64))
        pred = np.where(drop, -1, (mp > 0.5).astype(np.int64))
        return F1(truth, pred, k=2, positive=1)
    hm, ma = _num(frame, "human_majority"), _num(frame, "model_argmax")
    truth, pred = np.where(np.isnan(hm), -1, hm).astype(np.int64), np.where(np.isnan(ma), -1, ma).astype(np.int64)
    return F1(truth, pred, k=int(max(truth.max(initial=-1), pred.max(initial=-1)) + 1))


def unit_statistic(metric: str, frame: pd.DataFrame):
    """The statistic of aggregate `metric` over the rows of ONE run x task unit."""
    if metric == "var_corr":
        return Pearson(_num(frame, "human_gini"), _num(frame, "model_gini"))
    if metric == "entropy_spearman":
        return Spearman(_num(frame, "human_entropy"), _num(frame, "model_entropy"))
    if metric == "f1":
        return f1_statistic(frame)
    raise NotImplementedError(f"no computation declared for aggregate metric {metric!r}")


def _unit_rows(frame: pd.DataFrame) -> dict:
    """(run_id, task_id) -> row positions of that unit in `frame`."""
    if missing := [c for c in UNIT if c not in frame]:
        raise KeyError(f"aggregate metrics are computed per run x task: the rows lack {missing}")
    (rc, runs), (tc, tasks) = (pd.factorize(frame[c].astype(str), sort=True) for c in UNIT)
    joint = rc.astype(np.int64) * max(len(tasks), 1) + tc
    order = np.argsort(joint, kind="stable")
    cuts = np.flatnonzero(np.diff(joint[order])) + 1
    return {(runs[joint[g[0]] // max(len(tasks), 1)], tasks[joint[g[0]] % max(len(tasks), 1)]): g
            for g in np.split(order, cuts) if len(g)}


def statistic(metric: str, frame: pd.DataFrame):
    """The statistic of `metric` over the rows of `frame` (one row per run x item)."""
    m = METRICS.get(metric)
    if m.level == "item":
        return Mean(_num(frame, m.name))
    units = [(unit_statistic(m.name, frame.iloc[idx]), idx) for idx in _unit_rows(frame).values()]
    return UnitMean(units, len(frame), MIN_ITEMS[m.name])


def value(metric: str, frame: pd.DataFrame) -> tuple[float | None, int]:
    """(value, n rows it rests on) of `metric` over `frame`; value None when undefined
    (no rows, or every run x task unit undefined)."""
    stat = statistic(metric, frame)
    return (estimate(stat) if stat.n else None), stat.n


def unit_values(metric: str, frame: pd.DataFrame) -> list[tuple[str, str, float | None, int]]:
    """Per run x task unit of `frame`: (run_id, task_id, value or None when undefined, n rows the
    value rests on). The same rule as `statistic` (units under MIN_ITEMS rows are undefined), one
    pass over the units, for the build's pre-computed unit table."""
    out = []
    for (run, task), idx in _unit_rows(frame).items():
        stat = unit_statistic(metric, frame.iloc[idx])
        value = estimate(stat) if stat.n >= MIN_ITEMS[metric] else None
        out.append((run, task, value, stat.n if value is not None else 0))
    return out


def summary(metric: str, frame: pd.DataFrame) -> tuple[float | None, int, int, int]:
    """Aggregate `metric` over `frame`: (value, n items used, units used, units left out)."""
    stat = statistic(metric, frame)
    return (estimate(stat) if stat.n else None), stat.n, stat.n_units - stat.n_undefined, stat.n_undefined


def statistic_label(metric: str) -> str:
    """'mean TVD' for per-item metrics, the metric's label for aggregate ones."""
    m = METRICS.get(metric)
    return f"mean {m.label}" if m.level == "item" else m.label
