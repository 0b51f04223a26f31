"""A tiny study declared inline in study.toml, for elicitation and import tests.

Registers the dataset reader `inline-test` (items and label counts written in the TOML itself),
so tests go through the real `load_study` -> `build_store` path. `write_annotator_study` writes a
tiny label-lists study with annotator ids and an annotators file (demographics), for runs that ask
about each annotator (`predict = "annotators"`)."""
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


# i1 = 0,1,1,1 by a1..a4; i2 = 0,0,1 by a1, a2, a5; i3 = 1,1,0 by a3, a6, a4; i4 has one rating (dropped)
ANNOTATOR_ITEMS = """id,text,labels,raters
i1,The first text to judge.,"0,1,1,1","a1,a2,a3,a4"
i2,The second text to judge.,"0,0,1","a1,a2,a5"
i3,The third text to judge.,"1,1,0","a3,a6,a4"
i4,Only one rating here.,0,a1
"""
# a2's age has expired and a4 says nothing; a6 is not in the file: a4 and a6 have no description
ANNOTATOR_PEOPLE = """annotator_id,gender,age
a1,Woman,23
a2,Man,DATA_EXPIRED
a3,Woman,41
a4,prefer not to say,
a5,Man,30
"""
# a label-lists study of items.csv with an annotators file people.csv (also tests/test_groups.py)
ANNOTATOR_STUDY = """[study]
name = "{name}"

[[dataset]]
format = "label-lists"
path = "items.csv"
list_separator = ","
annotators_path = "people.csv"
task = "t"
labels = ["0", "1"]
guideline = "Is the text offensive?"
columns = {{ item_id = "id", text = "text", labels = "labels", annotators = "raters" }}
{runs}"""


def write_annotator_study(folder: Path, runs: str, items: str = ANNOTATOR_ITEMS) -> Path:
    (folder / "items.csv").write_text(items, encoding="utf-8")
    (folder / "people.csv").write_text(ANNOTATOR_PEOPLE, encoding="utf-8")
    path = folder / "study.toml"
    path.write_text(ANNOTATOR_STUDY.format(name="persona", runs=runs), encoding="utf-8")
    return path
