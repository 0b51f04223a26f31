"""Reference predictors added to every task at build time (training = baseline).

They answer "compared to what?": a model worse than `baseline:prior` has learnt nothing
item-specific about disagreement; `baseline:majority` is a hard, perfectly accurate
predictor, the best a model that always answers with certainty could do.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from precompute.study import ModelSpec, RunData, RunSpec, Study

BASELINES = {
    "baseline:uniform": "Uniform: 1/K for every label.",
    "baseline:prior": "Task prior: mean human distribution of the task's other items (leave-one-out).",
    "baseline:majority": "Majority one-hot: all mass on the human majority label (first in scale "
                         "order when tied); perfectly accurate but maximally confident.",
}


def _predictions(name: str, probs: np.ndarray) -> np.ndarray:
    n, k = probs.shape
    if name == "baseline:uniform":
        return np.full((n, k), 1.0 / k)
    if name == "baseline:prior":
        if n == 1:
            return np.full((1, k), 1.0 / k)
        return (probs.sum(axis=0, keepdims=True) - probs) / (n - 1)
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
            parts.append(pd.DataFrame({"task_id": task_id, "item_id": part["item_id"].to_numpy(),
                                       "probs": list(_predictions(name, probs))}))
        runs.append(RunData(model, run, pd.concat(parts, ignore_index=True)))
    return runs
