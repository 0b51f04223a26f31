"""POPQUORN offensiveness (Pei & Jurgens, LAW 2023): Reddit comments rated 1-5 for offensiveness by a
US-representative Prolific sample; every row is one (comment, annotator) rating with that annotator's
self-reported demographics. A plain `long` task over the raw CSV."""
from __future__ import annotations

from pathlib import Path

from precompute.adapters.base import dataset_file, start
from precompute.config import dataset_reader
from precompute.formats.assemble import wanted_tasks
from precompute.formats.common import read_table
from precompute.formats.long import long_task
from precompute.study import HumanData

TASK = {
    "id": "popquorn-offensiveness", "dataset": "popquorn", "name": "POPQUORN offensiveness (1-5)",
    "labels": ["1", "2", "3", "4", "5"], "scale": "ordinal",
    "label_names": ["1 not offensive at all", "2", "3", "4", "5 very offensive"],
    "description": "Reddit comments, 5-10 ratings each (median 9) by 262 Prolific annotators with "
                   "demographics (gender, race, age, occupation, education).",
    "guideline": "Consider you read the above comment on Reddit, how offensive do you think it is? "
                 "1 = not offensive at all, 5 = very offensive.",
    "source": "POPQUORN, github.com/Jiaxin-Pei/Potato-Prolific-Dataset @dbb118c2, "
              "dataset/offensiveness/raw_data.csv",
    "license": "not stated (research use with citation; confirm terms before redistributing)",
    "citation": "Pei, Jurgens (2023). When Do Annotator Demographics Matter? Measuring the Influence of "
                "Annotator Demographics with the POPQUORN Dataset. LAW-XVII @ ACL 2023.",
    "columns": {"item_id": "instance_id", "annotator_id": "user_id", "label": "offensiveness", "text": "text",
                "demographics": ["gender", "race", "age", "occupation", "education"]},
}


@dataset_reader("popquorn")
def read_popquorn(section: dict, base: Path) -> list[HumanData]:
    where = start(section, "popquorn")
    wanted_tasks(section, [TASK["id"]], where)
    ratings = read_table(dataset_file(section, base, "offensiveness_raw_data.csv"))
    return [long_task(TASK, ratings, None, where)]
