"""Human distributions and band assignment, vectorised over all items of a study."""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.bands import BAND_SCHEMES
from data_layer.metrics import entropy_nats, gini, majority_index
from precompute.study import HumanData, StudyError


def validate_human(hd: HumanData) -> None:
    task = hd.task
    counts = np.asarray(hd.counts)
    where = f"task {task.task_id!r}"
    if counts.ndim != 2 or counts.shape[1] != len(task.labels):
        raise StudyError(f"{where}: counts must have one column per label ({len(task.labels)}), "
                         f"got shape {counts.shape}")
    if len(hd.items) != len(counts):
        raise StudyError(f"{where}: {len(hd.items)} items but {len(counts)} count rows")
    if len(counts) and (counts < 0).any():
        row = int(np.argwhere(counts < 0)[0][0])
        raise StudyError(f"{where}: negative label count for item {hd.items['item_id'].iloc[row]!r}")
    for col in ("item_id", "text"):
        if col not in hd.items.columns:
            raise StudyError(f"{where}: items lack the {col!r} column")
    dup = hd.items["item_id"].astype(str).duplicated()
    if dup.any():
        raise StudyError(f"{where}: item id {hd.items['item_id'][dup].iloc[0]!r} appears twice")


def human_frame(hd: HumanData, min_annotators: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(items kept, human_dist rows without bands, number of items dropped for too few ratings)."""
    validate_human(hd)
    counts = np.asarray(hd.counts, dtype=np.int64)
    n = counts.sum(axis=1)
    keep = n >= min_annotators
    items = hd.items.loc[keep].reset_index(drop=True).copy()
    items["item_id"] = items["item_id"].astype(str)
    counts, n = counts[keep], n[keep]
    if (n == 0).any():  # only with min_annotators < 1: an item nobody rated has no distribution
        raise StudyError(f"task {hd.task.task_id!r}, item {items['item_id'][n == 0].iloc[0]!r}: no ratings; "
                         f"min_annotators = {min_annotators} keeps items nobody rated, but a human "
                         "distribution needs at least one rating (set min_annotators to 1 or more)")
    k = counts.shape[1]
    probs = counts / np.maximum(n, 1)[:, None]
    ent = entropy_nats(probs)
    maj = majority_index(probs) if len(probs) else np.zeros(0, dtype=int)
    labels = np.array(hd.task.labels, dtype=object)
    dist = pd.DataFrame({
        "task_id": hd.task.task_id, "item_id": items["item_id"].to_numpy(),
        "counts": list(counts), "probs": list(probs), "n_annotators": n.astype(np.int32),
        "entropy": ent, "entropy_norm": np.clip(ent / np.log(k), 0.0, 1.0),
        "gini": gini(probs) if len(probs) else np.zeros(0),
        "pos_share": probs[:, 1] if k == 2 else np.full(len(probs), np.nan),
        "majority": np.where(maj >= 0, labels[np.maximum(maj, 0)], None),
        "majority_index": np.where(maj >= 0, maj, -1),
    })
    dist["majority_index"] = dist["majority_index"].astype("Int32").mask(dist["majority_index"] < 0)
    return items, dist, int((~keep).sum())


def assign_bands(dist: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Adds one band column per scheme; returns (dist, band_edges)."""
    dist = dist.copy()
    edges = []
    for scheme in BAND_SCHEMES:
        bands, scheme_edges = scheme.assign(dist)
        dist[scheme.column] = bands
        for e in scheme_edges:
            mask = (dist["task_id"] == e["task_id"]) & (dist[scheme.column] == e["band"])
            edges.append({"scheme": scheme.name, **e, "n_items": int(mask.sum())})
    return dist, pd.DataFrame(edges, columns=["scheme", "task_id", "band", "lower", "upper", "n_items"])
