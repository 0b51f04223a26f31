"""Simulated annotators with simulated demographics for the demo store (documented as simulated).

A pool of POOL_SIZE simulated people (gender, age in years, a few 'prefer not to say' and
'DATA_EXPIRED' values, as real files have) rates the demo's items. Each item's label counts are
drawn first (precompute/demo.py) and left unchanged; the labels are then handed out to a random
panel of the pool by each person's simulated leaning plus noise, so some groups really do rate
differently: on the offensiveness scale women and older people give higher ratings, on the sarcasm
scale younger people do, on NLI nobody leans. None of this is evidence about real people.
The binary offensiveness task keeps only label counts, like a source without annotator ids.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from precompute.study import to_json

POOL_SIZE = 160
GENDERS = np.array(["Woman", "Man", "Non-binary", "prefer not to say"])
GENDER_WEIGHTS = np.array([0.47, 0.45, 0.05, 0.03])
# leaning per task: (weight of being a woman, weight per decade of age above 45); noise sd 1
LEANINGS = {"demo-offensiveness-scale": (1.2, 0.5), "demo-sarcasm": (0.0, -0.8), "demo-nli": (0.0, 0.0)}


def annotator_pool(seed: int) -> pd.DataFrame:
    """annotator_id, dataset, demographics (JSON), and the hidden columns woman, age used for leanings."""
    rng = np.random.default_rng([seed, 3000])
    gender = rng.choice(GENDERS, size=POOL_SIZE, p=GENDER_WEIGHTS)
    age = rng.integers(18, 76, size=POOL_SIZE)
    expired = rng.random(POOL_SIZE) < 0.04  # as in MultiPICo's meta file
    demo = [to_json({"gender": str(g), "age": "DATA_EXPIRED" if e else int(a), "simulated": True})
            for g, a, e in zip(gender, age, expired, strict=True)]
    return pd.DataFrame({"annotator_id": [f"sim-ann-{i:03d}" for i in range(POOL_SIZE)], "dataset": "demo",
                         "demographics": demo, "woman": gender == "Woman", "age": age.astype(float)})


def assign_ratings(task_id: str, item_ids, counts: np.ndarray, pool: pd.DataFrame, labels: list[str],
                   seed: int, t_index: int, leaning: tuple[float, float] | None = None) -> pd.DataFrame:
    """item_id, annotator_id, label: each item's counts handed to a panel drawn from the pool, in the
    order of each panel member's leaning plus noise (higher leaning -> later label)."""
    rng = np.random.default_rng([seed, 3100 + t_index])
    w_woman, w_age = leaning if leaning is not None else LEANINGS[task_id]
    lean = w_woman * pool["woman"].to_numpy() + w_age * (pool["age"].to_numpy() - 45) / 10
    ids, out_items, out_ann, out_lab = pool["annotator_id"].to_numpy(), [], [], []
    for item_id, c in zip(item_ids, counts, strict=True):
        n = int(c.sum())
        panel = rng.choice(len(pool), size=n, replace=False)
        order = panel[np.argsort(lean[panel] + rng.normal(size=n), kind="stable")]
        out_items += [item_id] * n
        out_ann += list(ids[order])
        out_lab += list(np.repeat(np.asarray(labels, dtype=object), c))
    return pd.DataFrame({"item_id": out_items, "annotator_id": out_ann, "label": out_lab})
