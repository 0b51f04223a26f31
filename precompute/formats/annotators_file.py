"""An annotators file for the generic formats: one row per annotator with their demographics, so a
user's own `long` or `label-lists` data gets the same annotator groups (data_layer/groups.py) as the
named adapters.

    [[dataset]]
    format = "label-lists"                  # or "long"
    ...
    annotators_path = "annotators.csv"      # CSV, TSV, JSON, JSONL, Parquet or hf://...
    annotators_id = "annotator_id"          # its id column (default "annotator_id")
    # every other column is a demographic field; groupable ones (gender, age, race, education,
    # country, ...) are matched by name, see the glossary's "Annotator groups"

Ids must be unique and non-empty (the error names the file and row). Raters of the ratings file
missing from it are kept in the group `unknown`, counted per attribute in the store.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from precompute.formats.assemble import annotators_frame
from precompute.formats.common import read_table, resolve_path
from precompute.study import StudyError

KEYS = ("annotators_path", "annotators_file_type", "annotators_id")


def read_annotators(section: dict, base: Path, where: str) -> pd.DataFrame | None:
    """annotator_id, demographics (JSON) from `annotators_path`, or None when the key is absent."""
    if "annotators_path" not in section:
        return None
    table = read_table(resolve_path(section["annotators_path"], base, section.get("revision")),
                       section.get("annotators_file_type"))
    id_col = str(section.get("annotators_id", "annotator_id"))
    ids = table.strings(id_col, "annotators_id")
    dup = ids.duplicated().to_numpy()
    if dup.any():
        j = int(np.argmax(dup))
        raise StudyError(f"{table.where(j)}, field annotators_id (column {id_col!r}): annotator {ids.iloc[j]!r} "
                         "appears twice")
    demo = table.frame.drop(columns=[c for c in (id_col, "_key") if c in table.frame.columns])
    if not len(demo.columns):
        raise StudyError(f"{where}: {table.path} has no column besides {id_col!r}: no demographics to read")
    return annotators_frame(ids, demo.reset_index(drop=True), table.where)
