"""Imported per-annotator predictions (`kind = "annotator_labels"`): a run that predicts each annotator's
own label of an item, as systems do in LeWiDi 2025's perspectivist task B (Leonardelli et al. 2025).

Two layouts:
- long (csv, jsonl, parquet): one row per item x annotator, with `item_column`, `annotator_column`,
  `label_column` (and `task_column` or `task`);
- a task B submission (`<Dataset>_test_pe.tsv`): `item_id<TAB>[l1, l2, ...]`, one label per annotator
  of the item in the order the dataset lists them (its `annotations` object; here: the order in which
  the reader met the item's ratings). VariErrNLI's `[[c1, ...], [e1, ...], [n1, ...]]` holds one 0/1
  list per NLI label; `task = [...]` then names the task of each inner list, in order.

The run's distribution of an item is the share of its predicted annotators given each label (how the
task's organisers turned such predictions into soft labels), so the run is scored like any other run;
precompute/annotator_predictions.py (`dists_from_labels`) makes that distribution and scores each
predicted label against the annotator's own.

Strict like every import: an unknown item, an annotator who did not rate the item, an unknown label, a
list whose length is not the item's number of annotators, or a second prediction for the same annotator
and item raise a StudyError naming the file, row and field. Ratings of predicted items left without a
prediction are counted in the build report, and scored on what was predicted.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data_layer.registry import suggestion
from precompute.annotator_predictions import raters_in_order
from precompute.study import HumanData, StudyError

COLUMNS = ["task_id", "item_id", "annotator_id", "predicted"]


def label_index(labels: list[str], norm) -> dict[str, int]:
    return {norm(lab): i for i, lab in enumerate(labels)}


def predicted_labels(frame: pd.DataFrame, s: dict, tasks: dict[str, HumanData], path: Path, fmt: str,
                     kept: dict[str, dict[str, bool]], norm, mapped) -> tuple[pd.DataFrame, list[str]]:
    """The file's predictions as rows (task_id, item_id, annotator_id, predicted label of the task) for
    the items the build keeps, and the notes of what was counted and left out."""
    if isinstance(s.get("task"), list) and fmt != "lewidi":
        raise StudyError(f"{path}: a list of tasks (key 'task') is only for a task B file with one list per task; "
                         f"give a {s['task_column']!r} column (task_column) instead")
    raters = {t: raters_in_order(h) for t, h in tasks.items()}
    rows = (_from_lists if fmt == "lewidi" else _from_long)(frame, s, tasks, raters, path, norm, mapped)
    out = pd.DataFrame(rows, columns=[*COLUMNS, "row"])
    dup = out.duplicated(["task_id", "item_id", "annotator_id"])
    if dup.any():
        r = out[dup].iloc[0]
        raise StudyError(f"{path}, row {r['row']}: a second prediction for annotator {r['annotator_id']!r} on item "
                         f"{r['item_id']!r} of task {r['task_id']!r}")
    keep = np.array([kept[t].get(i, False) for t, i in zip(out["task_id"], out["item_id"], strict=True)], dtype=bool)
    notes = []
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} per-annotator prediction(s) for items dropped for too few ratings "
                     "not used")
    out = out.loc[keep, COLUMNS].reset_index(drop=True)
    missing = sum(len(raters[t][i]) for (t, i) in set(zip(out["task_id"], out["item_id"], strict=True)))
    if missing > len(out):
        notes.append(f"{missing - len(out)} rating(s) of predicted items have no predicted label; the items are "
                     "scored on their predicted annotators")
    return out, notes


def _from_long(frame, s, tasks, raters, path, norm, mapped) -> list[tuple]:
    item_col, task_col, ann_col, lab_col = s["item_column"], s["task_column"], s["annotator_column"], s["label_column"]
    for col, key in ((item_col, "item_column"), (ann_col, "annotator_column"), (lab_col, "label_column")):
        if col not in frame.columns:
            raise StudyError(f"{path}: no {col!r} column ({key}); columns are {list(frame.columns)}")
    index = {t: label_index(h.task.labels, norm) for t, h in tasks.items()}
    rows = []
    for row, rec in zip(frame.index + 1, frame[[task_col, item_col, ann_col, lab_col]].itertuples(index=False),
                        strict=True):
        task, item, person, label = str(rec[0]), str(rec[1]).strip(), str(rec[2]).strip(), rec[3]
        where = f"{path}, row {row}"
        _known_rater(raters, task, item, person, tasks, f"{where}, field {ann_col}")
        rows.append((task, item, person, _label(label, tasks[task], index[task], f"{where}, field {lab_col}",
                                                 norm, mapped), row))
    return rows


def _from_lists(frame, s, tasks, raters, path, norm, mapped) -> list[tuple]:
    """`item_id<TAB>[labels]` lines: a flat list for `task`, or one list per task of a `task = [...]`."""
    names = s["task"] if isinstance(s.get("task"), list) else [frame[s["task_column"]].iloc[0]] if len(frame) else []
    for t in names:
        if t not in tasks:
            raise StudyError(f"{path}: unknown task {t!r} in `task` of import [[run]] {s['name']!r}"
                             f"{suggestion(t, list(tasks))}")
    nested = isinstance(s.get("task"), list)
    index = {t: label_index(tasks[t].task.labels, norm) for t in names}
    rows = []
    for row, item, value in zip(frame.index + 1, frame["item_id"].astype(str).str.strip(), frame["probs"],
                                strict=True):
        where = f"{path}, row {row}, field labels"
        lists = value if nested else [value]
        if not isinstance(value, list) or (nested and (len(value) != len(names)
                                                      or not all(isinstance(v, list) for v in value))):
            shape = f"{len(names)} lists, one per task of `task` ({', '.join(names)})" if nested else "a list"
            raise StudyError(f"{where}: expected {shape} of per-annotator labels, got {str(value)[:80]!r}")
        for t, labels in zip(names, lists, strict=True):
            people = _people(raters, t, item, f"{path}, row {row}, field item_id")
            if len(labels) != len(people):
                raise StudyError(f"{where}: expected {len(people)} labels (one per annotator of item {item!r}, in "
                                 f"this order: {', '.join(people[:8])}{' ...' if len(people) > 8 else ''}), got "
                                 f"{len(labels)}")
            rows += [(t, item, p, _label(lab, tasks[t], index[t], where, norm, mapped), row)
                     for p, lab in zip(people, labels, strict=True)]
    return rows


def _known_rater(raters, task, item, person, tasks, where) -> None:
    if task not in tasks:
        raise StudyError(f"{where}: unknown task {task!r}{suggestion(task, list(tasks))}")
    people = _people(raters, task, item, where)
    if person not in people:
        raise StudyError(f"{where}: annotator {person!r} did not rate item {item!r} of task {task!r} "
                         f"(its annotators: {', '.join(people[:8])}{' ...' if len(people) > 8 else ''})")


def _people(raters, task, item, where) -> list[str]:
    """The item's annotators in order; a task without annotator ids, or an unknown item, is an error."""
    if not raters[task]:
        raise StudyError(f"{where}: task {task!r} has no annotator ids, so per-annotator predictions cannot be "
                         "matched to its annotators")
    if item not in raters[task]:
        raise StudyError(f"{where}: unknown item {item!r} in task {task!r}")
    return raters[task][item]


def _label(raw, hd: HumanData, index: dict[str, int], where: str, norm, mapped) -> str:
    key = norm(mapped(raw))
    if key not in index:
        raise StudyError(f"{where}: unknown label {raw!r}; labels of task {hd.task.task_id!r} are {hd.task.labels}")
    return hd.task.labels[index[key]]
