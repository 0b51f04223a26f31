"""`format = "long"`: one row per rating. Every key is declared in precompute/study_schema.py and
explained in docs/study-file.md; for example:

    [[dataset]]
    format = "long"
    task = "offensiveness"             # or one [[dataset.task]] table per label column
    path = "ratings.csv"               # CSV, TSV, JSON, JSONL, Parquet, or hf://datasets/OWNER/NAME/FILE[@rev]
    labels = ["1", "2", "3", "4", "5"] # label values in scale order; label_names = [...] optional
    scale = "ordinal"                  # nominal (default) | ordinal
    [dataset.columns]
    item_id = "instance_id"
    label = "offensiveness"
    annotator_id = "user_id"           # optional
    text = "text"                      # required (here or in items_path), or text_template
    context = ["post"]                 # optional: columns kept as the item's context JSON
    metadata = ["split"]               # optional: columns kept as the item's metadata JSON
    demographics = ["age", "gender"]   # optional: per-annotator columns (or annotators_path, below)

`items_path = "items.csv"` reads item text/context/metadata from a separate file joined by
columns.item_id (items without ratings are then dropped and counted by the build).
`annotators_path = "annotators.csv"` reads demographics from a file with one row per annotator
(precompute/formats/annotators_file.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from precompute.config import dataset_reader
from precompute.formats.annotators_file import read_annotators
from precompute.formats.assemble import (
    annotators_frame,
    check_codes,
    human_from_ratings,
    items_frame,
    named_columns,
    task_sections,
    task_spec,
)
from precompute.formats.common import LabelMatcher, Table, as_str, read_table, resolve_path
from precompute.study import HumanData, StudyError


def load(section: dict, base: Path, key: str, type_key: str, where: str) -> Table:
    if key not in section:
        raise StudyError(f"{where}: {key} is required")
    return read_table(resolve_path(section[key], base, section.get("revision")), section.get(type_key),
                      section.get("records") if key == "path" else None)


def read_tasks(section: dict, base: Path, fmt: str, task_fn) -> list[HumanData]:
    """A one-file format: check the keys, read `path`, apply `task_fn(ts, table, where)` per task."""
    where = f"[[dataset]] format '{fmt}' ({section.get('path')})"
    table = load(section, base, "path", "file_type", where)
    return [task_fn(ts, table, where) for ts in task_sections(section, where)]


@dataset_reader("long")
def read_long(section: dict, base: Path) -> list[HumanData]:
    where = f"[[dataset]] format 'long' ({section.get('path')})"
    ratings = load(section, base, "path", "file_type", where)
    items = load(section, base, "items_path", "items_file_type", where) if "items_path" in section else None
    people = read_annotators(section, base, where)
    return [long_task(ts, ratings, items, where, annotators_file=people) for ts in task_sections(section, where)]


def long_task(ts: dict, ratings: Table, items_table: Table | None, where: str,
              notes: tuple[str, ...] = (), annotators_file: pd.DataFrame | None = None) -> HumanData:
    task, cols = task_spec(ts, where), ts.get("columns", {})
    for field in ("item_id", "label"):
        if field not in cols:
            raise StudyError(f"{where}: columns.{field} is required")
    ids = ratings.strings(cols["item_id"], "columns.item_id")
    raw = as_str(ratings.column(cols["label"], "columns.label"))
    codes = LabelMatcher(task.labels).codes(raw)
    check_codes(codes, raw.tolist(), ratings.where, "columns.label", task.labels)
    source = items_table if items_table is not None else ratings.take(~ids.duplicated().to_numpy())
    items = items_frame(source, cols, where, ts.get("text_template"))
    item_index = items.set_index("item_id").index.get_indexer(ids)
    if (item_index < 0).any():
        j = int(np.argmax(item_index < 0))
        raise StudyError(f"{ratings.where(j)}, field columns.item_id: item {ids.iloc[j]!r} is not in "
                         f"{items_table.path}")
    ann, annotators = None, None
    if "annotator_id" in cols:
        ann = ratings.strings(cols["annotator_id"], "columns.annotator_id")
        demo = named_columns(cols.get("demographics"), "demographics", where)
        if demo:
            frame = pd.DataFrame({k: ratings.column(c, "columns.demographics").to_numpy()
                                             for k, c in demo.items()})
            annotators = annotators_frame(ann, frame, ratings.where)
    elif cols.get("demographics") or annotators_file is not None:
        raise StudyError(f"{where}: columns.demographics and annotators_path need columns.annotator_id")
    if annotators_file is not None:
        if annotators is not None:
            raise StudyError(f"{where}: give demographics either as columns.demographics or in annotators_path, "
                             "not both")
        annotators = annotators_file
    return human_from_ratings(task, items, item_index, codes, ratings.where, ann, annotators, notes)
