"""Stratified item samples: `sample_per_band = N` in a [[dataset]] keeps at most N items of each
disagreement band of each of its tasks.

A study that sends every item to a model costs one request per item and sample; a real study on
a small budget samples. Sampling per band rather than at random keeps the high-disagreement band,
which is the smallest in most tasks and the one the research question is about, large enough to
compare. The same sample is drawn by `elicit` and by `build` (both read the study through
`config.load_human`), so the answers and the store always cover the same items. What was left out
is written to the task's notes (Data page, build report), never dropped silently.
"""
from __future__ import annotations

import numpy as np

from data_layer.bands import BAND_SCHEMES
from precompute.human import human_frame
from precompute.study import HumanData, keyed_rng


def _rng(seed: int, task_id: str) -> np.random.Generator:
    # one stream per task, so adding a dataset to the study does not change another task's sample
    return keyed_rng(seed, "sample", task_id)


def sample_per_band(hd: HumanData, per_band: int, scheme: str, seed: int, min_annotators: int) -> HumanData:
    """At most `per_band` items of each band of `scheme` (items with fewer than `min_annotators`
    ratings are never drawn: the build would drop them). Bands are those of the whole task, before
    sampling. Items keep their original order."""
    band_scheme = BAND_SCHEMES.get(scheme)
    items, dist, _ = human_frame(hd, min_annotators)
    if dist.empty:
        return hd
    bands, _ = band_scheme.assign(dist)
    rng = _rng(seed, hd.task.task_id)
    chosen: set[str] = set()
    kept_per_band = []
    for band in band_scheme.bands:
        ids = dist["item_id"].to_numpy()[bands == band]
        take = ids if len(ids) <= per_band else rng.choice(ids, size=per_band, replace=False)
        chosen.update(str(i) for i in take)
        kept_per_band.append(f"{band} {len(take)} of {len(ids)}")
    keep = hd.items["item_id"].astype(str).isin(chosen).to_numpy()
    annotations = hd.annotations
    if annotations is not None:
        annotations = annotations[annotations["item_id"].astype(str).isin(chosen)].reset_index(drop=True)
    annotators = hd.annotators
    if annotators is not None and annotations is not None:  # only the people who rated a kept item
        rated = set(annotations["annotator_id"].astype(str))
        annotators = annotators[annotators["annotator_id"].astype(str).isin(rated)].reset_index(drop=True)
    note = (f"sampled {int(keep.sum())} of {len(hd.items)} items, at most {per_band} per band of "
            f"'{scheme}' ({'; '.join(kept_per_band)}; seed {seed}); the rest are not in this study")
    return HumanData(task=hd.task, items=hd.items.loc[keep].reset_index(drop=True),
                     counts=np.asarray(hd.counts)[keep], annotations=annotations,
                     annotators=annotators, notes=[*hd.notes, note])
