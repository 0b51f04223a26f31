"""`format = "label-lists"`: one row per item, one cell holding that item's labels.
Keys: precompute/study_schema.py (docs/study-file.md); for example:

    [[dataset]]
    format = "label-lists"
    path = "items.jsonl"
    columns = { item_id = "id", text = "text" }
    list_separator = ","               # optional: cells like "0,1,1" (default: lists or "[0, 1, 1]")
    [[dataset.task]]                   # one table per label column (or task = "id" + labels + columns.labels)
    id = "anger"
    labels = ["0", "1"]
    columns = { labels = "anger_labels", annotators = "anger_raters" }  # annotators: optional parallel ids
    # annotators_path = "annotators.csv": demographics per annotator (precompute/formats/annotators_file.py)
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from precompute.config import dataset_reader
from precompute.formats.annotators_file import read_annotators
from precompute.formats.assemble import (
    human_from_ratings,
    items_frame,
    task_spec,
)
from precompute.formats.common import LabelMatcher, Table, parse_list
from precompute.formats.long import read_tasks
from precompute.study import HumanData, StudyError


@dataset_reader("label-lists")
def read_label_lists(section: dict, base: Path) -> list[HumanData]:
    people = read_annotators(section, base, f"[[dataset]] format 'label-lists' ({section.get('path')})")
    return read_tasks(section, base, "label-lists", lambda ts, table, where: lists_task(ts, table, where, people))


def lists_task(ts: dict, table: Table, where: str, annotators: pd.DataFrame | None = None) -> HumanData:
    task, cols = task_spec(ts, where), ts.get("columns", {})
    if "labels" not in cols:
        raise StudyError(f"{where}: columns.labels is required (the column holding each item's labels)")
    if annotators is not None and "annotators" not in cols:
        raise StudyError(f"{where}: annotators_path needs columns.annotators (each item's annotator ids)")
    items = items_frame(table, cols, where, ts.get("text_template"))
    matcher, sep = LabelMatcher(task.labels), ts.get("list_separator")
    cells = table.column(cols["labels"], "columns.labels").tolist()
    ann_cells = table.column(cols["annotators"], "columns.annotators").tolist() if "annotators" in cols else None
    item_index, codes, anns, src = [], [], [], []
    for i, cell in enumerate(cells):
        values = parse_list(cell, lambda i=i: table.where(i), "columns.labels", sep)
        for v in values:
            c = matcher.code(v)
            if c < 0:
                raise matcher.fail(table.where(i), "columns.labels", v)
            codes.append(c)
        if ann_cells is not None:
            ids = parse_list(ann_cells[i], lambda i=i: table.where(i), "columns.annotators", sep)
            if len(ids) != len(values):
                raise StudyError(f"{table.where(i)}, field columns.annotators: {len(ids)} annotator ids "
                                 f"for {len(values)} labels")
            anns += [str(a).strip() or None for a in ids]
        item_index += [i] * len(values)
        src += [i] * len(values)
    return human_from_ratings(task, items, item_index, codes, lambda j: table.where(src[j]),
                              anns if ann_cells is not None else None, annotators)
