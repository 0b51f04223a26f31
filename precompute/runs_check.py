"""Validation of model distributions at the boundary: unknown items, wrong vector length,
negative shares or shares not summing to 1 fail loudly, naming the run, row and field."""
from __future__ import annotations

import numpy as np

from precompute.study import RunData, StudyError

SUM_TOLERANCE = 1e-3


def validate_run(rd: RunData, probs_by_task: dict) -> None:
    where = f"run {rd.run.run_id!r}"
    missing = {"task_id", "item_id", "probs"} - set(rd.dists.columns)
    if missing:
        raise StudyError(f"{where}: distributions lack column(s) {sorted(missing)}")
    if rd.dists.duplicated(["task_id", "item_id"]).any():
        row = int(np.flatnonzero(rd.dists.duplicated(["task_id", "item_id"]))[0])
        raise StudyError(f"{where}, row {row}: item {rd.dists['item_id'].iloc[row]!r} appears twice")
    for row, (task_id, item_id, probs) in enumerate(
            zip(rd.dists["task_id"], rd.dists["item_id"].astype(str), rd.dists["probs"])):
        if task_id not in probs_by_task:
            raise StudyError(f"{where}, row {row}, field task_id: unknown task {task_id!r}")
        index, _, task = probs_by_task[task_id]
        if item_id not in index:
            raise StudyError(f"{where}, row {row}, field item_id: unknown item {item_id!r} in task {task_id!r}")
        _check_vector(np.asarray(probs, dtype=float), len(task.labels), f"{where}, row {row}, field probs")


def _check_vector(p: np.ndarray, k: int, where: str) -> None:
    if p.shape != (k,):
        raise StudyError(f"{where}: expected {k} probabilities, got {p.size}")
    if not np.isfinite(p).all() or (p < 0).any():
        raise StudyError(f"{where}: probabilities must be finite and non-negative, got {p.tolist()}")
    if abs(p.sum() - 1.0) > SUM_TOLERANCE:
        raise StudyError(f"{where}: probabilities sum to {p.sum():.4f}, not 1 (tolerance {SUM_TOLERANCE})")
