"""Annotator sampling noise floor, per item and per item metric (computed at build time).

For an item with n annotators and observed human shares h, draw R label-count vectors
c ~ Multinomial(n, h) (a fresh panel of the same size from the same population), and store the
mean over draws of metric(h, c / n). A model that predicted the population distribution
perfectly would still score about this against the observed panel, so it is the reference line
"a perfect model would still score about this". Seeded per task, vectorised over items and
draws (one multinomial call per chunk of items), computed once per distinct count vector, and
with the same metric code as the models' scores (`data_layer.metrics.compute_item_metrics`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.metrics import ITEM_METRICS, compute_item_metrics

N_DRAWS = 200
ROWS_PER_CHUNK = 400_000  # items x draws per block, bounds memory on large tasks


def noise_floor_for_task(task_id: str, counts: np.ndarray, ordinal: bool, seed: int,
                         n_draws: int = N_DRAWS) -> pd.DataFrame:
    """One row per item (in the order of `counts`): n_draws and the expected metric values.
    Items with the same label counts share one estimate (the expectation depends on the counts
    only), which makes large tasks with small panels cheap."""
    counts = np.asarray(counts, dtype=np.int64)
    unique, inverse = np.unique(counts, axis=0, return_inverse=True)
    per_unique = _expected(task_id, unique, ordinal, seed, n_draws)
    return per_unique.iloc[inverse.ravel()].reset_index(drop=True)


def _expected(task_id: str, counts: np.ndarray, ordinal: bool, seed: int, n_draws: int) -> pd.DataFrame:
    n = counts.sum(axis=1)
    h = counts / np.maximum(n, 1)[:, None]
    rng = np.random.default_rng([seed, 7919, *task_id.encode()])
    out = {m: np.empty(len(h)) for m in ITEM_METRICS}
    step = max(1, ROWS_PER_CHUNK // n_draws)
    for a in range(0, len(h), step):
        hh, nn = h[a:a + step], n[a:a + step]
        draws = rng.multinomial(nn, hh, size=(n_draws, len(hh)))  # draws x items x K
        resampled = (draws / np.maximum(nn, 1)[None, :, None]).reshape(-1, h.shape[1])
        human = np.broadcast_to(hh, (n_draws, *hh.shape)).reshape(-1, h.shape[1])
        metrics = compute_item_metrics(human, resampled, ordinal)
        for m in ITEM_METRICS:  # mean over the draws where the metric is defined
            vals = metrics[m].reshape(n_draws, len(hh))
            ok = ~np.isnan(vals)
            total, k = np.where(ok, vals, 0.0).sum(axis=0), ok.sum(axis=0)
            out[m][a:a + step] = np.where(k > 0, total / np.maximum(k, 1), np.nan)
    return pd.DataFrame({"n_draws": np.full(len(h), n_draws, dtype=np.int32), **out})


def noise_floor_frame(dist: pd.DataFrame, ordinal_tasks: set[str], seed: int) -> pd.DataFrame:
    """noise_floor rows for every item of `dist` (human_dist rows with task_id, item_id, counts)."""
    parts = []
    for task_id, part in dist.groupby("task_id", sort=True):
        counts = np.stack(part["counts"].to_numpy())
        nf = noise_floor_for_task(task_id, counts, task_id in ordinal_tasks, seed)
        parts.append(pd.concat([part[["task_id", "item_id"]].reset_index(drop=True), nf], axis=1))
    return pd.concat(parts, ignore_index=True)
