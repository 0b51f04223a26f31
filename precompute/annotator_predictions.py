"""Per-annotator predictions (LeWiDi 2025 task B), made by an import (sources/annotator_labels.py) or
an elicited run with `predict = "annotators"` (elicit/persona.py): who rated what (`raters_in_order`),
the run's distribution from its predicted labels (`dists_from_labels`, the same for both sources), and
the build step that scores each prediction against the annotator's own label, into
`annotator_predictions`.

Per predicted rating (run, item, annotator), as task B's official evaluation does:
- nominal tasks: `error` = 1 if the predicted label is not the annotator's, else 0; an item's error
  rate is the mean over its predicted annotators, a run's the mean over items (MP; for VariErrNLI,
  whose NLI labels are three binary tasks here, the official score is the mean of the three tasks');
- ordinal tasks: `error` = |position of predicted label - position of the annotator's| / number of
  scale points (the official script divides by 6 for CSC's 1-6 and by 11 for Paraphrase's -5..5).
`crowd_error` is the same for a prediction that uses no knowledge of the annotator: the most common
label of the item's *other* annotators (ties: the first label), or on ordinal tasks their median
(the lower one). A run that knows its annotators should beat it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_layer.bands import BAND_SCHEMES
from precompute.study import HumanData

_bands = ", ".join(f"h.{s.column}" for s in BAND_SCHEMES)
RAW_DDL = """CREATE TEMP TABLE _predicted_labels (run_id VARCHAR NOT NULL, task_id VARCHAR NOT NULL,
    item_id VARCHAR NOT NULL, annotator_id VARCHAR NOT NULL, predicted VARCHAR NOT NULL)"""


def write_annotator_predictions(con, insert) -> int:
    """Score every row of _predicted_labels (filled by the builder per run) into annotator_predictions;
    the number of scored ratings."""
    raw = con.execute(f"""
        SELECT p.run_id, p.task_id, p.item_id, h.item_key, t.dataset, p.annotator_id, a.label, p.predicted,
               t.labels, t.scale, h.counts, {_bands}
        FROM _predicted_labels p JOIN tasks t USING (task_id)
        JOIN human_dist h ON h.task_id = p.task_id AND h.item_id = p.item_id
        JOIN annotations a ON a.task_id = p.task_id AND a.item_id = p.item_id AND a.annotator_id = p.annotator_id
        ORDER BY p.run_id, p.task_id, p.item_id, p.annotator_id""").df()
    con.execute("DROP TABLE _predicted_labels")
    if not len(raw):
        return 0
    parts = [_scored(part) for _, part in raw.groupby("task_id", sort=False)]
    out = pd.concat(parts).sort_values(["run_id", "task_id", "item_key", "annotator_id"], ignore_index=True)
    insert(con, "annotator_predictions", out.drop(columns=["labels", "scale", "counts"]))
    return len(out)


def _scored(part: pd.DataFrame) -> pd.DataFrame:
    """One task's rows with error, crowd_label and crowd_error."""
    labels = list(part["labels"].iloc[0])
    k, ordinal = len(labels), part["scale"].iloc[0] == "ordinal"
    pos = {lab: i for i, lab in enumerate(labels)}
    own = part["label"].map(pos).to_numpy()
    guess = part["predicted"].map(pos).to_numpy()
    others = np.stack(part["counts"].map(lambda c: np.asarray(c, dtype=np.int64)).to_numpy())
    others[np.arange(len(own)), own] -= 1  # the item's ratings without this annotator's
    crowd = lower_median(others) if ordinal else others.argmax(axis=1)
    crowd = np.where(others.sum(axis=1) > 0, crowd, -1)
    return part.assign(error=rating_error(own, guess, k, ordinal),
                       crowd_label=[labels[c] if c >= 0 else None for c in crowd],
                       crowd_error=np.where(crowd >= 0, rating_error(own, np.maximum(crowd, 0), k, ordinal), np.nan))


def rating_error(own: np.ndarray, guess: np.ndarray, k: int, ordinal: bool) -> np.ndarray:
    """Task B's per-rating error: 0/1 mismatch (nominal) or |distance| / number of scale points (ordinal)."""
    if ordinal:
        return np.abs(own - guess) / k
    return (own != guess).astype(float)


def lower_median(counts: np.ndarray) -> np.ndarray:
    """Per row of label counts, the index of the lower median label (the ceil(n/2)-th smallest)."""
    need = (counts.sum(axis=1) + 1) // 2
    return (np.cumsum(counts, axis=1) >= need[:, None]).argmax(axis=1)


def raters_in_order(hd: HumanData) -> dict[str, list[str]]:
    """item_id -> the item's annotator ids in the order the reader met their ratings (each once)."""
    a = hd.annotations
    if a is None or "annotator_id" not in a or not a["annotator_id"].notna().any():
        return {}
    a = a[a["annotator_id"].notna()]
    out: dict[str, list[str]] = {}
    for item, person in zip(a["item_id"].astype(str), a["annotator_id"].astype(str), strict=True):
        people = out.setdefault(item, [])
        if person not in people:
            people.append(person)
    return out


def dists_from_labels(rows: pd.DataFrame, tasks: dict[str, HumanData]) -> pd.DataFrame:
    """Per item, the share of its predicted annotators given each label (n_valid: how many)."""
    out = []
    for (task_id, item), part in rows.groupby(["task_id", "item_id"], sort=False):
        labels = tasks[task_id].task.labels
        counts = part["predicted"].value_counts().reindex(labels, fill_value=0).to_numpy(dtype=float)
        out.append((task_id, item, counts / counts.sum(), int(counts.sum()), 0, None))
    return pd.DataFrame(out, columns=["task_id", "item_id", "probs", "n_valid", "n_failed", "covered_mass"])
