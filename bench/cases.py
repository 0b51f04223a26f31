"""The representative slices and the page queries the scale benchmark runs, and the naive
pandas equivalents. Add a case here whenever a page starts issuing a new query."""
from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from data_layer.queries import options, overview
from data_layer.slice import Slice
from data_layer.store import Store


def slices(store: Store) -> dict[str, Slice]:
    task = store.scalar("SELECT min(task_id) FROM tasks")
    return {
        "all tasks": Slice(),
        "one task": Slice(tasks=(task,)),
        "one band": Slice(bands=("high",)),
        "rlvr vs rlhf, verbalized": Slice(training=("rlvr", "rlhf"), methods=("verbalized",)),
    }


def query_cases(store: Store) -> list[tuple[str, Callable[[], object]]]:
    cases = [("options: tasks", lambda: options.task_options(store)),
             ("options: runs", lambda: options.run_facet_options(store)),
             ("options: bands", lambda: options.band_options(store, "fixed", ()))]
    for name, sl in slices(store).items():
        cases.append((f"overview means: {name}", lambda sl=sl: overview.means_by_band(store, sl)))
    cases.append(("overview by task: all tasks", lambda: overview.means_by_band(store, Slice(), True)))
    return cases


@dataclass
class Naive:
    cases: dict[str, Callable[[], object]] = field(default_factory=dict)
    load_seconds: float = 0.0
    load_mb: float = 0.0


def naive_cases(store: Store) -> Naive:
    """What a user without the data layer writes: load everything into pandas, merge, group."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    im = store.df("SELECT * FROM item_metrics")
    runs = store.df("SELECT run_id, model_id, method, reasoning, steering FROM runs")
    models = store.df("SELECT model_id, training, params_b FROM models")
    human = store.df("SELECT task_id, item_id, band_fixed, band_tertile, band_highvar FROM human_dist")
    frame = im.merge(runs, on="run_id").merge(models, on="model_id").merge(human, on=["task_id", "item_id"])
    out = Naive(load_seconds=time.perf_counter() - t,
                load_mb=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)

    def means(sl: Slice) -> pd.DataFrame:
        f = frame
        if sl.tasks:
            f = f[f.task_id.isin(sl.tasks)]
        if sl.bands:
            f = f[f[sl.band_column].isin(sl.bands)]
        if sl.training:
            f = f[f.training.isin(sl.training)]
        if sl.methods:
            f = f[f.method.isin(sl.methods)]
        return f.groupby(["training", "reasoning", sl.band_column])[sl.metric].agg(["mean", "count"])

    for name, sl in slices(store).items():
        out.cases[f"overview means: {name}"] = lambda sl=sl: means(sl)
    return out
