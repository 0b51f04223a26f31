"""Large synthetic stores for benchmarks: `python -m precompute demo --scale N`.

N is the number of item-metric rows (run x item). The study has 20 tasks of mixed label
scales and 40 simulated runs (plus the 3 baselines); items per task are chosen so that
runs x items reaches N. Everything is vectorised and runs are generated one at a time
while the store is written, so memory stays flat in N. Raw generations are not simulated
at this scale (they are not what the scale benchmarks measure). Half the tasks get simulated
annotators with simulated demographics (precompute/demo_annotators.py) for the group queries.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from precompute import demo
from precompute.demo_annotators import annotator_pool, assign_ratings
from precompute.simulate import SimRun, simulated_run_data
from precompute.study import HumanData, RunData, Study, TaskSpec

N_TASKS = 20
N_RUNS = 40
_WORDS = np.array("comment reply offensive joke sarcasm premise hypothesis neighbour manager referee "
                  "landlord senator barista influencer driver committee teacher developer kind rude "
                  "clown genius useless fair calm hot take trust issues forever".split())


def _task(i: int) -> TaskSpec:
    k = (2, 3, 5, 6)[i % 4]
    ordinal = k >= 5
    # Ids that share their first 8 bytes, as real ones do ("chaosnli-snli", "chaosnli-mnli"):
    # DuckDB keeps an 8-byte prefix of a string in its zone maps, so shorter ids would let
    # string lookups prune row groups that real stores cannot, and flatter the benchmark.
    return TaskSpec(f"synthetic-{i:02d}", "scale", f"Synthetic task {i} ({k} labels)",
                    [str(j + 1) for j in range(k)], "ordinal" if ordinal else "nominal",
                    description="Synthetic benchmark task (precompute/scale.py).",
                    source="Simulated by Disagreement Atlas", license="CC0-1.0")


def _latent_human(rng: np.random.Generator, n: int, k: int, ordinal: bool) -> np.ndarray:
    ambiguity = rng.beta(0.9, 1.1, size=n)
    centre = rng.integers(k, size=n)
    if ordinal:
        spread = 0.25 + 2.6 * ambiguity
        w = np.exp(-0.5 * ((np.arange(k)[None, :] - centre[:, None]) / spread[:, None]) ** 2)
    else:
        g = rng.standard_gamma(np.ones((n, k)))
        w = g / g.sum(axis=1, keepdims=True) * ambiguity[:, None] * 1.6
        w[np.arange(n), centre] += 1.0 - ambiguity * 0.6
    return w / w.sum(axis=1, keepdims=True)


def scale_human(n_items: int, seed: int) -> list[HumanData]:
    out, pool = [], annotator_pool(seed)
    for i in range(N_TASKS):
        task = _task(i)
        rng = np.random.default_rng([seed, 5000 + i])
        k = len(task.labels)
        panels = rng.choice(demo.PANEL_SIZES, size=n_items, p=demo.PANEL_WEIGHTS)
        counts = rng.multinomial(panels, _latent_human(rng, n_items, k, task.scale == "ordinal"))
        words = _WORDS[rng.integers(len(_WORDS), size=(n_items, 8))]
        items = pd.DataFrame({"item_id": [f"{task.task_id}-{j:06d}" for j in range(n_items)],
                              "text": [" ".join(w) for w in words], "context": None, "metadata": None})
        if i % 2 == 0:  # half the tasks have simulated annotators with demographics, for the group queries
            ratings = assign_ratings(task.task_id, items["item_id"], counts, pool, task.labels, seed, 5000 + i,
                                     leaning=(0.8, 0.4))
            out.append(HumanData(task, items, counts, ratings, pool[["annotator_id", "dataset", "demographics"]]
                                 .assign(dataset="scale")))
        else:
            out.append(HumanData(task, items, counts))
    return out


def scale_runs() -> list[SimRun]:
    models = [demo.CHAT_8B, demo.R1_8B, demo.INSTRUCT_14B, demo.R1_14B, demo.CHAT_70B, demo.R1_70B,
              demo.HYBRID_32B, demo.BASE_8B]
    combos = []
    for model, method, steering in itertools.product(models, ("verbalized", "sampling", "logprob"),
                                                     ("zero", "few")):
        modes = {"rlvr": ("native",), "rlhf": ("none", "cot")}.get(model.training, ("none",))
        combos += [SimRun(model, method, r, steering) for r in modes]
    step = len(combos) / N_RUNS
    return [combos[int(i * step)] for i in range(N_RUNS)]


def items_per_task(rows: int) -> int:
    return max(10, math.ceil(rows / (N_TASKS * (N_RUNS + 3))))


def scale_study(rows: int, seed: int = 0) -> Study:
    human = scale_human(items_per_task(rows), seed)

    def runs() -> Iterator[RunData]:  # one run in memory at a time
        for sim in scale_runs():
            yield simulated_run_data(human, sim, seed, demo.CREATED_AT, with_generations=False)

    return Study(name=f"Synthetic scale study ({rows:,} rows requested)", human=human, runs=runs(),
                 seed=seed, simulated=True, config_text=f"scale rows={rows} seed={seed}")
