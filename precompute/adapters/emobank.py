"""EmoBank (Buechel & Hahn, EACL 2017), reader perspective: Valence, Arousal and Dominance, each an
ordinal 1-5 Self-Assessment-Manikin scale, about 5 ratings per sentence, no annotator ids. As in the
authors' aggregation (corpus/aggregation.ipynb) every individual rating with V = A = D = 1 is treated
as invalid and removed; items left with fewer than 2 ratings are dropped by the build
(min_annotators, default 2) and counted in the report."""
from __future__ import annotations

from pathlib import Path

from precompute.adapters.base import dataset_file, start
from precompute.config import dataset_reader
from precompute.formats.assemble import wanted_tasks
from precompute.formats.common import Table, read_table
from precompute.formats.long import long_task
from precompute.study import HumanData, StudyError

FILTER = ("Individual ratings with V = A = D = 1 are removed, as in the authors' aggregation "
          "(corpus/aggregation.ipynb), which treats them as invalid; items left with fewer than 2 ratings "
          "are dropped.")
COMMON = {"dataset": "emobank", "labels": ["1", "2", "3", "4", "5"], "scale": "ordinal",
          "source": "EmoBank, github.com/JULIELab/EmoBank @248ce2a4, corpus/ (individual_reader_ratings.csv, "
                    "raw.csv, meta.tsv, emobank.csv)",
          "license": "CC BY-SA 4.0",
          "citation": "Buechel, Hahn (2017). EmoBank: Studying the Impact of Annotation Perspective and "
                      "Representation Format on Dimensional Emotion Analysis. EACL 2017.",
          "columns": {"item_id": "id", "text": "text",
                      "metadata": ["split", "category", "subcategory", "document"]}}
TASKS = {
    "emobank-valence": ("V", "EmoBank valence (reader, 1-5)", "negative", "positive"),
    "emobank-arousal": ("A", "EmoBank arousal (reader, 1-5)", "calm", "excited"),
    "emobank-dominance": ("D", "EmoBank dominance (reader, 1-5)", "controlled", "in control"),
}


def _items(section: dict, base: Path) -> Table:
    raw = read_table(dataset_file(section, base, "raw.csv"))
    meta = read_table(dataset_file(section, base, "meta.tsv")).frame
    split = read_table(dataset_file(section, base, "emobank.csv")).frame[["id", "split"]]
    frame = raw.frame.merge(meta, on="id", how="left").merge(split, on="id", how="left")
    if len(frame) != len(raw.frame):
        raise StudyError(f"{raw.path}: ids repeat in meta.tsv or emobank.csv")
    return Table(frame, raw.path, raw.lines)


@dataset_reader("emobank")
def read_emobank(section: dict, base: Path) -> list[HumanData]:
    where = start(section, "emobank")
    wanted = wanted_tasks(section, list(TASKS), where)
    ratings = read_table(dataset_file(section, base, "individual_reader_ratings.csv"))
    f = ratings.frame
    for col in ("id", "V", "A", "D"):
        ratings.column(col, col)
    invalid = ((f["V"].str.strip() == "1") & (f["A"].str.strip() == "1") & (f["D"].str.strip() == "1")).to_numpy()
    kept = ratings.take(~invalid)
    items = _items(section, base)
    note = f"{int(invalid.sum())} of {len(f)} reader ratings removed by the V=A=D=1 filter"
    out = []
    for task_id, (col, name, low, high) in TASKS.items():
        if task_id not in wanted:
            continue
        ts = {**COMMON, "id": task_id, "name": name, "columns": {**COMMON["columns"], "label": col},
              "label_names": [f"1 {low}", "2", "3", "4", f"5 {high}"],
              "description": f"{name}: the emotion a sentence evokes in its reader, from 1 ({low}) to 5 "
                             f"({high}); about 5 crowd ratings per sentence. {FILTER}",
              "guideline": f"How does this sentence make a reader feel, from 1 ({low}) to 5 ({high})?"}
        out.append(long_task(ts, kept, items, where, notes=(note, "no annotator ids (removed by the authors)")))
    return out
