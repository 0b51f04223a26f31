"""Simulated per-annotator predictions for the demo store (documented as simulated; never evidence).

Two demo runs, one of a simulated RLHF/RLVR sibling pair, also "predict" each annotator's own label
(as a persona prompt or a LeWiDi 2025 task B system would), so the Perspectives page's task B views
have something to show out of the box. Each rating's prediction is the annotator's own label with
probability KNOWS (how much the run simulatedly knows of the person), else a draw from the run's
own distribution of the item. The numbers are chosen to make the views legible, not measured.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from precompute.study import HumanData, RunData

# (model_id, method, reasoning) -> share of ratings predicted from knowing the annotator
KNOWS = {("sim-chat-8b", "verbalized", "cot"): 0.45, ("sim-r1-distill-8b", "verbalized", "native"): 0.2}


def with_persona_predictions(rd: RunData, human: list[HumanData], seed: int) -> RunData:
    """`rd` with simulated annotator_labels on every task that has annotator ids (others unchanged)."""
    knows = KNOWS.get((rd.run.model_id, rd.run.method, rd.run.reasoning))
    if knows is None:
        return rd
    rng = np.random.default_rng([seed, 4200, len(rd.run.run_id)])
    parts = []
    for hd in human:
        if hd.annotations is None:
            continue
        dist = rd.dists[rd.dists["task_id"] == hd.task.task_id]
        probs = dict(zip(dist["item_id"].astype(str), dist["probs"], strict=True))
        a = hd.annotations[hd.annotations["item_id"].astype(str).isin(probs)]
        labels = np.asarray(hd.task.labels, dtype=object)
        drawn = [labels[rng.choice(len(labels), p=np.asarray(probs[str(i)], float) / np.sum(probs[str(i)]))]
                 for i in a["item_id"]]
        own = rng.random(len(a)) < knows
        parts.append(pd.DataFrame({"task_id": hd.task.task_id, "item_id": a["item_id"].astype(str).to_numpy(),
                                   "annotator_id": a["annotator_id"].astype(str).to_numpy(),
                                   "predicted": np.where(own, a["label"].to_numpy(dtype=object), drawn)}))
    if parts:
        rd.annotator_labels = pd.concat(parts, ignore_index=True)
        rd.notes.append(f"simulated per-annotator predictions (precompute/demo_persona.py, knows {knows:.0%})")
    return rd
