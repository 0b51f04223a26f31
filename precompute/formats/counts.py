"""`format = "counts"`: one row per item with its label counts (no per-rater data).
Keys: precompute/study_schema.py (docs/study-file.md); for example:

    [[dataset]]
    format = "counts"
    task = "snli"
    path = "chaosNLI_snli.jsonl"
    labels = ["e", "n", "c"]
    [dataset.columns]
    item_id = "uid"
    text = "example.hypothesis"        # dotted paths reach into JSON objects
    counts = "label_counter"           # a label -> count mapping (or a list aligned with labels) ...
    # count_columns = ["n_e", "n_n", "n_c"]   # ... or one count column per label, in label order
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from precompute.config import dataset_reader
from precompute.formats.assemble import items_frame, task_spec
from precompute.formats.common import LabelMatcher, Table, parse_count, parse_list, parse_mapping
from precompute.formats.long import read_tasks
from precompute.study import HumanData, StudyError


@dataset_reader("counts")
def read_counts(section: dict, base: Path) -> list[HumanData]:
    return read_tasks(section, base, "counts", counts_task)


def counts_task(ts: dict, table: Table, where: str, notes: tuple[str, ...] = ()) -> HumanData:
    task, cols = task_spec(ts, where), ts.get("columns", {})
    items = items_frame(table, cols, where, ts.get("text_template"))
    k = len(task.labels)
    counts = np.zeros((len(items), k), dtype=np.int64)
    if "counts" in cols:
        matcher = LabelMatcher(task.labels)
        for i, cell in enumerate(table.column(cols["counts"], "columns.counts").tolist()):
            counts[i] = _row_counts(cell, matcher, table.where(i), k)
    elif "count_columns" in cols:
        names = list(cols["count_columns"])
        if len(names) != k:
            raise StudyError(f"{where}: columns.count_columns names {len(names)} columns for {k} labels")
        for c, name in enumerate(names):
            for i, v in enumerate(table.column(name, "columns.count_columns").tolist()):
                counts[i, c] = parse_count(v, table.where(i), f"columns.count_columns ({name!r})")
    else:
        raise StudyError(f"{where}: give columns.counts (a mapping or list column) or columns.count_columns")
    return HumanData(task, items, counts, notes=list(notes))


def _row_counts(cell, matcher: LabelMatcher, where: str, k: int) -> np.ndarray:
    out = np.zeros(k, dtype=np.int64)
    field = "columns.counts"
    if isinstance(cell, str) and cell.strip().startswith("["):
        cell = parse_list(cell, where, field)
    if isinstance(cell, list | tuple | np.ndarray):
        if len(cell) != k:
            raise StudyError(f"{where}, field {field}: {len(cell)} counts for {k} labels")
        return np.array([parse_count(v, where, field) for v in cell], dtype=np.int64)
    for key, value in parse_mapping(cell, where, field).items():
        if value is None:  # a Parquet struct column holds every key; a row without that label has None
            continue
        c = matcher.code(key)
        if c < 0:
            raise matcher.fail(where, field, key)
        out[c] += parse_count(value, where, field)
    return out
