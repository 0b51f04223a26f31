"""A tiny study declared inline in study.toml, for elicitation and import tests.

Registers the dataset reader `inline-test` (items and label counts written in the TOML itself),
so tests go through the real `load_study` -> `build_store` path."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from precompute.config import dataset_reader
from precompute.study import HumanData, TaskSpec

ITEMS = [
    ("t1", "You are a wonderful person and I love your work.", [5, 0]),
    ("t2", "Shut up, nobody asked for your stupid opinion.", [1, 4]),
    ("t3", "This policy is a disaster and its authors should resign.", [3, 2]),
    ("t4", "Go back to where you came from.", [1, 4]),
    ("t5", "What a lovely sunny day at the beach.", [5, 0]),
    ("t6", "Typical idiot move from the usual crowd.", [2, 3]),
    ("t7", "Only one rating here.", [1, 0]),  # dropped: fewer than min_annotators
]

DATASET = """
[study]
name = "elicit fixture"
min_annotators = 2

[[dataset]]
format = "inline-test"
task_id = "toy"
"""


@dataset_reader("inline-test")
def inline_test(section: dict, base: Path) -> list[HumanData]:
    task = TaskSpec(task_id=section["task_id"], dataset="fixture", name="Toy offensiveness",
                    labels=["0", "1"], label_names=["not offensive", "offensive"],
                    guideline="Is the text offensive?")
    items = pd.DataFrame({"item_id": [i for i, _, _ in ITEMS], "text": [t for _, t, _ in ITEMS],
                          "context": None, "metadata": None})
    return [HumanData(task, items, np.array([c for _, _, c in ITEMS]))]


def write_study(folder: Path, runs: str) -> Path:
    path = folder / "study.toml"
    path.write_text(DATASET + runs, encoding="utf-8")
    return path
