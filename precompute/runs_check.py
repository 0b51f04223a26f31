"""Validation of model distributions at the boundary: unknown items, wrong vector length,
negative shares or shares not summing to 1 fail loudly, naming the run, row and field.
Vectorised per task, because real studies validate millions of rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

from precompute.study import RunData, StudyError

SUM_TOLERANCE = 1e-3


def validate_run(rd: RunData, probs_by_task: dict) -> None:
    where = f"run {rd.run.run_id!r}"
    d = rd.dists
    missing = {"task_id", "item_id", "probs"} - set(d.columns)
    if missing:
        raise StudyError(f"{where}: distributions lack column(s) {sorted(missing)}")
    dup = d.duplicated(["task_id", "item_id"]).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise StudyError(f"{where}, row {row}: item {d['item_id'].iloc[row]!r} appears twice")
    unknown = ~d["task_id"].isin(list(probs_by_task)).to_numpy()
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise StudyError(f"{where}, row {row}, field task_id: unknown task {d['task_id'].iloc[row]!r}")
    for task_id, rows in d.groupby("task_id", sort=False).indices.items():
        index, _, task = probs_by_task[task_id]
        _check_task_rows(d, rows, index, len(task.labels), task_id, where)


def _check_task_rows(d: pd.DataFrame, rows: np.ndarray, index: pd.Index, k: int, task_id: str, where: str):
    bad = index.get_indexer(d["item_id"].iloc[rows].astype(str)) < 0
    if bad.any():
        row = int(rows[np.flatnonzero(bad)[0]])
        raise StudyError(f"{where}, row {row}, field item_id: unknown item {d['item_id'].iloc[row]!r} "
                         f"in task {task_id!r}")
    vectors = d["probs"].iloc[rows]
    lengths = np.fromiter((np.size(v) for v in vectors), dtype=np.int64, count=len(rows))
    if (lengths != k).any():
        i = int(np.flatnonzero(lengths != k)[0])
        raise StudyError(f"{where}, row {int(rows[i])}, field probs: expected {k} probabilities, "
                         f"got {lengths[i]}")
    p = np.stack([np.asarray(v, dtype=float) for v in vectors]) if len(rows) else np.zeros((0, k))
    finite = np.isfinite(p).all(axis=1) & (p >= 0).all(axis=1)
    sums = p.sum(axis=1)
    bad = ~finite | (np.abs(sums - 1.0) > SUM_TOLERANCE)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = (f"probabilities must be finite and non-negative, got {p[i].tolist()}" if not finite[i]
                else f"probabilities sum to {sums[i]:.4f}, not 1 (tolerance {SUM_TOLERANCE})")
        raise StudyError(f"{where}, row {int(rows[i])}, field probs: {what}")
