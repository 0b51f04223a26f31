"""Reference predictors added to every task at build time (training = baseline).

They answer "compared to what?": a model worse than `baseline:prior` has learnt nothing
item-specific about disagreement; `baseline:majority` is a hard, perfectly accurate
predictor, the best a model that always answers with certainty could do.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from precompute.study import ModelSpec, RunData, RunSpec, Study

BASELINES = {
    "baseline:uniform": "Uniform: 1/K for every label.",
    "baseline:prior": "Task prior: mean human distribution of the task's other items (leave-one-out); "
                      "where the task declares a train split (item metadata \"split\": \"train\"), the "
                      "mean over the other train items.",
    "baseline:majority": "Majority one-hot: all mass on the human majority label (first in scale "
                         "order when tied); perfectly accurate but maximally confident.",
}


def _prior(probs: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Mean of the pool's distributions leaving the item itself out (pool = train items if any
    are declared, else all items); uniform when the pool holds nothing but the item."""
    n, k = probs.shape
    pool = train if train.any() else np.ones(n, dtype=bool)
    total, size = probs[pool].sum(axis=0, keepdims=True), int(pool.sum())
    own = np.where(pool[:, None], probs, 0.0)
    others = size - pool.astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        prior = (total - own) / others[:, None]
    return np.where(others[:, None] > 0, prior, 1.0 / k)


def _train_mask(study: Study, task_id: str, item_ids: np.ndarray) -> np.ndarray:
    """Items whose metadata declares split = train (JSON metadata column)."""
    for hd in study.human:
        if hd.task.task_id == task_id and "metadata" in hd.items:
            splits = {str(i): (json.loads(m).get("split") if isinstance(m, str) and m.startswith("{") else None)
                      for i, m in zip(hd.items["item_id"], hd.items["metadata"], strict=True)}
            return np.array([splits.get(str(i)) == "train" for i in item_ids], dtype=bool)
    return np.zeros(len(item_ids), dtype=bool)


def _predictions(name: str, probs: np.ndarray, train: np.ndarray) -> np.ndarray:
    n, k = probs.shape
    if name == "baseline:uniform":
        return np.full((n, k), 1.0 / k)
    if name == "baseline:prior":
        return _prior(probs, train)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), probs.argmax(axis=1)] = 1.0
    return onehot


def baseline_runs(study: Study, dist: pd.DataFrame) -> list[RunData]:
    runs = []
    for name, description in BASELINES.items():
        model = ModelSpec(model_id=name, display_name=name, training="baseline", family="baseline",
                          provider="computed", simulation={"description": description})
        run = RunSpec(run_id=name, model_id=name, method="baseline", reasoning="none", steering="zero",
                      source="baseline", settings={"description": description})
        parts = []
        for task_id, part in dist.groupby("task_id", sort=True):
            probs = np.stack(part["probs"].to_numpy())
            train = _train_mask(study, task_id, part["item_id"].to_numpy())
            parts.append(pd.DataFrame({"task_id": task_id, "item_id": part["item_id"].to_numpy(),
                                       "probs": list(_predictions(name, probs, train))}))
        runs.append(RunData(model, run, pd.concat(parts, ignore_index=True)))
    return runs
