"""A tiny store whose text is hostile: a task, its labels, two models, item texts, model answers,
annotator ids and demographics whose names carry markdown links and images, HTML tags and
`javascript:` links.

Built with the real pipeline (study objects -> `build_store`), so every page reads it the way
it reads any store. Every payload points at 127.0.0.1:9 (the discard port: nothing answers),
so a test can tell a rendered payload by the element or the request it creates."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from precompute.demo_annotators import assign_ratings
from precompute.simulate import SimModel, SimRun, simulated_run_data
from precompute.study import HumanData, Study, TaskSpec, to_json

TRAP = "127.0.0.1:9"
MD_LINK = f"[Session expired – log in again](http://{TRAP}/login)"
MD_IMAGE = f"![t](http://{TRAP}/track.png)"
TASK_ID = "hostile-task"
TASK_NAME = f"Task <b>bold</b> {MD_LINK}"
LABEL_NAMES = ["<b>bold</b> label", f'<a href="http://{TRAP}/a">link</a> label {MD_IMAGE}']
RLHF_NAME = f'RLHF <i>x</i> <a href="javascript:alert(1)">js</a> {MD_LINK}'
RLVR_NAME = f"RLVR <b>bold</b> {MD_IMAGE}"
ITEM_TEXT = '<img src=x onerror="window.__pwned=1"> **not bold** ' + MD_LINK
ANSWER = f'<script>window.__pwned=1</script> {MD_IMAGE} <b>bold</b>'
# annotators with ids and demographics of their own (the Annotator page, the Item page's annotators)
ANNOTATOR_ID = f"ann <b>bold</b> {MD_LINK} 00"
GENDER = f"<b>bold</b> gender {MD_IMAGE}"
N_ANNOTATORS = 12  # the largest panel has 11 ratings
N_ITEMS = 24
SEED = 7


def hostile_study() -> Study:
    task = TaskSpec(TASK_ID, f"dataset <b>bold</b> {MD_IMAGE}", TASK_NAME, ["0", "1"], "nominal",
                    LABEL_NAMES, f"About {MD_LINK}", f"<a href='http://{TRAP}/src'>source</a>",
                    "CC0-1.0", MD_LINK, f"Guideline {MD_IMAGE}")
    rng = np.random.default_rng(SEED)
    panels = rng.integers(3, 12, size=N_ITEMS)
    counts = np.stack([rng.multinomial(n, [p, 1 - p]) for n, p in zip(panels, rng.uniform(0, 1, N_ITEMS))])
    items = pd.DataFrame({"item_id": [f"hostile-{i:02d}" for i in range(N_ITEMS)],
                          "text": [f"{ITEM_TEXT} #{i}" for i in range(N_ITEMS)],
                          "context": None, "metadata": None})
    pool = pd.DataFrame({"annotator_id": [ANNOTATOR_ID.replace("00", f"{i:02d}") for i in range(N_ANNOTATORS)],
                         "dataset": task.dataset, "woman": False, "age": 40.0,
                         "demographics": [to_json({"gender": GENDER, "age": 30 + i, "note": MD_LINK})
                                          for i in range(N_ANNOTATORS)]})
    ratings = assign_ratings(TASK_ID, items["item_id"], counts, pool, task.labels, SEED, 0, leaning=(0.0, 0.0))
    human = [HumanData(task, items, counts, ratings, pool[["annotator_id", "dataset", "demographics"]])]
    rlhf = SimModel("hostile-rlhf", RLHF_NAME, "rlhf", 8, "hostile", "hostile-pair", 1.2, 20)
    rlvr = SimModel("hostile-rlvr", RLVR_NAME, "rlvr", 8, "hostile", "hostile-pair", 2.4, 20)
    runs = [simulated_run_data(human, sim, SEED, "2026-01-01T00:00:00+00:00")
            for sim in (SimRun(rlhf, "verbalized"), SimRun(rlvr, "verbalized", "native"))]
    for run in runs:  # what a model said is data too
        run.generations["output_text"] = ANSWER
        run.generations["reasoning_text"] = f"Thinking about {MD_LINK} <b>bold</b>"
    return Study(name=f"hostile study <b>bold</b> {MD_LINK}", human=human, runs=runs, seed=SEED,
                 simulated=True, config_text="hostile fixture")


def build_hostile_store(path: Path) -> Path:
    from precompute.build import build_store
    build_store(hostile_study(), path, show_progress=False)
    return path
